package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/model/modeltest"
	"schoolcheck/service"
)

// After-commit hooks run once the transaction committed, with its time; never when it rolls back.
func TestTxAfterCommit(t *testing.T) {
	db := modeltest.DB(t)
	now := time.Date(2026, 11, 25, 1, 2, 3, 0, time.UTC)
	core := service.NewCore(db, nil, func() time.Time { return now })
	ctx := context.Background()
	var ran []string
	err := core.Tx(ctx, func(tx *service.Tx) error {
		if !tx.Now.Equal(now) {
			t.Errorf("tx.Now %v", tx.Now)
		}
		tx.AfterCommit(func(context.Context) { ran = append(ran, "committed") })
		return tx.Create(&model.Region{ID: model.NewID(), Name: "提交区", CreatedAt: tx.Now}).Error
	})
	if err != nil || len(ran) != 1 {
		t.Fatalf("commit: %v, hooks %v", err, ran)
	}
	boom := errors.New("boom")
	err = core.Tx(ctx, func(tx *service.Tx) error {
		tx.AfterCommit(func(context.Context) { ran = append(ran, "rolled back") })
		if err := tx.Create(&model.Region{ID: model.NewID(), Name: "回滚区"}).Error; err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || len(ran) != 1 {
		t.Fatalf("rollback: %v, hooks %v", err, ran)
	}
	var n int64
	db.Model(&model.Region{}).Where("name = ?", "回滚区").Count(&n)
	if n != 0 {
		t.Fatal("the rolled back row landed")
	}
}

// A database that has gone away is a 503 the caller can retry, not a 500.
func TestTxDatabaseGoneIsUnavailable(t *testing.T) {
	f := modeltest.Open(t)
	db, err := model.Open(context.Background(), f.Options)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	_ = sqlDB.Close()
	err = service.NewCore(db, nil, nil).Tx(context.Background(), func(tx *service.Tx) error { return nil })
	var se *service.Error
	if !errors.As(err, &se) || !errors.Is(err, service.ErrUnavailable) || se.RetryAfter == 0 {
		t.Fatalf("want 503 with Retry-After, got %v", err)
	}
}

// List pages in key order, and refuses a cursor it did not issue.
func TestList(t *testing.T) {
	db := modeltest.DB(t)
	for i := 0; i < 5; i++ {
		if err := db.Create(&model.Region{ID: model.NewID(), Name: "分页区" + string(rune('A'+i))}).Error; err != nil {
			t.Fatal(err)
		}
	}
	q := db.Model(&model.Region{}).Where("name LIKE ?", "分页区%")
	page := func(cursor string) service.Page[string] {
		p, err := service.List(q.Session(&gorm.Session{}), service.PageQuery{Limit: 2, Cursor: cursor}, "id", false,
			func(r *model.Region) string { return r.ID }, service.Each(func(r model.Region) string { return r.Name }))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	var names []string
	cursor := ""
	for i := 0; i < 4; i++ {
		p := page(cursor)
		names = append(names, p.Items...)
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if len(names) != 5 || names[0] != "分页区A" || names[4] != "分页区E" {
		t.Fatalf("pages %v", names)
	}
	for _, bad := range []string{"!!", "bm9wZQ", "YzE6"} { // not base64url; "nope" without prefix; empty key
		_, err := service.List(q.Session(&gorm.Session{}), service.PageQuery{Cursor: bad}, "id", false,
			func(r *model.Region) string { return r.ID }, service.Each(func(r model.Region) string { return r.Name }))
		var se *service.Error
		if !errors.As(err, &se) || !errors.Is(err, service.ErrInvalid) || se.Fields["cursor"] == "" {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
}
