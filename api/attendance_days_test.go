package api_test

import (
	"net/http"
	"testing"

	"schoolcheck/api/apitest"
)

// monthWorld is November 2026 of one teacher who joined on Tuesday the 3rd, seen on Monday the 30th at
// 09:00 after signing in that morning. See wantNovember for what each day must say.
type monthWorld struct {
	e              *apitest.Env
	sc             *apitest.School
	u, idle, boss  *apitest.User
	correction, lv string
}

var wantNovember = map[string]string{
	"2026-11-01": "not_joined", "2026-11-02": "not_joined", // Sunday and Monday before joining the roster
	"2026-11-03": "normal",           // in at 07:50 sharp, out 17:30
	"2026-11-04": "late",             // in 07:55:01, one second after the grace
	"2026-11-05": "early_leave",      // out 17:29
	"2026-11-06": "late_early_leave", // in 08:00, out 16:00
	"2026-11-07": "rest", "2026-11-08": "rest",
	"2026-11-09": "missing_out",                                                                    // in only
	"2026-11-10": "absent",                                                                         // nothing
	"2026-11-11": "normal",                                                                         // in, and an approved make-up sign-out
	"2026-11-12": "rest",                                                                           // holiday (运动会)
	"2026-11-13": "on_leave", "2026-11-14": "rest", "2026-11-15": "rest", "2026-11-16": "on_leave", // leave Fri–Mon
	"2026-11-17": "absent", "2026-11-18": "absent", "2026-11-19": "absent", "2026-11-20": "absent",
	"2026-11-21": "rest", "2026-11-22": "rest",
	"2026-11-23": "absent", "2026-11-24": "absent", "2026-11-25": "absent", "2026-11-26": "absent", "2026-11-27": "absent",
	"2026-11-28": "normal", // 调休 Saturday, Monday's window
	"2026-11-29": "rest",
	"2026-11-30": "normal", // today: signed in on time, the day is not over so not missing_out
}

func newMonthWorld(t *testing.T) *monthWorld {
	e, sc := attendanceEnv(t)
	w := &monthWorld{e: e, sc: sc}
	clockAt(e, "2026-11-03", "07:00", sc.Principal)
	w.u, w.idle, w.boss = sc.Teacher("黄老师"), sc.Teacher("闲老师"), sc.Leader("林主任")
	punch := func(date, hms, kind string) {
		t.Helper()
		clockAt(e, date, hms, w.u)
		punchIn(e, w.u, kind).Want(http.StatusCreated)
	}
	punch("2026-11-03", "07:50", "in")
	punch("2026-11-03", "17:30", "out")
	punch("2026-11-04", "07:55:01", "in")
	punch("2026-11-04", "17:30", "out")
	punch("2026-11-05", "07:45", "in")
	punch("2026-11-05", "17:29", "out")
	punch("2026-11-06", "08:00", "in")
	punch("2026-11-06", "16:00", "out")
	punch("2026-11-09", "07:40", "in")
	punch("2026-11-11", "07:40", "in")

	clockAt(e, "2026-11-12", "09:00", w.u, w.boss, sc.Principal)
	e.Put("calendar/2026-11-12", sc.Principal.Token, map[string]any{"workday": false, "note": "运动会"}).Want(http.StatusOK)
	w.correction = e.Post("attendance/corrections", w.u.Token, map[string]any{"date": "2026-11-11", "kind": "out",
		"reason": "忘记签退"}).Want(http.StatusCreated).Str("id")
	e.Post("attendance/requests/"+w.correction+"/decision", w.boss.Token, map[string]any{"approve": true,
		"comment": "情况属实"}).Want(http.StatusOK)
	w.lv = e.Post("attendance/leaves", w.u.Token, map[string]any{"type": "personal", "from": "2026-11-13",
		"to": "2026-11-16", "reason": "家中有事"}).Want(http.StatusCreated).Str("id")
	e.Post("attendance/requests/"+w.lv+"/decision", w.boss.Token, map[string]any{"approve": true}).Want(http.StatusOK)
	e.Put("calendar/2026-11-28", sc.Principal.Token, map[string]any{"workday": true, "note": "调休"}).Want(http.StatusOK)

	punch("2026-11-28", "07:50", "in")
	punch("2026-11-28", "17:30", "out")
	punch("2026-11-30", "07:49", "in")
	clockAt(e, "2026-11-30", "09:00", w.u, w.idle, w.boss, sc.Principal)
	return w
}

func TestAttendanceDaysOfAMonth(t *testing.T) {
	w := newMonthWorld(t)
	e := w.e
	days := e.Get("attendance/days?month=2026-11", w.u.Token).Want(http.StatusOK).Items()
	if len(days) != 30 {
		t.Fatalf("%d days in November", len(days))
	}
	for _, d := range days {
		if want := wantNovember[d["date"].(string)]; d["status"] != want {
			t.Errorf("%s: %v, want %s (%v)", d["date"], d["status"], want, d)
		}
	}
	fix := dayOf(t, days, "2026-11-11")["out"].(map[string]any)
	if fix["method"] != "correction" || fix["at"] != "2026-11-11T17:30:00+08:00" || fix["status"] != "normal" {
		t.Fatalf("approved make-up sign-out: %v", fix)
	}
	if d := dayOf(t, days, "2026-11-28"); d["workday"] != true || d["in"].(map[string]any)["status"] != "on_time" {
		t.Fatalf("调休 Saturday: %v", d)
	}
	if d := dayOf(t, days, "2026-11-12"); d["workday"] != false {
		t.Fatalf("holiday: %v", d)
	}

	// Today without a punch: upcoming until the window ends, absent after.
	idle := dayOf(t, e.Get("attendance/days?month=2026-11", w.idle.Token).Want(http.StatusOK).Items(), "2026-11-30")
	if idle["status"] != "upcoming" || idle["in"] != nil {
		t.Fatalf("idle today at 09:00: %v", idle)
	}
	clockAt(e, "2026-11-30", "17:30", w.idle)
	if d := dayOf(t, e.Get("attendance/days?month=2026-11", w.idle.Token).Want(http.StatusOK).Items(), "2026-11-30"); d["status"] != "absent" {
		t.Fatalf("idle today at 17:30: %v", d)
	}
	// December is ahead: workdays upcoming, weekends rest.
	dec := e.Get("attendance/days?month=2026-12", w.idle.Token).Want(http.StatusOK).Items()
	if dayOf(t, dec, "2026-12-01")["status"] != "upcoming" || dayOf(t, dec, "2026-12-05")["status"] != "rest" {
		t.Fatalf("December: %v", dec[:5])
	}
}

// TestApprovedLeaveAhead: an approved leave for days still to come makes them on_leave (API.md), in the
// personal view and in the month's totals; its weekend stays rest.
func TestApprovedLeaveAhead(t *testing.T) {
	w := newMonthWorld(t)
	e := w.e
	lv := e.Post("attendance/leaves", w.idle.Token, map[string]any{"type": "official", "from": "2026-12-03",
		"to": "2026-12-07", "reason": "外出培训"}).Want(http.StatusCreated).Str("id")
	e.Post("attendance/requests/"+lv+"/decision", w.boss.Token, map[string]any{"approve": true}).Want(http.StatusOK)
	dec := e.Get("attendance/days?month=2026-12", w.idle.Token).Want(http.StatusOK).Items()
	for date, want := range map[string]string{"2026-12-02": "upcoming", "2026-12-03": "on_leave", "2026-12-04": "on_leave",
		"2026-12-05": "rest", "2026-12-06": "rest", "2026-12-07": "on_leave", "2026-12-08": "upcoming"} {
		if got := dayOf(t, dec, date)["status"]; got != want {
			t.Errorf("%s: %v, want %s", date, got, want)
		}
	}
	clockAt(e, "2026-12-01", "09:00", w.boss)
	rep := e.Get("reports/attendance?month=2026-12", w.boss.Token).Want(http.StatusOK).Map()
	for _, it := range rep["items"].([]any) {
		if m := it.(map[string]any); m["staff"].(map[string]any)["id"] == w.idle.ID && m["on_leave"] != float64(3) {
			t.Fatalf("December totals of the teacher on leave: %v", m)
		}
	}
}

func TestAttendanceDaysAccess(t *testing.T) {
	e, sc := attendanceEnv(t)
	other := e.School()
	a, b, leader := sc.Teacher("甲老师"), sc.Teacher("乙老师"), sc.Leader("丙主任")
	stranger, otherLeader := other.Teacher("外校老师"), other.Leader("外校主任")
	parent := sc.Parent(sc.Class(nil))
	month := "attendance/days?month=2026-11"

	e.Get(month, a.Token).Want(http.StatusOK)
	e.Get(month+"&user_id="+a.ID, a.Token).Want(http.StatusOK)
	e.Get(month+"&user_id="+b.ID, a.Token).WantError(http.StatusForbidden, "forbidden")
	e.Get(month+"&user_id="+stranger.ID, a.Token).WantError(http.StatusNotFound, "not_found")
	if n := len(e.Get(month+"&user_id="+b.ID, leader.Token).Want(http.StatusOK).Items()); n != 30 {
		t.Fatalf("leader reading a teacher: %d days", n)
	}
	e.Get(month+"&user_id="+b.ID, sc.Principal.Token).Want(http.StatusOK)
	e.Get(month+"&user_id="+b.ID, otherLeader.Token).WantError(http.StatusNotFound, "not_found")
	e.Get(month+"&user_id=nobody", leader.Token).WantError(http.StatusNotFound, "not_found")
	e.Get(month, parent.Token).WantError(http.StatusForbidden, "forbidden")
	e.Get("attendance/days?month=2026-13", a.Token).WantError(http.StatusBadRequest, "invalid_argument")
	e.Get("attendance/days", a.Token).WantError(http.StatusBadRequest, "invalid_argument")
}
