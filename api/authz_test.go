package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"schoolcheck/api/apitest"
)

// TestAuthz is the authorization matrix: every operation of api/openapi.yaml (a new one fails the test
// until it has its row in authzMatrix) as every kind of caller, each cell a subtest; a refused cell also
// checks that schools A and B are exactly as they were.
//
// The same run then sends the error cases (errorCases), and holds every answer it got and every line the
// server logged to apitest.CheckNoLeaks: no stack trace, SQL, filesystem path or secret anywhere, no full
// mobile number or coordinates in the logs.
func TestAuthz(t *testing.T) {
	e := newEnv(t)
	e.Transcript = &apitest.Transcript{}
	w := apitest.NewWorld(e)
	w.CheckMatrix(t, authzMatrix(w))
	t.Run("error cases", func(t *testing.T) { errorCases(t, w.For(t)) })
	t.Run("nothing leaks", func(t *testing.T) {
		var secrets []string
		if err := e.DB.Table("schools").Where("id IN ?", []string{w.A.ID, w.B.ID}).Pluck("qr_secret", &secrets).Error; err != nil {
			t.Fatal(err)
		}
		answers, logs := e.Transcript.Answers(), e.Logs.String()
		if len(answers) < 1500 || strings.Count(logs, "\n") < 1500 {
			t.Fatalf("the run recorded %d answers and %d log lines: too few to prove anything", len(answers), strings.Count(logs, "\n"))
		}
		apitest.CheckNoLeaks(t, answers, logs, apitest.Secrets(secrets...))
	})
}

// errorCases are requests that go wrong in every way a client can make them: no 500 among them (and each
// answer the contract's, as apitest checks), for the leak check to read.
func errorCases(t *testing.T, w *apitest.World) {
	e, p, lead := w.E, w.A.Principal.Token, w.Leader.Token
	big := `{"name":"` + strings.Repeat("长", 400_000) + `"}`
	ids := []string{"nope", "00000000-0000-0000-0000-000000000000", "../../etc/passwd", "' OR 1=1 --", "%00",
		strings.Repeat("9", 300), "1;DROP TABLE staff"}
	var reqs []apitest.Req
	for _, id := range ids {
		for _, path := range []string{"staff/", "meals/", "feedback/", "phone-checks/", "observations/", "observations/lessons/",
			"attendance/displays/", "classes/" + w.Class.ID + "/parents/"} {
			reqs = append(reqs, apitest.Req{Method: "GET", Path: path + url.PathEscape(id), Token: p},
				apitest.Req{Method: "DELETE", Path: path + url.PathEscape(id), Token: p})
		}
		reqs = append(reqs, apitest.Req{Method: "GET", Path: "staff?cursor=" + url.QueryEscape(id), Token: p},
			apitest.Req{Method: "GET", Path: "audit?cursor=" + url.QueryEscape(id), Token: p},
			apitest.Req{Method: "PATCH", Path: "classes/" + url.PathEscape(id), Token: p, Body: map[string]any{"student_count": 1}},
			apitest.Req{Method: "GET", Path: "reports/meals?month=2026-11&school_id=" + url.QueryEscape(id), Token: w.Inspector.Token},
			apitest.Req{Method: "POST", Path: "auth/switch", Token: lead, Body: map[string]string{"school_id": id}})
	}
	for _, body := range []string{"", "{", `{} "x`, `[]`, `{"name":1}`, `{"roles":"teacher"}`, "\xff", big} {
		for _, path := range []string{"staff", "classes", "meals", "feedback", "attendance/leaves", "observations", "phone-checks"} {
			reqs = append(reqs, apitest.Req{Method: "POST", Path: path, Token: lead, Body: body})
		}
		reqs = append(reqs, apitest.Req{Method: "PUT", Path: "school/settings", Token: p, Body: body})
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=-1", "limit=abc", "limit=99999999999999999999", "month=2026-13",
		"from=2026-11-30&to=2026-11-01", "status=maybe"} {
		for _, path := range []string{"staff", "audit", "meals", "feedback", "attendance/requests", "attendance/days",
			"observations", "calendar", "reports/meals", "reports/attendance", "meals/duty", "phone-checks"} {
			reqs = append(reqs, apitest.Req{Method: "GET", Path: path + "?" + q, Token: p})
		}
	}
	for _, auth := range []string{"Bearer", "Bearer x", "Basic Zm9vOmJhcg==", "Bearer " + p + "x",
		"Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Bearer " + strings.Repeat("a", 5000)} {
		reqs = append(reqs, apitest.Req{Method: "GET", Path: "me", Headers: map[string]string{"Authorization": auth}})
	}
	lat, lng, acc := 28.682891, 115.857972, 15.5
	reqs = append(reqs,
		apitest.Req{Method: "GET", Path: "no/such/route", Token: p},
		apitest.Req{Method: "PUT", Path: "me", Token: p},
		apitest.Req{Method: "GET", Path: "/display/forged-token"},
		apitest.Req{Method: "GET", Path: "/q/forged"},
		apitest.Req{Method: "POST", Path: "attendance/punches", Token: w.Teacher.Token,
			Body: map[string]any{"kind": "out", "lat": lat, "lng": lng, "accuracy_m": acc}},
		apitest.Req{Method: "POST", Path: "attendance/punches", Token: w.Teacher.Token,
			Body: map[string]any{"kind": "in", "qr_token": "1." + strings.Repeat("A", 200)}},
		apitest.Req{Method: "POST", Path: "auth/login", Body: map[string]string{"code": "never-issued"}},
		apitest.Req{Method: "POST", Path: "auth/bind-phone", Token: w.Unbound.Token, Body: map[string]string{"phone_code": "never-issued"}},
		apitest.Req{Method: "POST", Path: "auth/join", Token: w.Unbound.Token, Body: map[string]string{"invite_code": "ZZZZZZ",
			"relation": "mother", "consent_version": "2026-09"}},
	)
	for _, r := range reqs {
		if got := e.Do(r); got.Code >= 500 {
			t.Errorf("%s %s: %d %s", r.Method, r.Path, got.Code, got.Body)
		}
	}
	for _, up := range []struct{ path, name string }{{"photos", "a.jpg"}, {"staff/import", "a.xlsx"}, {"staff/import", "a.csv"}} {
		for _, content := range [][]byte{nil, []byte("PK\x03\x04broken"), []byte("\xff\xd8\xffbroken"), []byte("姓名,手机号\n")} {
			if got := e.Upload(up.path, p, "file", up.name, content, nil, nil); got.Code >= 500 {
				t.Errorf("upload %s to %s: %d %s", up.name, up.path, got.Code, got.Body)
			}
		}
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
