package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/model/modeltest"
	"schoolcheck/service"
	"schoolcheck/service/jobs"
	"schoolcheck/service/school"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func at(date, hhmm string) time.Time { return service.At(date, hhmm, service.Beijing()) }

// runs counts the runs of each slot.
type runs struct {
	mu sync.Mutex
	n  map[string]int
}

func (r *runs) add(key string) { r.mu.Lock(); r.n[key]++; r.mu.Unlock() }
func (r *runs) get(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[key]
}

// A school whose every weekday has a window, created at core's time.
func newSchool(t *testing.T, db *gorm.DB, clk *clock) string {
	t.Helper()
	uniq := model.NewID() // time-ordered: its tail is what differs between two ids of one millisecond
	uniq = uniq[len(uniq)-8:]
	id, err := school.New(service.NewCore(db, nil, clk.Now)).Bootstrap(context.Background(), school.BootstrapInput{
		Region: "排程区" + uniq, School: "排程学校" + uniq, PrincipalName: "校长", PrincipalPhone: "13900000001"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// passAll runs one pass of each scheduler at the same moment, as instances on one database do.
func passAll(t *testing.T, ss ...*jobs.Scheduler) {
	t.Helper()
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Pass(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// reminder is a per-school job due at 13:30 local on school days until the end of the afternoon.
func reminder(r *runs, fail *bool) jobs.Job {
	return jobs.Job{Name: "test.reminder", Occasions: func(si *school.Info, day school.DayPlan) []jobs.Occasion {
		if !day.Workday {
			return nil
		}
		return []jobs.Occasion{{Key: "lunch", At: service.At(day.Date, "13:30", si.Loc), Until: service.At(day.Date, "17:00", si.Loc)}}
	}, Run: func(_ context.Context, s jobs.Slot) error {
		if fail != nil && *fail {
			return errors.New("boom")
		}
		r.add(s.School.School.ID + " " + s.Key)
		return nil
	}}
}

// Two instances passing at the same moment run a slot once; a restart (a new scheduler) never runs a
// finished slot again; a slot before its time, or over, is not run.
func TestSlotsRunOnceAcrossInstances(t *testing.T) {
	db := modeltest.DB(t)
	clk := &clock{t: at("2026-11-25", "08:00")}
	sid := newSchool(t, db, clk)
	r := &runs{n: map[string]int{}}
	sweep := jobs.Job{Name: "test.sweep", Every: 5 * time.Minute, Run: func(_ context.Context, s jobs.Slot) error {
		r.add("sweep " + s.Key)
		return nil
	}}
	core := service.NewCore(db, nil, clk.Now)
	a, b := jobs.New(core, sweep, reminder(r, nil)), jobs.New(core, sweep, reminder(r, nil))
	pass := func(ss ...*jobs.Scheduler) { passAll(t, ss...) }
	pass(a, b)
	if r.get(sid+" 2026-11-25 lunch") != 0 || r.get("sweep 2026-11-25T00:00:00Z") != 1 {
		t.Fatalf("before 13:30: %v", r.n)
	}
	clk.Set(at("2026-11-25", "13:31"))
	pass(a, b)
	pass(a, b)
	pass(jobs.New(core, sweep, reminder(r, nil))) // a restarted instance
	if n := r.get(sid + " 2026-11-25 lunch"); n != 1 {
		t.Fatalf("the 13:30 slot ran %d times", n)
	}
	if n := r.get("sweep 2026-11-25T05:30:00Z"); n != 1 {
		t.Fatalf("the 13:30 sweep ran %d times: %v", n, r.n)
	}
	// Saturday is a rest day of the default settings: nothing is due.
	clk.Set(at("2026-11-28", "14:00"))
	pass(a)
	if n := r.get(sid + " 2026-11-28 lunch"); n != 0 {
		t.Fatal("ran on a rest day")
	}
}

// After downtime an occasion that is over is dropped, not run late; one still open runs.
func TestCatchUpSkipsOccasionsThatAreOver(t *testing.T) {
	db := modeltest.DB(t)
	clk := &clock{t: at("2026-11-23", "08:00")}
	sid := newSchool(t, db, clk)
	r := &runs{n: map[string]int{}}
	s := jobs.New(service.NewCore(db, nil, clk.Now), reminder(r, nil))
	// The server was down from Monday morning until Tuesday 18:00, then until Wednesday 16:00.
	clk.Set(at("2026-11-24", "18:00"))
	st, err := s.Pass(context.Background())
	if err != nil || st.Ran != 0 || r.get(sid+" 2026-11-23 lunch")+r.get(sid+" 2026-11-24 lunch") != 0 {
		t.Fatalf("ran late: %+v %v %v", st, r.n, err)
	}
	clk.Set(at("2026-11-25", "16:00"))
	if _, err := s.Pass(context.Background()); err != nil || r.get(sid+" 2026-11-25 lunch") != 1 {
		t.Fatalf("still due but not run: %v %v", r.n, err)
	}
}

// A slot whose run failed is released and tried again by a later pass while it is due; a holder that died
// leaves a lease another instance takes over once it expires.
func TestFailedAndAbandonedSlots(t *testing.T) {
	db := modeltest.DB(t)
	clk := &clock{t: at("2026-11-25", "13:40")}
	sid := newSchool(t, db, clk)
	r := &runs{n: map[string]int{}}
	fail := true
	core := service.NewCore(db, nil, clk.Now)
	s := jobs.New(core, reminder(r, &fail))
	if _, err := s.Pass(context.Background()); err == nil {
		t.Fatal("a failed run reported no error")
	}
	fail = false
	if _, err := s.Pass(context.Background()); err != nil || r.get(sid+" 2026-11-25 lunch") != 1 {
		t.Fatalf("not retried: %v %v", r.n, err)
	}
	// An instance took Thursday's slot and died before finishing.
	clk.Set(at("2026-11-26", "13:35"))
	dead := model.JobRun{Job: "test.reminder", SchoolID: sid, Slot: "2026-11-26 lunch", Holder: "dead",
		StartedAt: clk.Now(), ExpiresAt: clk.Now().Add(10 * time.Minute), Runs: 1} // Beijing time: stored as UTC
	if err := db.Create(&dead).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pass(context.Background()); err != nil || r.get(sid+" 2026-11-26 lunch") != 0 {
		t.Fatal("took a lease that had not expired")
	}
	clk.Set(at("2026-11-26", "13:50"))
	if _, err := s.Pass(context.Background()); err != nil || r.get(sid+" 2026-11-26 lunch") != 1 {
		t.Fatalf("the expired lease was not taken over: %v %v", r.n, err)
	}
	var row model.JobRun
	db.Where("job = ? AND school_id = ? AND slot = ?", "test.reminder", sid, "2026-11-26 lunch").Take(&row)
	if row.DoneAt == nil || row.Runs != 2 || row.Holder == "dead" {
		t.Fatalf("lease row %+v", row)
	}
}

// A holiday of the calendar sends nothing; a 调休 Saturday does: the scheduler hands each school its day plan.
func TestPerSchoolJobsFollowTheCalendar(t *testing.T) {
	db := modeltest.DB(t)
	clk := &clock{t: at("2026-11-20", "08:00")}
	sid := newSchool(t, db, clk)
	meals := `["lunch"]`
	for _, d := range []model.CalendarDay{{SchoolID: sid, Date: "2026-11-27", Workday: false, Note: "校庆"},
		{SchoolID: sid, Date: "2026-11-28", Workday: true, Note: "调休", Meals: &meals}} {
		if err := db.Create(&d).Error; err != nil {
			t.Fatal(err)
		}
	}
	r := &runs{n: map[string]int{}}
	s := jobs.New(service.NewCore(db, nil, clk.Now), reminder(r, nil))
	for _, d := range []string{"2026-11-27", "2026-11-28"} {
		clk.Set(at(d, "14:00"))
		if _, err := s.Pass(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if r.get(sid+" 2026-11-27 lunch") != 0 || r.get(sid+" 2026-11-28 lunch") != 1 {
		t.Fatalf("calendar not followed: %v", r.n)
	}
}

// batch is the reminder of reminder() run with RunAll: it records every call and the schools it got.
func batch(r *runs, calls *[][]string, mu *sync.Mutex, fail *bool) jobs.Job {
	j := reminder(r, nil)
	j.Name, j.Run = "test.batch", nil
	j.RunAll = func(_ context.Context, slots []jobs.Slot) error {
		if fail != nil && *fail {
			return errors.New("boom")
		}
		ids := make([]string, len(slots))
		for i, s := range slots {
			ids[i] = s.School.School.ID
			if s.Key != slots[0].Key || s.Day.Date != slots[0].Day.Date {
				return errors.New("one call mixes keys")
			}
			r.add(s.School.School.ID + " " + s.Key)
		}
		mu.Lock()
		*calls = append(*calls, ids)
		mu.Unlock()
		return nil
	}
	return j
}

// A job with RunAll gets every school due under one key in one call; two instances passing at once run each
// school's slot once between them; a failed call releases its slots for a later pass; a lease a dead holder
// left is taken over once it expires.
func TestRunAllTakesTheSchoolsDueTogether(t *testing.T) {
	db := modeltest.DB(t)
	clk := &clock{t: at("2026-11-25", "08:00")}
	ids := []string{newSchool(t, db, clk), newSchool(t, db, clk), newSchool(t, db, clk)}
	r := &runs{n: map[string]int{}}
	var calls [][]string
	var mu sync.Mutex
	fail := false
	core := service.NewCore(db, nil, clk.Now)
	a, b := jobs.New(core, batch(r, &calls, &mu, &fail)), jobs.New(core, batch(r, &calls, &mu, &fail))
	clk.Set(at("2026-11-25", "13:31"))
	passAll(t, a, b)
	for _, id := range ids {
		if n := r.get(id + " 2026-11-25 lunch"); n != 1 {
			t.Fatalf("school %s ran %d times", id, n)
		}
	}
	// Every school of the package database that was due came in the calls; ours came in at most two calls.
	seen := 0
	for _, c := range calls {
		for _, id := range c {
			for _, mine := range ids {
				if id == mine {
					seen++
				}
			}
		}
	}
	if seen != 3 || len(calls) > 2 {
		t.Fatalf("calls %v", calls)
	}
	if _, err := a.Pass(context.Background()); err != nil || r.get(ids[0]+" 2026-11-25 lunch") != 1 {
		t.Fatal("a finished slot ran again")
	}
	// Thursday: the first call fails; its slots are released and the next pass runs them.
	clk.Set(at("2026-11-26", "13:31"))
	fail = true
	if _, err := a.Pass(context.Background()); err == nil {
		t.Fatal("a failed RunAll reported no error")
	}
	fail = false
	dead := model.JobRun{Job: "test.batch", SchoolID: ids[2], Slot: "2026-11-26 lunch", Holder: "dead",
		StartedAt: clk.Now(), ExpiresAt: clk.Now().Add(10 * time.Minute), Runs: 1}
	if err := db.Create(&dead).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.get(ids[0]+" 2026-11-26 lunch") != 1 || r.get(ids[2]+" 2026-11-26 lunch") != 0 {
		t.Fatalf("after the retry: %v", r.n)
	}
	clk.Set(at("2026-11-26", "13:45"))
	if _, err := b.Pass(context.Background()); err != nil || r.get(ids[2]+" 2026-11-26 lunch") != 1 {
		t.Fatalf("the expired lease was not taken over: %v %v", r.n, err)
	}
	var row model.JobRun
	db.Where("job = ? AND school_id = ? AND slot = ?", "test.batch", ids[2], "2026-11-26 lunch").Take(&row)
	if row.DoneAt == nil || row.Runs != 2 {
		t.Fatalf("lease row %+v", row)
	}
}

// A pass sees a school's settings as they are now: the decoded document an earlier pass kept is used only
// while the stored one is unchanged.
func TestPassSeesChangedSettings(t *testing.T) {
	db := modeltest.DB(t)
	clk := &clock{t: at("2026-11-25", "08:00")}
	sid := newSchool(t, db, clk)
	r := &runs{n: map[string]int{}}
	j := reminder(r, nil)
	occasions := j.Occasions
	j.Occasions = func(si *school.Info, day school.DayPlan) []jobs.Occasion {
		if !si.Settings.Reminders.Signout.Enabled {
			return nil
		}
		return occasions(si, day)
	}
	s := jobs.New(service.NewCore(db, nil, clk.Now), j)
	if _, err := s.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	si, err := school.Load(db, sid)
	if err != nil {
		t.Fatal(err)
	}
	si.Settings.Reminders.Signout.Enabled = false
	raw, _ := json.Marshal(si.Settings)
	if err := db.Model(&model.School{}).Where("id = ?", sid).Update("settings", string(raw)).Error; err != nil {
		t.Fatal(err)
	}
	clk.Set(at("2026-11-25", "13:31"))
	if _, err := s.Pass(context.Background()); err != nil || r.get(sid+" 2026-11-25 lunch") != 0 {
		t.Fatalf("ran with the settings of an earlier pass: %v %v", r.n, err)
	}
}
