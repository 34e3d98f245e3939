package api_test

import (
	"net/http"
	"testing"

	"schoolcheck/api/apitest"
)

// TestAuthz is the role × route table: every route that names a record, as every kind of caller. Each
// module adds its rows (adminAuthzRoutes, mealAuthzRoutes, attendanceAuthzRoutes, …).
func TestAuthz(t *testing.T) {
	w := apitest.NewWorld(newEnv(t))
	var routes []apitest.Route
	for _, rows := range []func(*apitest.World) []apitest.Route{adminAuthzRoutes, mealAuthzRoutes, attendanceAuthzRoutes,
		phoneAuthzRoutes, observationAuthzRoutes, identityAuthzRoutes, consoleAuthzRoutes,
		inspectionAuthzRoutes} {
		routes = append(routes, rows(w)...)
	}
	w.Check(t, routes)
}

// newStaff adds a roster entry to school A and returns its id.
func newStaff(w *apitest.World) string {
	return w.E.Post("staff", w.A.Principal.Token, map[string]any{"name": "对象", "phone": apitest.Phone(),
		"roles": []string{"teacher"}}).Want(http.StatusCreated).Str("id")
}

func adminAuthzRoutes(w *apitest.World) []apitest.Route {
	p := apitest.Principal
	ok := func(status int, who ...string) map[string]int {
		m := map[string]int{}
		for _, c := range who {
			m[c] = status
		}
		return m
	}
	withParent := func(w *apitest.World) string {
		// The invite code may have been rotated by an earlier row: join with the current one.
		for _, c := range w.E.Get("classes?limit=100", w.A.Principal.Token).Want(http.StatusOK).Items() {
			if c["id"] == w.Class.ID {
				w.Class.InviteCode = c["invite_code"].(string)
			}
		}
		return "classes/" + w.Class.ID + "/parents/" + w.A.Parent(w.Class).LinkID
	}
	withOverride := func(w *apitest.World) string {
		w.E.Put("calendar/2026-12-12", w.A.Principal.Token, map[string]any{"workday": true, "note": "调休"}).Want(http.StatusOK)
		return "calendar/2026-12-12"
	}
	class := func(w *apitest.World) string { return "classes/" + w.Class.ID }
	return []apitest.Route{
		{Name: "GET staff/{id}", Method: "GET", Path: func(w *apitest.World) string { return "staff/" + newStaff(w) },
			OK: ok(200, p, apitest.Leader)},
		{Name: "PATCH staff/{id}", Method: "PATCH", Path: func(w *apitest.World) string { return "staff/" + newStaff(w) },
			Body: map[string]any{"name": "改名"}, OK: ok(200, p)},
		{Name: "DELETE staff/{id}", Method: "DELETE", Path: func(w *apitest.World) string { return "staff/" + newStaff(w) },
			OK: ok(204, p)},
		{Name: "PATCH classes/{id}", Method: "PATCH", Path: class, Body: map[string]any{"student_count": 41}, OK: ok(200, p)},
		{Name: "POST classes/{id}/invite-code", Method: "POST",
			Path: func(w *apitest.World) string { return class(w) + "/invite-code" }, OK: ok(200, p, apitest.HeadTeacher)},
		{Name: "GET classes/{id}/parents", Method: "GET", Path: func(w *apitest.World) string { return class(w) + "/parents" },
			OK: ok(200, p, apitest.HeadTeacher)},
		{Name: "DELETE classes/{id}/parents/{parent_id}", Method: "DELETE", Path: withParent, OK: ok(204, p, apitest.HeadTeacher)},
		{Name: "DELETE calendar/{date}", Method: "DELETE", Path: withOverride, OK: ok(204, p)},
		// A date is not a record: the other school's principal sets their own school's day.
		{Name: "PUT calendar/{date}", Method: "PUT", Path: func(*apitest.World) string { return "calendar/2026-12-13" },
			Body: map[string]any{"workday": true}, OK: ok(200, p, apitest.OtherPrincipal)},
	}
}

// TestAuthzCrossSchoolDetails covers what the table cannot: another school's writes land in that school.
func TestAuthzCrossSchoolDetails(t *testing.T) {
	w := apitest.NewWorld(newEnv(t))
	e := w.E
	// Another school's principal setting that date changes their own calendar, not A's.
	e.Put("calendar/2026-12-19", w.B.Principal.Token, map[string]any{"workday": true, "note": "B 调休"}).Want(http.StatusOK)
	for _, it := range e.Get("calendar?month=2026-12", w.A.Principal.Token).Want(http.StatusOK).Items() {
		if it["date"] == "2026-12-19" && it["workday"] != false {
			t.Fatalf("school B's 调休 shows in school A: %v", it)
		}
	}
	// A parent id that is not linked to the class named is 404, even in the same school.
	otherClass := w.A.Class(nil)
	stranger := w.A.Parent(otherClass)
	e.Delete("classes/"+w.Class.ID+"/parents/"+stranger.LinkID, w.A.Principal.Token).WantError(http.StatusNotFound, "not_found")
	// B's principal naming B's own class with A's parent: 404, and A's parent keeps access.
	bClass := w.B.Class(nil)
	e.Delete("classes/"+bClass.ID+"/parents/"+stranger.LinkID, w.B.Principal.Token).WantError(http.StatusNotFound, "not_found")
	e.Get("me", stranger.Token).Want(http.StatusOK)
}

func TestAuthzListRoutes(t *testing.T) {
	w := apitest.NewWorld(newEnv(t))
	e := w.E
	cases := []struct {
		method, path string
		body         any
		who          *apitest.User
		want         int
	}{
		{"GET", "staff", nil, w.Parent, 403},
		{"GET", "staff", nil, w.Inspector, 403},
		{"GET", "staff", nil, w.Teacher, 200},
		{"POST", "staff", map[string]any{"name": "x", "phone": apitest.Phone(), "roles": []string{"teacher"}}, w.Leader, 403},
		{"POST", "staff", map[string]any{"name": "x", "phone": apitest.Phone(), "roles": []string{"teacher"}}, w.Parent, 403},
		{"GET", "classes", nil, w.Inspector, 403},
		{"GET", "classes", nil, w.Parent, 200},
		{"POST", "classes", map[string]any{"grade": "一年级", "name": "9班"}, w.Leader, 403},
		{"POST", "classes", map[string]any{"grade": "一年级", "name": "9班"}, w.Head, 403},
		{"GET", "school/settings", nil, w.Parent, 403},
		{"GET", "school/settings", nil, w.Inspector, 403},
		{"GET", "calendar?month=2026-11", nil, w.Parent, 403},
		{"GET", "calendar?month=2026-11", nil, w.Inspector, 403},
		{"GET", "audit", nil, w.Leader, 403},
		{"GET", "audit", nil, w.Teacher, 403},
		{"GET", "audit", nil, w.Parent, 403},
		{"GET", "audit", nil, w.Inspector, 403},
	}
	for _, tc := range cases {
		r := e.Do(apitest.Req{Method: tc.method, Path: tc.path, Token: tc.who.Token, Body: tc.body}).Want(tc.want)
		if tc.want == 403 {
			r.WantError(403, "forbidden")
		}
	}
	// A parent lists only their own class.
	w.A.Class(nil)
	if items := e.Get("classes", w.Parent.Token).Items(); len(items) != 1 || items[0]["id"] != w.Class.ID || items[0]["invite_code"] != nil {
		t.Fatalf("a parent's classes: %v", items)
	}
	// Lists never cross schools.
	for _, path := range []string{"staff?limit=100", "classes?limit=100"} {
		for _, it := range e.Get(path, w.B.Principal.Token).Want(http.StatusOK).Items() {
			if it["id"] == w.Teacher.ID || it["id"] == w.Class.ID {
				t.Fatalf("school B lists school A's %s", path)
			}
		}
	}
}
