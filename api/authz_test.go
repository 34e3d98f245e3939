package api_test

import (
	"net/http"
	"testing"

	"schoolcheck/api/apitest"
)

// authzWorld is school A (whose records the routes name) with one person of each kind, and school B.
type authzWorld struct {
	e                                   *apitest.Env
	a, b                                *apitest.School
	leader, teacher, head, parent, insp *apitest.User
	class                               *apitest.Class
}

func newAuthzWorld(t *testing.T) *authzWorld {
	e := newEnv(t)
	w := &authzWorld{e: e, a: e.School(), b: e.School()}
	w.leader, w.teacher, w.head = w.a.Leader("主任"), w.a.Teacher("科任"), w.a.Teacher("班主任")
	w.class = w.a.Class(w.head)
	w.parent = w.a.Parent(w.class)
	w.insp = e.Inspector(w.a.Region)
	return w
}

// newStaff adds a roster entry to school A and returns its id.
func (w *authzWorld) newStaff() string {
	return w.e.Post("staff", w.a.Principal.Token, map[string]any{"name": "对象", "phone": apitest.Phone(),
		"roles": []string{"teacher"}}).Want(http.StatusCreated).Str("id")
}

// authzRoute is one route that names a record of school A, with who may use it.
type authzRoute struct {
	name   string
	method string
	// path makes a fresh target in school A and returns the request path.
	path func(w *authzWorld) string
	body any
	// ok lists the actors who may (with the status they get); every other actor of school A is 403 and
	// school B's principal is 404.
	ok   map[string]int
	deny []string
}

func TestAuthzEveryRouteWithAnID(t *testing.T) {
	w := newAuthzWorld(t)
	e := w.e
	actors := map[string]func() string{
		"principal":       func() string { return w.a.Principal.Token },
		"leader":          func() string { return w.leader.Token },
		"teacher":         func() string { return w.teacher.Token },
		"head teacher":    func() string { return w.head.Token },
		"parent":          func() string { return w.parent.Token },
		"inspector":       func() string { return w.insp.Token },
		"other principal": func() string { return w.b.Principal.Token },
	}
	withParent := func(w *authzWorld) string {
		// The invite code may have been rotated by an earlier row: join with the current one.
		for _, c := range e.Get("classes?limit=100", w.a.Principal.Token).Want(http.StatusOK).Items() {
			if c["id"] == w.class.ID {
				w.class.InviteCode = c["invite_code"].(string)
			}
		}
		return "classes/" + w.class.ID + "/parents/" + w.a.Parent(w.class).AccountID
	}
	withOverride := func(w *authzWorld) string {
		e.Put("calendar/2026-12-12", w.a.Principal.Token, map[string]any{"workday": true, "note": "调休"}).Want(http.StatusOK)
		return "calendar/2026-12-12"
	}
	routes := []authzRoute{
		{"get staff", "GET", func(w *authzWorld) string { return "staff/" + w.newStaff() }, nil,
			map[string]int{"principal": 200, "leader": 200}, []string{"teacher", "head teacher", "parent", "inspector"}},
		{"patch staff", "PATCH", func(w *authzWorld) string { return "staff/" + w.newStaff() }, map[string]any{"name": "改名"},
			map[string]int{"principal": 200}, []string{"leader", "teacher", "parent", "inspector"}},
		{"delete staff", "DELETE", func(w *authzWorld) string { return "staff/" + w.newStaff() }, nil,
			map[string]int{"principal": 204}, []string{"leader", "teacher", "parent", "inspector"}},
		{"patch class", "PATCH", func(w *authzWorld) string { return "classes/" + w.class.ID }, map[string]any{"student_count": 41},
			map[string]int{"principal": 200}, []string{"leader", "head teacher", "teacher", "parent", "inspector"}},
		{"rotate invite", "POST", func(w *authzWorld) string { return "classes/" + w.class.ID + "/invite-code" }, nil,
			map[string]int{"principal": 200, "head teacher": 200}, []string{"leader", "teacher", "parent", "inspector"}},
		{"list parents", "GET", func(w *authzWorld) string { return "classes/" + w.class.ID + "/parents" }, nil,
			map[string]int{"principal": 200, "head teacher": 200}, []string{"leader", "teacher", "parent", "inspector"}},
		{"remove parent", "DELETE", withParent, nil,
			map[string]int{"principal": 204, "head teacher": 204}, []string{"leader", "teacher", "parent", "inspector"}},
		{"clear calendar day", "DELETE", withOverride, nil,
			map[string]int{"principal": 204}, []string{"leader", "teacher", "parent", "inspector"}},
		{"set calendar day", "PUT", func(*authzWorld) string { return "calendar/2026-12-13" }, map[string]any{"workday": true},
			map[string]int{"principal": 200}, []string{"leader", "teacher", "parent", "inspector"}},
	}
	for _, rt := range routes {
		type row struct {
			actor string
			want  int
		}
		rows := []row{{"nobody", 401}}
		for _, a := range rt.deny {
			rows = append(rows, row{a, 403})
		}
		if rt.name != "set calendar day" { // a date is not a record: B's principal sets B's own day (below)
			rows = append(rows, row{"other principal", 404})
		}
		for a, st := range rt.ok {
			rows = append(rows, row{a, st})
		}
		for _, r := range rows {
			// No subtests: the environment's helpers fail the test that made it.
			path := rt.path(w)
			token := ""
			if r.actor != "nobody" {
				token = actors[r.actor]()
			}
			before := e.Count("audit_logs", w.a.ID)
			resp := e.Do(apitest.Req{Method: rt.method, Path: path, Token: token, Body: rt.body})
			code := map[int]string{401: "unauthenticated", 403: "forbidden", 404: "not_found"}[r.want]
			if resp.Code != r.want || resp.ErrorCode() != code {
				t.Errorf("%s as %s: %d %s, want %d %s", rt.name, r.actor, resp.Code, resp.Body, r.want, code)
			}
			if r.want >= 400 && e.Count("audit_logs", w.a.ID) != before {
				t.Errorf("%s as %s was refused but changed school A", rt.name, r.actor)
			}
		}
	}

	// Another school's principal setting that date changes their own calendar, not A's.
	e.Put("calendar/2026-12-19", w.b.Principal.Token, map[string]any{"workday": true, "note": "B 调休"}).Want(http.StatusOK)
	for _, it := range e.Get("calendar?month=2026-12", w.a.Principal.Token).Want(http.StatusOK).Items() {
		if it["date"] == "2026-12-19" && it["workday"] != false {
			t.Fatalf("school B's 调休 shows in school A: %v", it)
		}
	}
	// A parent id that is not linked to the class named is 404, even in the same school.
	otherClass := w.a.Class(nil)
	stranger := w.a.Parent(otherClass)
	e.Delete("classes/"+w.class.ID+"/parents/"+stranger.AccountID, w.a.Principal.Token).WantError(http.StatusNotFound, "not_found")
	// B's principal naming B's own class with A's parent: 404, and A's parent keeps access.
	bClass := w.b.Class(nil)
	e.Delete("classes/"+bClass.ID+"/parents/"+stranger.AccountID, w.b.Principal.Token).WantError(http.StatusNotFound, "not_found")
	e.Get("me", stranger.Token).Want(http.StatusOK)
}

func TestAuthzListRoutes(t *testing.T) {
	w := newAuthzWorld(t)
	e := w.e
	cases := []struct {
		method, path string
		body         any
		who          *apitest.User
		want         int
	}{
		{"GET", "staff", nil, w.parent, 403},
		{"GET", "staff", nil, w.insp, 403},
		{"GET", "staff", nil, w.teacher, 200},
		{"POST", "staff", map[string]any{"name": "x", "phone": apitest.Phone(), "roles": []string{"teacher"}}, w.leader, 403},
		{"POST", "staff", map[string]any{"name": "x", "phone": apitest.Phone(), "roles": []string{"teacher"}}, w.parent, 403},
		{"GET", "classes", nil, w.insp, 403},
		{"GET", "classes", nil, w.parent, 200},
		{"POST", "classes", map[string]any{"grade": "一年级", "name": "9班"}, w.leader, 403},
		{"POST", "classes", map[string]any{"grade": "一年级", "name": "9班"}, w.head, 403},
		{"GET", "school/settings", nil, w.parent, 403},
		{"GET", "school/settings", nil, w.insp, 403},
		{"GET", "calendar?month=2026-11", nil, w.parent, 403},
		{"GET", "calendar?month=2026-11", nil, w.insp, 403},
		{"GET", "audit", nil, w.leader, 403},
		{"GET", "audit", nil, w.teacher, 403},
		{"GET", "audit", nil, w.parent, 403},
		{"GET", "audit", nil, w.insp, 403},
	}
	for _, tc := range cases {
		r := e.Do(apitest.Req{Method: tc.method, Path: tc.path, Token: tc.who.Token, Body: tc.body}).Want(tc.want)
		if tc.want == 403 {
			r.WantError(403, "forbidden")
		}
	}
	// A parent lists only their own class.
	w.a.Class(nil)
	if items := e.Get("classes", w.parent.Token).Items(); len(items) != 1 || items[0]["id"] != w.class.ID || items[0]["invite_code"] != nil {
		t.Fatalf("a parent's classes: %v", items)
	}
	// Lists never cross schools.
	for _, path := range []string{"staff?limit=100", "classes?limit=100"} {
		for _, it := range e.Get(path, w.b.Principal.Token).Want(http.StatusOK).Items() {
			if it["id"] == w.teacher.ID || it["id"] == w.class.ID {
				t.Fatalf("school B lists school A's %s", path)
			}
		}
	}
}
