package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"schoolcheck/api/apitest"
	"schoolcheck/model"
	"schoolcheck/service/school"
)

// The office fence of the attendance tests: 行政楼, 200 m around this point.
const fenceLat, fenceLng = 28.6829, 115.8579

// attendanceEnv is an environment whose school signs in at 行政楼 on weekdays 07:50–17:30 with 5 minutes'
// grace for lateness and none for leaving.
func attendanceEnv(t *testing.T) (*apitest.Env, *apitest.School) {
	e := apitest.New(t)
	return e, attendanceSchool(e)
}

// attendanceSchool is a new school in e set up as attendanceEnv's.
func attendanceSchool(e *apitest.Env) *apitest.School {
	sc := e.School()
	st := sc.Settings()
	st.Attendance.Methods = []string{"location", "qr"}
	st.Attendance.Fences = []school.Fence{{Name: "行政楼", Lat: fenceLat, Lng: fenceLng, RadiusM: 200}}
	st.Attendance.MaxAccuracyM = 100
	st.Attendance.LateGraceMin, st.Attendance.EarlyGraceMin = 5, 0
	st.Attendance.Windows = map[string]school.Window{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		st.Attendance.Windows[d] = school.Window{In: "07:50", Out: "17:30"}
	}
	sc.SetSettings(st)
	return sc
}

// clockAt moves the clock to a Shanghai wall-clock time ("HH:MM" or "HH:MM:SS") and logs the users in
// again, since their tokens live two hours.
func clockAt(e *apitest.Env, date, hms string, users ...*apitest.User) {
	e.T.Helper()
	if len(hms) == len("15:04") {
		hms += ":00"
	}
	t, err := time.ParseInLocation("2006-01-02 15:04:05", date+" "+hms, apitest.Shanghai)
	if err != nil {
		e.T.Fatal(err)
	}
	e.Clock.Set(t)
	for _, u := range users {
		u.Token = e.Relogin(u)
	}
}

// punchIn is a punch inside the fence with good accuracy.
func punchIn(e *apitest.Env, u *apitest.User, kind string) *apitest.Response {
	return e.Post("attendance/punches", u.Token, map[string]any{"kind": kind, "lat": fenceLat, "lng": fenceLng, "accuracy_m": 20})
}

func TestPunchStatusAtTheEdges(t *testing.T) {
	e, sc := attendanceEnv(t)
	early, edge, after := sc.Teacher("早到"), sc.Teacher("踩点"), sc.Teacher("迟一秒")

	clockAt(e, "2026-11-25", "07:54", early)
	p := punchIn(e, early, "in").Want(http.StatusCreated).Map()
	if p["status"] != "on_time" || p["at"] != "2026-11-25T07:54:00+08:00" || p["date"] != "2026-11-25" ||
		p["method"] != "location" || p["fence"] != "行政楼" || p["distance_m"] != 0.0 || p["kind"] != "in" || p["id"] == "" {
		t.Fatalf("punch at 07:54: %v", p)
	}
	clockAt(e, "2026-11-25", "07:55:00", edge) // window 07:50 + 5 minutes' grace: still on time
	if got := punchIn(e, edge, "in").Want(http.StatusCreated).Str("status"); got != "on_time" {
		t.Fatalf("at the grace edge: %s", got)
	}
	clockAt(e, "2026-11-25", "07:55:01", after)
	if got := punchIn(e, after, "in").Want(http.StatusCreated).Str("status"); got != "late" {
		t.Fatalf("one second after the grace: %s", got)
	}
	// Leaving: one second before 17:30 is early, 17:30 itself is normal.
	clockAt(e, "2026-11-25", "17:29:59", early, edge)
	if got := punchIn(e, early, "out").Want(http.StatusCreated).Str("status"); got != "early_leave" {
		t.Fatalf("out at 17:29:59: %s", got)
	}
	clockAt(e, "2026-11-25", "17:30:00", edge)
	if got := punchIn(e, edge, "out").Want(http.StatusCreated).Str("status"); got != "normal" {
		t.Fatalf("out at 17:30: %s", got)
	}
}

func TestPunchKeepsFirstInAndLastOut(t *testing.T) {
	e, sc := attendanceEnv(t)
	u := sc.Teacher("王老师")
	clockAt(e, "2026-11-25", "07:40", u)
	first := punchIn(e, u, "in").Want(http.StatusCreated).Map()
	clockAt(e, "2026-11-25", "08:30", u)
	again := punchIn(e, u, "in").Want(http.StatusOK).Map() // kept: the same first punch, not a new one
	if again["id"] != first["id"] || again["at"] != "2026-11-25T07:40:00+08:00" || again["status"] != "on_time" {
		t.Fatalf("second in: %v, first %v", again, first)
	}
	clockAt(e, "2026-11-25", "16:00", u)
	out1 := punchIn(e, u, "out").Want(http.StatusCreated).Map()
	if out1["status"] != "early_leave" {
		t.Fatalf("out at 16:00: %v", out1)
	}
	clockAt(e, "2026-11-25", "17:45", u)
	out2 := punchIn(e, u, "out").Want(http.StatusCreated).Map()
	if out2["status"] != "normal" || out2["id"] == out1["id"] {
		t.Fatalf("later out: %v", out2)
	}
	if n := e.Count("attendance_punches", sc.ID); n != 2 {
		t.Fatalf("%d punch rows, want one in and one out", n)
	}
	days := e.Get("attendance/days?month=2026-11", u.Token).Want(http.StatusOK).Items()
	d := dayOf(t, days, "2026-11-25")
	in, out := d["in"].(map[string]any), d["out"].(map[string]any)
	if in["at"] != "2026-11-25T07:40:00+08:00" || out["at"] != "2026-11-25T17:45:00+08:00" || d["status"] != "normal" {
		t.Fatalf("day kept %v", d)
	}
}

func dayOf(t *testing.T, days []map[string]any, date string) map[string]any {
	t.Helper()
	for _, d := range days {
		if d["date"] == date {
			return d
		}
	}
	t.Fatalf("no day %s in %v", date, days)
	return nil
}

func TestPunchRefusals(t *testing.T) {
	e, sc := attendanceEnv(t)
	u := sc.Teacher("李老师")
	clockAt(e, "2026-11-25", "07:45", u, sc.Principal)
	post := func(body map[string]any) *apitest.Response { return e.Post("attendance/punches", u.Token, body) }

	// 0.01° of latitude north is about 1112 m from the centre.
	r := post(map[string]any{"kind": "in", "lat": fenceLat + 0.01, "lng": fenceLng, "accuracy_m": 20}).
		WantError(http.StatusUnprocessableEntity, "out_of_range")
	if d := r.ErrorFields()["distance_m"]; d != "1112" {
		t.Fatalf("distance_m %q, want 1112: %s", d, r.Body)
	}
	// Just inside the radius (0.0017° ≈ 189 m) is in range, with the distance kept.
	post(map[string]any{"kind": "out", "lat": fenceLat + 0.0017, "lng": fenceLng, "accuracy_m": 20}).Want(http.StatusCreated)
	post(map[string]any{"kind": "in", "lat": fenceLat, "lng": fenceLng, "accuracy_m": 150}).
		WantError(http.StatusUnprocessableEntity, "poor_accuracy")
	post(map[string]any{"kind": "in", "lng": fenceLng, "accuracy_m": 10}).WantError(http.StatusBadRequest, "invalid_argument")
	post(map[string]any{"kind": "sideways", "lat": fenceLat, "lng": fenceLng, "accuracy_m": 10}).
		WantError(http.StatusBadRequest, "invalid_argument")
	post(map[string]any{"kind": "in", "lat": "north", "lng": fenceLng, "accuracy_m": 10}).
		WantError(http.StatusBadRequest, "invalid_argument")
	if n := e.Count("attendance_punches", sc.ID); n != 1 {
		t.Fatalf("refused punches wrote rows: %d", n)
	}

	// Saturday is a rest day; a holiday too; a 调休 Saturday is a workday with Monday's window.
	clockAt(e, "2026-11-28", "07:45", u, sc.Principal)
	punchIn(e, u, "in").WantError(http.StatusUnprocessableEntity, "not_a_workday")
	e.Put("calendar/2026-11-26", sc.Principal.Token, map[string]any{"workday": false, "note": "校庆"}).Want(http.StatusOK)
	clockAt(e, "2026-11-26", "07:45", u, sc.Principal)
	punchIn(e, u, "in").WantError(http.StatusUnprocessableEntity, "not_a_workday")
	e.Put("calendar/2026-11-28", sc.Principal.Token, map[string]any{"workday": true, "note": "调休"}).Want(http.StatusOK)
	clockAt(e, "2026-11-28", "07:56", u, sc.Principal)
	if got := punchIn(e, u, "in").Want(http.StatusCreated).Str("status"); got != "late" {
		t.Fatalf("调休 Saturday at 07:56 (Monday's window 07:50 + 5): %s", got)
	}
	// A 调休 day with a window of its own.
	e.Put("calendar/2026-12-05", sc.Principal.Token, map[string]any{"workday": true, "note": "调休",
		"window": map[string]string{"in": "08:30", "out": "12:00"}}).Want(http.StatusOK)
	clockAt(e, "2026-12-05", "08:35", u, sc.Principal)
	if got := punchIn(e, u, "in").Want(http.StatusCreated).Str("status"); got != "on_time" {
		t.Fatalf("调休 with window 08:30, at 08:35: %s", got)
	}
	clockAt(e, "2026-12-05", "11:59", u, sc.Principal)
	if got := punchIn(e, u, "out").Want(http.StatusCreated).Str("status"); got != "early_leave" {
		t.Fatalf("调休 with window out 12:00, at 11:59: %s", got)
	}

	// Not staff: parents and inspectors.
	parent := sc.Parent(sc.Class(nil))
	punchIn(e, parent, "in").WantError(http.StatusForbidden, "forbidden")
	insp := e.Inspector(sc.Region)
	punchIn(e, insp, "in").WantError(http.StatusForbidden, "forbidden")
}

func TestPunchMethodsFollowSettings(t *testing.T) {
	e, sc := attendanceEnv(t)
	u, leader := sc.Teacher("赵老师"), sc.Leader("钱主任")
	st := sc.Settings()
	st.Attendance.Methods = []string{"qr"}
	sc.SetSettings(st)
	clockAt(e, "2026-11-25", "07:45", u, leader, sc.Principal)
	punchIn(e, u, "in").WantError(http.StatusUnprocessableEntity, "invalid_qr") // QR only: a location is not enough
	tok := e.Get("attendance/qr", leader.Token).Want(http.StatusOK).Str("token")
	e.Post("attendance/punches", u.Token, map[string]any{"kind": "in", "qr_token": tok}).Want(http.StatusCreated)

	st.Attendance.Methods = []string{"location"}
	sc.SetSettings(st)
	// Location only: a QR token is ignored and the location decides.
	r := e.Post("attendance/punches", u.Token, map[string]any{"kind": "out", "qr_token": tok, "lat": fenceLat, "lng": fenceLng,
		"accuracy_m": 5}).Want(http.StatusCreated).Map()
	if r["method"] != "location" {
		t.Fatalf("location-only school: %v", r)
	}
	e.Post("attendance/punches", u.Token, map[string]any{"kind": "out", "qr_token": tok}).
		WantError(http.StatusBadRequest, "invalid_argument")
}

func TestPunchStoresNoCoordinates(t *testing.T) {
	e, sc := attendanceEnv(t)
	u := sc.Teacher("孙老师")
	clockAt(e, "2026-11-25", "07:45", u)
	e.Post("attendance/punches", u.Token, map[string]any{"kind": "in", "lat": fenceLat + 0.001, "lng": fenceLng,
		"accuracy_m": 35.5}).Want(http.StatusCreated)
	cols, err := model.CrossSchool(e.DB).Migrator().ColumnTypes("attendance_punches")
	if err != nil || len(cols) == 0 {
		t.Fatalf("columns: %v", err)
	}
	for _, c := range cols {
		name := strings.ToLower(c.Name())
		if strings.Contains(name, "lat") || strings.Contains(name, "lng") || strings.Contains(name, "lon") ||
			strings.Contains(name, "coord") || strings.Contains(name, "position") {
			t.Errorf("attendance_punches has a coordinate column %q", c.Name())
		}
	}
	var row struct {
		Fence     string
		DistanceM int
		AccuracyM float64
	}
	if err := e.DB.Table("attendance_punches").Where("school_id = ?", sc.ID).Take(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.Fence != "行政楼" || row.DistanceM != 111 || row.AccuracyM != 35.5 {
		t.Fatalf("stored %+v, want the fence, 111 m and 35.5 m", row)
	}
}
