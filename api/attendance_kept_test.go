package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"schoolcheck/api/apitest"
	"schoolcheck/model"
	"schoolcheck/service/school"
)

// A punch reads its school from what the instance keeps (school.Days) while the school's revision stands:
// every write to what a punch reads must move it on, on this instance and on another one over the same
// database, and what bypassed the revision is read again after school.MaxAge. Each row warms the kept day
// with a punch, writes, and punches again: without the write's revision bump the second punch would see the
// school as it was.
func TestPunchSeesEveryWriteToItsSchool(t *testing.T) {
	e, _ := attendanceEnv(t)
	farFence := []school.Fence{{Name: "新校区", Lat: fenceLat + 0.05, Lng: fenceLng, RadiusM: 200}}
	moveFence := func(w *apitest.Env, sc *apitest.School) {
		st := sc.Settings()
		st.Attendance.Fences = farFence
		w.Put("school/settings", sc.Principal.Token, st).Want(http.StatusOK)
	}
	rows := []struct {
		name  string
		warm  string // the first punch's kind, answered 201
		write func(w *apitest.Env, sc *apitest.School)
		// then punches "out" and wants this error code ("" for 201)
		want string
		// where the write is made: this instance, or another over the same database
		other bool
	}{
		{name: "calendar day set to a rest day", warm: "in", want: "not_a_workday",
			write: func(w *apitest.Env, sc *apitest.School) {
				w.Put("calendar/2026-11-25", sc.Principal.Token, map[string]any{"workday": false, "note": "校庆"}).Want(http.StatusOK)
			}},
		{name: "calendar day cleared", warm: "", want: "",
			write: func(w *apitest.Env, sc *apitest.School) {
				w.Delete("calendar/2026-11-25", sc.Principal.Token).Want(http.StatusNoContent)
			}},
		{name: "fence moved in the settings", warm: "in", want: "out_of_range", write: moveFence},
		{name: "fence moved on another instance", warm: "in", want: "out_of_range", write: moveFence, other: true},
		{name: "calendar day set on another instance", warm: "in", want: "not_a_workday", other: true,
			write: func(w *apitest.Env, sc *apitest.School) {
				w.Put("calendar/2026-11-25", sc.Principal.Token, map[string]any{"workday": false}).Want(http.StatusOK)
			}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			e := e.For(t)
			sc := attendanceSchool(e)
			u := sc.Teacher("李老师")
			clockAt(e, "2026-11-25", "07:45", u, sc.Principal)
			if row.warm != "" {
				punchIn(e, u, row.warm).Want(http.StatusCreated)
			} else {
				// Warm on a rest day: the refusal is kept too.
				e.Put("calendar/2026-11-25", sc.Principal.Token, map[string]any{"workday": false}).Want(http.StatusOK)
				punchIn(e, u, "in").WantError(http.StatusUnprocessableEntity, "not_a_workday")
			}
			w := e
			if row.other {
				w = e.Another()
			}
			row.write(w, sc)
			r := punchIn(e, u, "out")
			if row.want == "" {
				r.Want(http.StatusCreated)
			} else {
				r.WantError(http.StatusUnprocessableEntity, row.want)
			}
		})
	}

	t.Run("a write that bypassed the revision, after MaxAge", func(t *testing.T) {
		e := e.For(t)
		sc := attendanceSchool(e)
		u := sc.Teacher("王老师")
		clockAt(e, "2026-11-25", "07:45", u)
		punchIn(e, u, "in").Want(http.StatusCreated)
		// An operator's SQL: the settings change, the revision does not.
		st := sc.Settings()
		st.Attendance.Fences = farFence
		raw := mustJSON(t, st)
		if err := model.CrossSchool(e.DB).Model(&model.School{}).Where("id = ?", sc.ID).Update("settings", string(raw)).Error; err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(school.MaxAge)
		punchIn(e, u, "out").WantError(http.StatusUnprocessableEntity, "out_of_range")
	})
}

// The revision moves on with each write to the school and its calendar, in the write's transaction, and a
// write refused halfway leaves it where it was.
func TestSchoolRevisionMovesWithItsWrites(t *testing.T) {
	e, sc := attendanceEnv(t)
	rev := func() int64 {
		var r int64
		if err := model.CrossSchool(e.DB).Model(&model.School{}).Where("id = ?", sc.ID).Pluck("revision", &r).Error; err != nil {
			t.Fatal(err)
		}
		return r
	}
	clockAt(e, "2026-11-25", "07:45", sc.Principal)
	r0 := rev()
	e.Put("calendar/2026-11-26", sc.Principal.Token, map[string]any{"workday": false}).Want(http.StatusOK)
	r1 := rev()
	e.Delete("calendar/2026-11-26", sc.Principal.Token).Want(http.StatusNoContent)
	r2 := rev()
	st := sc.Settings()
	e.Put("school/settings", sc.Principal.Token, st).Want(http.StatusOK)
	r3 := rev()
	if r0 >= r1 || r1 >= r2 || r2 >= r3 {
		t.Fatalf("revisions %d %d %d %d: each write should move it on", r0, r1, r2, r3)
	}
	// Refused: nothing written, the revision stays.
	e.Put("calendar/2026-11-26", sc.Principal.Token, map[string]any{"workday": true, "window": map[string]string{"in": "9", "out": "8"}}).
		WantError(http.StatusBadRequest, "invalid_argument")
	e.Delete("calendar/2026-11-27", sc.Principal.Token).WantError(http.StatusNotFound, "not_found")
	if r := rev(); r != r3 {
		t.Fatalf("refused writes moved the revision %d → %d", r3, r)
	}
	// What the actor query reads is the same number.
	if a := e.Actor(sc.Principal); a.SchoolRevision != r3 {
		t.Fatalf("actor reads revision %d, the row has %d", a.SchoolRevision, r3)
	}
}

// A school's staff signing out at once: each first "out" is an upsert into the same unique index, among
// which InnoDB picks deadlock victims (neighbouring keys' gap locks). A victim is retried, so every one of
// them is a 201, none the 503 "busy" it used to be (BenchmarkPunch/parallel-out on MariaDB found it).
func TestConcurrentSignOutsOfOneSchool(t *testing.T) {
	e, sc := attendanceEnv(t)
	const staff, clients = 60, 8
	users := make([]*apitest.User, staff)
	for i := range users {
		users[i] = sc.Teacher(fmt.Sprintf("教师%02d", i))
	}
	// Three days; each the first sign-outs, then a second round that replaces them (a later "out" wins).
	for _, date := range []string{"2026-11-23", "2026-11-24", "2026-11-25"} {
		clockAt(e, date, "17:31", users...)
		for round := range 2 {
			var next atomic.Int64
			codes := make(chan int, staff)
			var wg sync.WaitGroup
			for range clients {
				wg.Go(func() {
					for i := next.Add(1) - 1; i < staff; i = next.Add(1) - 1 {
						codes <- punchIn(e, users[i], "out").Code
					}
				})
			}
			wg.Wait()
			close(codes)
			for c := range codes {
				if c != http.StatusCreated {
					t.Fatalf("%s, round %d: a sign-out answered %d", date, round+1, c)
				}
			}
		}
	}
}
