package service_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// deadlockOnce makes the transaction tx a deadlock's victim: another transaction, heavier (so InnoDB rolls
// this one back), holds r2 and waits for r1, which tx holds, and then tx asks for r2. The other transaction
// commits once tx is rolled back.
func deadlockOnce(t *testing.T, ctx context.Context, sqlDB *sql.DB, tx *service.Tx) error {
	t.Helper()
	if err := tx.Exec("UPDATE regions SET name = 'tx' WHERE id = 'r1'").Error; err != nil {
		return err
	}
	other, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ExecContext(ctx, modeltest.LongLockWait); err != nil {
		t.Fatal(err)
	}
	if _, err := other.ExecContext(ctx, "UPDATE regions SET name = 'other' WHERE id = 'r2'"); err != nil {
		t.Fatal(err)
	}
	for i := range 50 { // weight, so that the victim is tx
		w := fmt.Sprintf("w%d-%d", time.Now().UnixNano(), i)
		if _, err := other.ExecContext(ctx, "INSERT INTO regions (id, name, created_at) VALUES (?, ?, ?)", w, w, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := other.ExecContext(ctx, "UPDATE regions SET name = 'other' WHERE id = 'r1'"); err != nil {
			_ = other.Rollback()
			return
		}
		_ = other.Commit()
	}()
	modeltest.WaitForLockWait(t, sqlDB, done) // the other transaction waits for r1
	err = tx.Exec("UPDATE regions SET name = 'tx' WHERE id = 'r2'").Error
	if err == nil {
		t.Fatal("no deadlock: the other transaction was the victim")
	}
	t.Cleanup(func() { <-done })
	return err
}

// A deadlock victim is run again from the start, once, with fresh after-commit hooks; a second deadlock is
// the 503 a client retries after 2 s.
func TestRunTxRetriesADeadlockOnce(t *testing.T) {
	if modeltest.Driver() != "mysql" {
		t.Skip("SQLite has one writer at a time: no deadlocks")
	}
	ctx := context.Background()
	f := modeltest.Open(t)
	sqlDB, err := f.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	reset := func() {
		if _, err := sqlDB.Exec("DELETE FROM regions"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"r1", "r2"} {
			if _, err := sqlDB.Exec("INSERT INTO regions (id, name, created_at) VALUES (?, ?, ?)", id, id, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	reset()
	attempts, hooks := 0, []int{}
	err = service.RunTx(ctx, f.DB, time.Now(), nil, func(tx *service.Tx) error {
		attempts++
		n := attempts
		tx.AfterCommit(func(context.Context) { hooks = append(hooks, n) })
		if attempts == 1 {
			return deadlockOnce(t, ctx, sqlDB, tx)
		}
		return tx.Exec("UPDATE regions SET name = 'done' WHERE id = 'r1'").Error
	})
	if err != nil || attempts != 2 || len(hooks) != 1 || hooks[0] != 2 {
		t.Fatalf("after one deadlock: err %v, %d attempts, hooks %v", err, attempts, hooks)
	}

	reset()
	attempts = 0
	err = service.RunTx(ctx, f.DB, time.Now(), nil, func(tx *service.Tx) error {
		attempts++
		return deadlockOnce(t, ctx, sqlDB, tx)
	})
	var se *service.Error
	if attempts != 2 || !errors.Is(err, service.ErrUnavailable) || !errors.As(err, &se) || se.RetryAfter != 2*time.Second {
		t.Fatalf("after two deadlocks: %d attempts, %v", attempts, err)
	}
}
