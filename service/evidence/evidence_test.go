package evidence_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"schoolcheck/model"
	"schoolcheck/model/modeltest"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
)

type view struct {
	Name   string   `json:"name"`
	Count  int      `json:"student_count"`
	Tags   []string `json:"tags"`
	Hidden string   `json:"-"`
}

func TestDiff(t *testing.T) {
	before := view{Name: "1班", Count: 40, Tags: []string{"a"}, Hidden: "x"}
	after := view{Name: "1班", Count: 41, Tags: []string{"a", "b"}, Hidden: "y"}
	got := evidence.Diff(before, after)
	want := evidence.Changes{"student_count": {From: float64(40), To: float64(41)},
		"tags": {From: []any{"a"}, To: []any{"a", "b"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("diff %#v", got)
	}
	if c := evidence.Diff(before, before); len(c) != 0 {
		t.Fatalf("no change listed %v", c)
	}
	if c := evidence.Diff(nil, before); c["name"].From != nil || c["name"].To != "1班" || len(c) != 3 {
		t.Fatalf("creation %v", c)
	}
	if c := evidence.Diff(before, nil); c["name"].To != nil || c["name"].From != "1班" {
		t.Fatalf("deletion %v", c)
	}
}

// An update that changes nothing writes no audit row; one that does writes one {field: {from, to}} row in
// the same transaction, which rolls back with it.
func TestRecordedWithTheChange(t *testing.T) {
	db := modeltest.DB(t)
	core := service.NewCore(db, nil, nil)
	a := &service.Actor{StaffID: "staff-1", Name: "王校长", SchoolID: "s1", Roles: []string{service.RolePrincipal}}
	ctx := context.Background()
	count := func() int64 {
		var n int64
		db.Model(&model.AuditLog{}).Scopes(model.InSchool("s1")).Count(&n)
		return n
	}
	err := core.Tx(ctx, func(tx *service.Tx) error {
		changed, err := evidence.Updated(tx, a, "s1", evidence.Class, "c1", view{Name: "1班"}, view{Name: "1班"})
		if changed {
			t.Error("reported a change")
		}
		return err
	})
	if err != nil || count() != 0 {
		t.Fatalf("no-op update: %v, %d rows", err, count())
	}
	boom := errors.New("boom")
	err = core.Tx(ctx, func(tx *service.Tx) error {
		if _, err := evidence.Updated(tx, a, "s1", evidence.Class, "c1", view{Name: "1班"}, view{Name: "2班"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || count() != 0 {
		t.Fatalf("rolled back change left %d audit rows", count())
	}
	if err := core.Tx(ctx, func(tx *service.Tx) error {
		_, err := evidence.Updated(tx, a, "s1", evidence.Class, "c1", view{Name: "1班"}, view{Name: "2班"})
		return err
	}); err != nil || count() != 1 {
		t.Fatalf("change: %v, %d rows", err, count())
	}
	var row model.AuditLog
	db.Scopes(model.InSchool("s1")).Take(&row)
	if row.Action != "update" || row.Entity != "class" || row.ActorID != "staff-1" ||
		row.Changes != `{"name":{"from":"1班","to":"2班"}}` {
		t.Fatalf("audit row %+v", row)
	}
}

func TestEditWindow(t *testing.T) {
	created := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	author := &service.Actor{StaffID: "a1"}
	if err := evidence.CheckEdit(author, "a1", created, created.Add(23*time.Hour), "记录"); err != nil {
		t.Fatalf("within the window: %v", err)
	}
	if err := evidence.CheckEdit(author, "a1", created, created.Add(24*time.Hour+time.Second), "记录"); !errors.Is(err, service.ErrConflict) {
		t.Fatalf("after the window: %v", err)
	}
	if err := evidence.CheckEdit(&service.Actor{StaffID: "a2"}, "a1", created, created, "记录"); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("another person: %v", err)
	}
	if !evidence.EditableUntil(created).Equal(created.Add(24 * time.Hour)) {
		t.Fatal("EditableUntil")
	}
}
