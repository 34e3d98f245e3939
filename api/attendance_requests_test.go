package api_test

import (
	"net/http"
	"testing"

	"schoolcheck/api/apitest"
)

func TestLeaveRequests(t *testing.T) {
	e, sc := attendanceEnv(t)
	u := sc.Teacher("何老师")
	post := func(body map[string]any) map[string]any {
		return e.Post("attendance/leaves", u.Token, body).Want(http.StatusCreated).Map()
	}
	bad := func(field string, body map[string]any) {
		t.Helper()
		r := e.Post("attendance/leaves", u.Token, body).WantError(http.StatusBadRequest, "invalid_argument")
		if _, ok := r.ErrorFields()[field]; !ok {
			t.Fatalf("want a complaint about %s: %s", field, r.Body)
		}
	}
	bad("to", map[string]any{"type": "sick", "from": "2026-11-27", "to": "2026-11-26", "reason": "病"})
	bad("to", map[string]any{"type": "sick", "from": "2026-11-01", "to": "2026-12-31", "reason": "病"}) // 61 dates
	bad("type", map[string]any{"type": "holiday", "from": "2026-11-27", "to": "2026-11-27", "reason": "玩"})
	bad("from", map[string]any{"type": "sick", "from": "27/11", "to": "2026-11-27", "reason": "病"})
	bad("reason", map[string]any{"type": "sick", "from": "2026-11-27", "to": "2026-11-27"})
	// Dates bounded to what makes sense: a year either side of today (or the term).
	bad("from", map[string]any{"type": "sick", "from": "0000-01-01", "to": "2026-11-27", "reason": "病"})
	bad("to", map[string]any{"type": "sick", "from": "9999-12-30", "to": "9999-12-31", "reason": "病"})
	bad("from", map[string]any{"type": "sick", "from": "2025-11-01", "to": "2025-11-02", "reason": "病"})
	bad("to", map[string]any{"type": "sick", "from": "2027-11-25", "to": "2027-11-26", "reason": "病"})

	lv := post(map[string]any{"type": "sick", "from": "2026-11-01", "to": "2026-12-30", "reason": "住院"}) // 60 dates, the most
	if lv["status"] != "pending" || lv["request_type"] != "leave" || lv["from"] != "2026-11-01" || lv["to"] != "2026-12-30" ||
		lv["type"] != "sick" || lv["decided_by"] != nil || lv["requester"].(map[string]any)["id"] != u.ID {
		t.Fatalf("leave %v", lv)
	}
	// Overlapping the pending one, even by its last date: 409. The day after is fine.
	e.Post("attendance/leaves", u.Token, map[string]any{"type": "personal", "from": "2026-12-30", "to": "2027-01-02",
		"reason": "事"}).WantError(http.StatusConflict, "conflict")
	post(map[string]any{"type": "personal", "from": "2026-12-31", "to": "2027-01-02", "reason": "事"})
	var audits int64
	e.DB.Table("audit_logs").Where("school_id = ? AND entity = ? AND entity_id = ?", sc.ID, "attendance_request", lv["id"]).Count(&audits)
	if audits != 1 {
		t.Fatalf("%d audit rows for the leave", audits)
	}
}

func TestCorrectionRequests(t *testing.T) {
	e, sc := attendanceEnv(t)
	clockAt(e, "2026-10-10", "09:00", sc.Principal)
	u := sc.Teacher("罗老师") // joined on 2026-10-10
	clockAt(e, "2026-11-25", "09:00", sc.Principal, u)
	st := sc.Settings()
	two := 2
	st.Attendance.MaxCorrectionsPerMonth = &two
	sc.SetSettings(st)
	post := func(date, kind string) *apitest.Response {
		return e.Post("attendance/corrections", u.Token, map[string]any{"date": date, "kind": kind, "reason": "忘记打卡"})
	}
	// Today is Wednesday 2026-11-25.
	post("2026-11-26", "in").WantError(http.StatusUnprocessableEntity, "too_late") // the future
	post("2026-10-24", "in").WantError(http.StatusUnprocessableEntity, "too_late") // 32 days back
	late := sc.Teacher("新老师")                                                      // joined today
	e.Post("attendance/corrections", late.Token, map[string]any{"date": "2026-11-24", "kind": "in", "reason": "忘记打卡"}).
		WantError(http.StatusUnprocessableEntity, "not_joined")
	post("2026-11-22", "in").WantError(http.StatusUnprocessableEntity, "not_a_workday") // Sunday
	post("2026-11-24", "up").WantError(http.StatusBadRequest, "invalid_argument")
	c := post("2026-11-25", "in").Want(http.StatusCreated).Map() // today
	if c["request_type"] != "correction" || c["date"] != "2026-11-25" || c["kind"] != "in" || c["status"] != "pending" {
		t.Fatalf("correction %v", c)
	}
	post("2026-11-25", "in").WantError(http.StatusConflict, "conflict") // the same one again
	post("2026-10-26", "out").Want(http.StatusCreated)                  // 30 days back, October's quota
	post("2026-11-24", "out").Want(http.StatusCreated)                  // November's second
	post("2026-11-23", "in").WantError(http.StatusUnprocessableEntity, "too_many_corrections")
	// A rejected one gives its place back.
	leader := sc.Leader("谢主任")
	e.Post("attendance/requests/"+c["id"].(string)+"/decision", leader.Token, map[string]any{"approve": false,
		"comment": "当天未到岗"}).Want(http.StatusOK)
	post("2026-11-23", "in").Want(http.StatusCreated)
}

func TestRequestDecisions(t *testing.T) {
	e, sc := attendanceEnv(t)
	other := e.School()
	teacher, leader, leader2 := sc.Teacher("曹老师"), sc.Leader("邓主任"), sc.Leader("许主任")
	otherLeader, parent := other.Leader("外校主任"), sc.Parent(sc.Class(nil))
	leaveOf := func(u string, from string) string {
		return e.Post("attendance/leaves", u, map[string]any{"type": "official", "from": from, "to": from,
			"reason": "外出培训"}).Want(http.StatusCreated).Str("id")
	}
	t1 := leaveOf(teacher.Token, "2026-11-20")
	own := leaveOf(leader.Token, "2026-11-20")
	decide := func(tok, id string, approve any) *apitest.Response {
		return e.Post("attendance/requests/"+id+"/decision", tok, map[string]any{"approve": approve, "comment": "同意"})
	}
	decide(leader.Token, own, true).WantError(http.StatusForbidden, "forbidden")    // one's own request
	decide(teacher.Token, t1, true).WantError(http.StatusForbidden, "forbidden")    // not a leader
	decide(parent.Token, t1, true).WantError(http.StatusForbidden, "forbidden")     // not staff
	decide(otherLeader.Token, t1, true).WantError(http.StatusNotFound, "not_found") // another school's request
	decide(leader.Token, "no-such-request", true).WantError(http.StatusNotFound, "not_found")
	decide(leader.Token, t1, nil).WantError(http.StatusBadRequest, "invalid_argument") // approve missing
	d := decide(leader.Token, t1, true).Want(http.StatusOK).Map()
	if d["status"] != "approved" || d["decided_by"].(map[string]any)["id"] != leader.ID || d["comment"] != "同意" || d["decided_at"] == nil {
		t.Fatalf("decision %v", d)
	}
	decide(leader2.Token, t1, false).WantError(http.StatusConflict, "conflict") // already decided
	decide(leader2.Token, own, false).Want(http.StatusOK)                       // another leader decides the leader's own

	// The requester sees the decision; listing scopes: staff their own, leaders the school's.
	mine := e.Get("attendance/requests", teacher.Token).Want(http.StatusOK).Items()
	if len(mine) != 1 || mine[0]["status"] != "approved" || mine[0]["comment"] != "同意" {
		t.Fatalf("teacher's list %v", mine)
	}
	if all := e.Get("attendance/requests", leader2.Token).Want(http.StatusOK).Items(); len(all) != 2 {
		t.Fatalf("leader's list %v", all)
	}
	if rej := e.Get("attendance/requests?status=rejected", sc.Principal.Token).Want(http.StatusOK).Items(); len(rej) != 1 || rej[0]["id"] != own {
		t.Fatalf("rejected %v", rej)
	}
	if got := e.Get("attendance/requests?status=pending", leader.Token).Want(http.StatusOK).Items(); len(got) != 0 {
		t.Fatalf("pending %v", got)
	}
	if got := e.Get("attendance/requests?user_id="+teacher.ID, leader.Token).Want(http.StatusOK).Items(); len(got) != 1 {
		t.Fatalf("by user %v", got)
	}
	e.Get("attendance/requests?user_id="+leader.ID, teacher.Token).WantError(http.StatusForbidden, "forbidden")
	e.Get("attendance/requests?status=maybe", leader.Token).WantError(http.StatusBadRequest, "invalid_argument")
	if got := e.Get("attendance/requests", otherLeader.Token).Want(http.StatusOK).Items(); len(got) != 0 {
		t.Fatalf("another school sees %v", got)
	}
	e.Get("attendance/requests", parent.Token).WantError(http.StatusForbidden, "forbidden")
	page := e.Get("attendance/requests?limit=1", leader.Token).Want(http.StatusOK).Map()
	if page["next_cursor"] == nil || page["next_cursor"] == "" {
		t.Fatalf("paging %v", page)
	}
	var audits int64
	e.DB.Table("audit_logs").Where("school_id = ? AND entity = ? AND entity_id = ? AND action = ?", sc.ID,
		"attendance_request", t1, "update").Count(&audits)
	if audits != 1 {
		t.Fatalf("%d audit rows for the decision", audits)
	}
}
