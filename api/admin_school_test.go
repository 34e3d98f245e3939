package api_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"schoolcheck/api/apitest"
	"schoolcheck/service/school"
)

func TestSettings(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	p := sc.Principal.Token
	teacher := sc.Teacher("老师")
	st := e.Get("school/settings", teacher.Token).Want(http.StatusOK).Map()
	if st["timezone"] != "Asia/Shanghai" {
		t.Fatalf("default settings: %v", st)
	}

	valid := sc.Settings()
	valid.Attendance.Fences = []school.Fence{{Name: "行政楼", Lat: 28.6829, Lng: 115.8579, RadiusM: 200}}
	valid.Attendance.LateGraceMin = 10
	valid.Meals.Served["sat"] = []string{"breakfast"}
	valid.Observations.QuotaPerTerm["teacher"] = 12

	raw := func(mut func(m map[string]any)) map[string]any {
		b, _ := json.Marshal(valid)
		m := map[string]any{}
		_ = json.Unmarshal(b, &m)
		mut(m)
		return m
	}
	bad := []struct {
		name   string
		body   any
		fields []string
	}{
		{"unknown key", raw(func(m map[string]any) { m["colour"] = "blue" }), nil},
		{"unknown nested key", raw(func(m map[string]any) { m["meals"].(map[string]any)["snack"] = true }), nil},
		{"wrong type", raw(func(m map[string]any) { m["attendance"].(map[string]any)["late_grace_min"] = "five" }), nil},
		{"invalid values", raw(func(m map[string]any) {
			m["timezone"] = "Mars/Olympus"
			at := m["attendance"].(map[string]any)
			at["max_accuracy_m"] = 1
			at["windows"].(map[string]any)["mon"] = map[string]any{"in": "18:00", "out": "08:00"}
			at["fences"] = []any{map[string]any{"name": "", "lat": 0, "lng": 0, "radius_m": 1}}
			m["meals"].(map[string]any)["served"].(map[string]any)["mon"] = []any{"supper"}
			m["term"] = map[string]any{"start": "2026-09-01", "end": "2025-01-01"}
		}), []string{"timezone", "attendance.max_accuracy_m", "attendance.windows.mon", "attendance.fences[0]",
			"attendance.fences[0].name", "attendance.fences[0].radius_m", "meals.served.mon", "term"}},
		{"not json", "{", nil},
	}
	for _, tc := range bad {
		r := e.Put("school/settings", p, tc.body).WantError(http.StatusBadRequest, "invalid_argument")
		wantFields(t, r, tc.fields...)
	}
	if got := sc.Settings(); got.Attendance.LateGraceMin == 10 {
		t.Fatal("a refused PUT changed the settings")
	}

	e.Put("school/settings", teacher.Token, valid).WantError(http.StatusForbidden, "forbidden")
	e.Put("school/settings", sc.Leader("主任").Token, valid).WantError(http.StatusForbidden, "forbidden")
	e.Put("school/settings", p, valid).Want(http.StatusOK)
	if got := sc.Settings(); !reflect.DeepEqual(got, valid) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, valid)
	}
}

func TestCalendar(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	p := sc.Principal.Token
	// Monday differs from the other weekdays so a 调休 day shows whose window and meals it took.
	st := sc.Settings()
	st.Attendance.Fences = []school.Fence{{Name: "校门", Lat: 28.68, Lng: 115.85, RadiusM: 300}}
	st.Attendance.Windows["mon"] = school.Window{In: "08:10", Out: "17:10"}
	st.Meals.Served["mon"] = []string{"breakfast", "lunch"}
	sc.SetSettings(st)

	month := e.Get("calendar?month=2026-11", sc.Teacher("老师").Token).Want(http.StatusOK).Items()
	if len(month) != 30 {
		t.Fatalf("%d days in November", len(month))
	}
	day := func(items []map[string]any, date string) map[string]any {
		for _, it := range items {
			if it["date"] == date {
				return it
			}
		}
		t.Fatalf("no %s in %v", date, items)
		return nil
	}
	if d := day(month, "2026-11-25"); d["workday"] != true || !sameStrings(d["meals"], "lunch") {
		t.Fatalf("a Wednesday: %v", d)
	}
	if d := day(month, "2026-11-28"); d["workday"] != false || !sameStrings(d["meals"]) {
		t.Fatalf("a Saturday: %v", d)
	}

	// A Saturday made a workday (调休) follows Monday's window and, with meals null, Monday's meals.
	sat := e.Put("calendar/2026-11-28", p, map[string]any{"workday": true, "note": "调休", "meals": nil}).Want(http.StatusOK).Map()
	if sat["workday"] != true || sat["note"] != "调休" || !sameStrings(sat["meals"], "breakfast", "lunch") ||
		!reflect.DeepEqual(sat["window"], map[string]any{"in": "08:10", "out": "17:10"}) {
		t.Fatalf("调休 Saturday: %v", sat)
	}
	// A holiday is a rest day with no meals.
	hol := e.Put("calendar/2026-11-26", p, map[string]any{"workday": false, "note": "校庆"}).Want(http.StatusOK).Map()
	if hol["workday"] != false || !sameStrings(hol["meals"]) || hol["window"] != nil {
		t.Fatalf("holiday: %v", hol)
	}
	// A workday with its own window; meals null keeps the weekday's default.
	fri := e.Put("calendar/2026-11-27", p, map[string]any{"workday": true, "note": "半天", "meals": nil,
		"window": map[string]string{"in": "08:00", "out": "12:00"}}).Want(http.StatusOK).Map()
	if !sameStrings(fri["meals"], "lunch") || !reflect.DeepEqual(fri["window"], map[string]any{"in": "08:00", "out": "12:00"}) {
		t.Fatalf("half day: %v", fri)
	}
	// Explicit meals replace the default.
	e.Put("calendar/2026-11-24", p, map[string]any{"workday": true, "meals": []string{}}).Want(http.StatusOK)

	month = e.Get("calendar?month=2026-11", p).Want(http.StatusOK).Items()
	for date, workday := range map[string]bool{"2026-11-28": true, "2026-11-26": false, "2026-11-27": true} {
		if d := day(month, date); d["workday"] != workday || d["override"] != true {
			t.Fatalf("%s in the month: %v", date, d)
		}
	}
	if d := day(month, "2026-11-24"); !sameStrings(d["meals"]) {
		t.Fatalf("meals [] on 11-24: %v", d)
	}

	e.Delete("calendar/2026-11-26", p).Want(http.StatusNoContent)
	if d := day(e.Get("calendar?month=2026-11", p).Items(), "2026-11-26"); d["workday"] != true || d["override"] != false {
		t.Fatalf("after clearing the holiday: %v", d)
	}
	e.Delete("calendar/2026-11-26", p).WantError(http.StatusNotFound, "not_found")

	for _, tc := range []struct {
		path string
		body any
		bad  string
	}{
		{"calendar/2026-13-01", map[string]any{"workday": true}, "date"},
		{"calendar/2026-12-01", map[string]any{"workday": true, "meals": []string{"supper"}}, "meals"},
		{"calendar/2026-12-01", map[string]any{"note": "x"}, "workday"},
		{"calendar/2026-12-01", map[string]any{"workday": true, "window": map[string]string{"in": "9:00", "out": "8:00"}}, "window"},
		{"calendar/2026-12-01", map[string]any{"workday": true, "note": strings.Repeat("长", 51)}, "note"},
	} {
		wantFields(t, e.Put(tc.path, p, tc.body).WantError(http.StatusBadRequest, "invalid_argument"), tc.bad)
	}
	e.Get("calendar?month=2026-13", p).WantError(http.StatusBadRequest, "invalid_argument")
	e.Get("calendar", p).WantError(http.StatusBadRequest, "invalid_argument")
}

// TestAuditTrail makes one change of each kind and finds its audit row, and GET /audit is the principal's.
func TestAuditTrail(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	p := sc.Principal.Token
	head := sc.Teacher("班主任")
	class := sc.Class(head)
	parent, parent2 := sc.Parent(class), sc.Parent(class)

	type change struct {
		do             func() string // makes the change, returns the entity id
		entity, action string
	}
	var staffID string
	changes := []change{
		{func() string {
			staffID = e.Post("staff", p, map[string]any{"name": "新人", "phone": apitest.Phone(), "roles": []string{"teacher"}}).
				Want(http.StatusCreated).Str("id")
			return staffID
		}, "staff", "create"},
		{func() string {
			e.Patch("staff/"+staffID, p, map[string]any{"name": "新人甲"}).Want(http.StatusOK)
			return staffID
		}, "staff", "update"},
		{func() string { e.Delete("staff/"+staffID, p).Want(http.StatusNoContent); return staffID }, "staff", "update"},
		{func() string {
			return e.Post("classes", p, map[string]any{"grade": "一年级", "name": "1班"}).Want(http.StatusCreated).Str("id")
		}, "class", "create"},
		{func() string {
			e.Patch("classes/"+class.ID, p, map[string]any{"student_count": 30}).Want(http.StatusOK)
			return class.ID
		}, "class", "update"},
		{func() string { e.Post("classes/"+class.ID+"/invite-code", p, nil).Want(http.StatusOK); return class.ID }, "class", "update"},
		{func() string {
			st := sc.Settings()
			st.Attendance.Fences = []school.Fence{{Name: "校门", Lat: 28.68, Lng: 115.85, RadiusM: 300}}
			e.Put("school/settings", p, st).Want(http.StatusOK)
			return sc.ID
		}, "settings", "update"},
		{func() string {
			e.Put("calendar/2026-12-05", p, map[string]any{"workday": true}).Want(http.StatusOK)
			return "2026-12-05"
		}, "calendar", "update"},
		{func() string { e.Delete("calendar/2026-12-05", p).Want(http.StatusNoContent); return "2026-12-05" }, "calendar", "delete"},
		{func() string {
			e.Delete("classes/"+class.ID+"/parents/"+parent.LinkID, p).Want(http.StatusNoContent)
			return ""
		}, "parent_link", "delete"},
	}
	for _, c := range changes {
		before := e.Count("audit_logs", sc.ID)
		id := c.do()
		if got := e.Count("audit_logs", sc.ID); got != before+1 {
			t.Fatalf("%s %s wrote %d audit rows, want 1", c.action, c.entity, got-before)
		}
		newest := e.Get("audit?limit=1", p).Want(http.StatusOK).Items()[0]
		actor, _ := newest["actor"].(map[string]any)
		if newest["entity"] != c.entity || newest["action"] != c.action || (id != "" && newest["entity_id"] != id) ||
			actor["id"] != sc.Principal.ID || actor["name"] == "" || newest["at"] == "" {
			t.Fatalf("after %s %s the newest audit row is %v", c.action, c.entity, newest)
		}
	}
	if items := e.Get("audit?entity=staff&entity_id="+staffID, p).Want(http.StatusOK).Items(); len(items) != 3 {
		t.Fatalf("%d audit rows for the staff member, want 3", len(items))
	}
	// No full phone number in the trail.
	for _, it := range e.Get("audit?limit=100", p).Items() {
		if phoneRE.MatchString(string(mustJSON(t, it))) {
			t.Fatalf("an audit row shows a phone number: %v", it)
		}
	}
	first := e.Get("audit?limit=2", p).Want(http.StatusOK)
	second := e.Get("audit?limit=2&cursor="+first.Str("next_cursor"), p).Want(http.StatusOK).Items()
	if first.Str("next_cursor") == "" || len(second) != 2 || reflect.DeepEqual(second[0], first.Items()[0]) {
		t.Fatalf("audit paging: %s then %v", first.Body, second)
	}
	for _, u := range []*apitest.User{head, sc.Leader("主任"), parent2} {
		e.Get("audit", u.Token).WantError(http.StatusForbidden, "forbidden")
	}
	other := e.School()
	for _, it := range e.Get("audit?limit=100", other.Principal.Token).Want(http.StatusOK).Items() {
		if it["entity_id"] == staffID || it["entity_id"] == class.ID {
			t.Fatal("another school's principal reads this school's audit trail")
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
