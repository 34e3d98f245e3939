package api_test

import (
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"schoolcheck/api/apitest"
	"schoolcheck/model"
)

// After downtime the occasions that are over are dropped, not sent late: no meal reminder for yesterday,
// nothing for a weekend the server slept through, only today's collection that is still due; and a message
// queued while WeChat was down that is still unsent when its day ends expires instead of going out the next
// day.
func TestRemindersAfterDowntime(t *testing.T) {
	e, e2 := remindEnv(t)
	e.Clock.Set(apitest.At("2026-11-25", "08:00"))
	sc := e.School()
	leader, head := sc.Leader("值班领导"), sc.Teacher("班主任")
	class := sc.Class(head)
	consent(e, leader, "meal_reminder", 5)
	consent(e, sc.Principal, "meal_reminder", 5)
	consent(e, head, "phone_reminder", 5)
	e.Put("classes/"+class.ID+"/phones-registered", head.Token, map[string]any{"count": 40}).Want(http.StatusOK)
	e.Put("meals/duty", sc.Principal.Token, map[string]any{"date": "2026-11-25", "meal": "lunch", "leader_id": leader.ID}).
		Want(http.StatusOK)
	e.Post("phone-checks", head.Token, checkReq(class.ID, "2026-11-25", "collect", 40, 40)).Want(http.StatusCreated)
	const meal, phone = "TPL_MEAL_REMINDER", "TPL_PHONE"

	// Down from Wednesday noon to Thursday 09:00: Wednesday's lunch is over; Thursday's collection is due.
	e.Clock.Set(apitest.At("2026-11-25", "12:00"))
	pass(t, e, e2)
	e.Clock.Set(apitest.At("2026-11-26", "09:00"))
	pass(t, e, e2)
	none(t, e, meal, leader, sc.Principal)
	m := onlyOnce(t, e, head, phone)
	if m.Data["date2"] != "2026年11月26日" {
		t.Fatalf("collection reminder %+v", m)
	}
	// Down from Friday 08:00 to Monday 09:00: Friday and the weekend are gone; Monday's collection only.
	e.Clock.Set(apitest.At("2026-11-27", "08:00"))
	pass(t, e, e2)
	e.Clock.Set(apitest.At("2026-11-30", "09:00"))
	pass(t, e, e2)
	if got := sentTo(e, head, phone); len(got) != 2 || got[1].Data["date2"] != "2026年11月30日" {
		t.Fatalf("after the weekend %+v", got)
	}
	none(t, e, meal, leader, sc.Principal)
	// Monday lunch is queued while WeChat is down, and WeChat stays down until Tuesday: dropped at the end of
	// Monday, the consents kept.
	e.WX.SetDown(true)
	e.Clock.Set(apitest.At("2026-11-30", "13:31"))
	pass(t, e, e2)
	e.Clock.Set(apitest.At("2026-11-30", "23:59"))
	pass(t, e, e2)
	e.WX.SetDown(false)
	e.Clock.Set(apitest.At("2026-12-01", "08:00"))
	pass(t, e, e2)
	none(t, e, meal, leader, sc.Principal)
	if got := outbox(t, e, "meal_unrecorded", sc.ID); got["expired"] != 2 || len(got) != 1 {
		t.Fatalf("outbox %v", got)
	}
	if n, _ := consentsLeft(t, e, leader, "meal_reminder"); n != 5 {
		t.Fatalf("%d consents left, want 5", n)
	}
}

// An instance that dies in the middle of a run — its messages queued, its slot not finished — leaves a
// lease another instance takes over once it expires; the second run queues nothing twice and nobody is
// told twice, though some messages were sent in between.
func TestReminderRunInterruptedResumes(t *testing.T) {
	e, e2 := remindEnv(t)
	sc := e.School()
	leaders := []*apitest.User{sc.Principal, sc.Leader("一号领导"), sc.Leader("二号领导")}
	for _, u := range leaders {
		consent(e, u, "meal_reminder", 3)
	}
	var crash atomic.Bool
	died := errors.New("the instance died")
	if err := e.DB.Callback().Update().Before("gorm:update").Register("test:die_before_done", func(tx *gorm.DB) {
		if m, ok := tx.Statement.Dest.(map[string]any); ok && crash.Load() && tx.Statement.Table == "job_runs" {
			if _, finishing := m["done_at"]; finishing {
				_ = tx.AddError(died)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(apitest.At("2026-11-25", "13:31"))
	crash.Store(true)
	if err := e.RunJobs(); !errors.Is(err, died) {
		t.Fatalf("the interrupted pass: %v", err)
	}
	crash.Store(false)
	// The survivor sends what the dead instance queued; it cannot take the slot while the lease holds.
	e.Clock.Set(apitest.At("2026-11-25", "13:35"))
	pass(t, e2)
	for _, u := range leaders {
		onlyOnce(t, e, u, "TPL_MEAL_REMINDER")
	}
	var lease model.JobRun
	if err := e.DB.Where("job = ? AND school_id = ?", "meals.meal_unrecorded", sc.ID).Take(&lease).Error; err != nil ||
		lease.DoneAt != nil {
		t.Fatalf("lease %+v %v", lease, err)
	}
	// Once the lease expires the survivor runs the slot again: nothing new is queued or sent.
	e.Clock.Set(apitest.At("2026-11-25", "13:42"))
	pass(t, e2)
	pass(t, e2.Another())
	for _, u := range leaders {
		onlyOnce(t, e, u, "TPL_MEAL_REMINDER")
		if n, _ := consentsLeft(t, e, u, "meal_reminder"); n != 2 {
			t.Fatalf("%s has %d consents left, want 2", u.Name, n)
		}
	}
	if err := e.DB.Where("job = ? AND school_id = ?", "meals.meal_unrecorded", sc.ID).Take(&lease).Error; err != nil ||
		lease.DoneAt == nil || lease.Runs != 2 {
		t.Fatalf("lease after the takeover %+v %v", lease, err)
	}
	if got := outbox(t, e, "meal_unrecorded", sc.ID); got["sent"] != 3 || len(got) != 1 {
		t.Fatalf("outbox %v", got)
	}
}
