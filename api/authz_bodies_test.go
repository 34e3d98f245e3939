package api_test

import (
	"testing"

	"schoolcheck/api/apitest"
)

// TestAuthzIDsInBodies: what the matrix's paths cannot show — a body naming a record of another school. A's
// own principal, leader or head teacher names B's class, staff member or photo in a body: the call is
// refused — 404 for a record named, 400 for a person who is "not on this school's staff" (as for an id that
// does not exist), 422 for a photo ("not yours") — and neither school changes.
func TestAuthzIDsInBodies(t *testing.T) {
	w := apitest.NewWorld(newEnv(t))
	e := w.E
	bLeader := w.B.Leader("乙校主任")
	bTeacher := w.B.Teacher("乙校老师")
	bPhoto := photoID(e, bLeader.Token)
	cases := []struct {
		name, method, path string
		token              string
		body               any
		want               int
	}{
		{"a phone check of B's class", "POST", "phone-checks", w.A.Principal.Token, checkReq(w.BClass.ID, "2026-11-25", "spot", 0), 404},
		{"custody kept by B's teacher", "PUT", "classes/" + w.Class.ID + "/phone-custody", w.Head.Token, custodyReq(bTeacher.ID), 400},
		{"custody kept by nobody that exists", "PUT", "classes/" + w.Class.ID + "/phone-custody", w.Head.Token,
			custodyReq("01a00000-0000-7000-8000-000000000000"), 400},
		{"a meal duty for B's leader", "PUT", "meals/duty", w.A.Principal.Token,
			map[string]any{"date": "2026-11-26", "meal": "lunch", "leader_id": bLeader.ID}, 404},
		{"an observation of B's teacher", "POST", "observations", w.Leader.Token, obsReq(bTeacher.ID, "2026-11-20", 15), 404},
		{"an open lesson of B's teacher", "POST", "observations/lessons", w.Leader.Token, lessonReq(bTeacher.ID, "2026-12-02"), 404},
		{"a class headed by B's teacher", "POST", "classes", w.A.Principal.Token,
			map[string]any{"grade": "一年级", "name": "跨校班", "head_teacher_id": bTeacher.ID}, 400},
		{"a meal with B's photo", "POST", "meals", w.Leader.Token, mealReq("2026-11-24", bPhoto), 422},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.For(t)
			before := e.Snapshot(w.A.ID, w.B.ID)
			r := e.Do(apitest.Req{Method: tc.method, Path: tc.path, Token: tc.token, Body: tc.body})
			if r.Code != tc.want {
				t.Fatalf("%d, want %d: %s", r.Code, tc.want, r.Body)
			}
			if f := r.ErrorFields()["keeper_id"]; f != "" && f != "不是本校在职教职工" {
				t.Fatalf("B's teacher and nobody must read alike: %s", r.Body)
			}
			if diff := e.Snapshot(w.A.ID, w.B.ID).Diff(before); diff != "" {
				t.Fatalf("a refused call changed the data: %s", diff)
			}
		})
	}
}
