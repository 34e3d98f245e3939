package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"schoolcheck/api/apitest"
)

// The rubric: the default is version 1; a principal publishes versions; an observation keeps the version
// it was scored on and its total; new ones are scored on the new version; rates compare across versions.
func TestObservationRubricVersions(t *testing.T) {
	w := newObsWorld(t)
	e := w.e
	p := w.sc.Principal.Token
	var rub struct {
		Version  int `json:"version"`
		MaxTotal int `json:"max_total"`
		Items    []struct {
			Key  string `json:"key"`
			Name string `json:"name"`
			Max  int    `json:"max"`
		} `json:"items"`
	}
	e.Get("observations/rubric", w.teacher.Token).Want(http.StatusOK).JSON(&rub)
	if rub.Version != 1 || rub.MaxTotal != 100 || len(rub.Items) != 5 || rub.Items[0].Key != "objectives" ||
		rub.Items[0].Name != "教学目标" || rub.Items[4].Key != "outcomes" || rub.Items[3].Name != "学生活动" {
		t.Fatalf("default rubric %+v", rub)
	}
	old := observe(e, w.leader.Token, obsReq(w.teacher.ID, "2026-11-24", 17))

	item := func(key, name string, max any) map[string]any {
		return map[string]any{"key": key, "name": name, "max": max}
	}
	many := []map[string]any{}
	for i := range 21 {
		many = append(many, item(fmt.Sprintf("k%d", i), fmt.Sprintf("项%d", i), 1))
	}
	refusals := []struct {
		name  string
		items any
		field string
	}{
		{"no items", []map[string]any{}, "items"},
		{"21 items", many, "items"},
		{"duplicate keys", []map[string]any{item("design", "设计", 50), item("design", "实施", 50)}, "items[1].key"},
		{"a key that is not an identifier", []map[string]any{item("教学", "设计", 50)}, "items[0].key"},
		{"an empty name", []map[string]any{item("design", "  ", 50)}, "items[0].name"},
		{"a zero max", []map[string]any{item("design", "设计", 0)}, "items[0].max"},
		{"a negative max", []map[string]any{item("design", "设计", -5)}, "items[0].max"},
		{"more than 100 in all", []map[string]any{item("design", "设计", 60), item("effect", "效果", 41)}, "items"},
		{"a fractional max", []map[string]any{item("design", "设计", 2.5)}, ""},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			r := e.For(t).Put("observations/rubric", p, map[string]any{"items": tc.items}).WantError(400, "invalid_argument")
			if tc.field != "" && r.ErrorFields()[tc.field] == "" {
				t.Fatalf("fields %v, want %s", r.ErrorFields(), tc.field)
			}
		})
	}
	v2 := []map[string]any{item("design", "教学设计", 10), item("delivery", "课堂实施", 20), item("effect", "教学效果", 20)}
	e.Put("observations/rubric", w.leader.Token, map[string]any{"items": v2}).WantError(403, "forbidden")
	e.Put("observations/rubric", w.teacher.Token, map[string]any{"items": v2}).WantError(403, "forbidden")
	e.Put("observations/rubric", p, map[string]any{"items": v2}).Want(http.StatusOK).JSON(&rub)
	if rub.Version != 2 || rub.MaxTotal != 50 || len(rub.Items) != 3 {
		t.Fatalf("published %+v", rub)
	}
	if got := e.Get("observations/rubric", w.other.Token).Want(http.StatusOK).Map(); got["version"] != 2.0 {
		t.Fatalf("rubric in force %v", got)
	}
	if got := e.Get("observations/rubric?version=1", w.other.Token).Want(http.StatusOK).Map(); got["max_total"] != 100.0 {
		t.Fatalf("version 1 %v", got)
	}
	e.Get("observations/rubric?version=3", w.other.Token).WantError(404, "not_found")
	e.Get("observations/rubric?version=x", w.other.Token).WantError(400, "invalid_argument")
	e.Get("observations/rubric", w.parent.Token).WantError(403, "forbidden")
	// Another school still has the default.
	if got := e.Get("observations/rubric", e.School().Principal.Token).Want(http.StatusOK).Map(); got["version"] != 1.0 {
		t.Fatalf("another school's rubric %v", got)
	}

	// The old observation keeps its version, scores and total.
	kept := e.Get("observations/"+old, w.teacher.Token).Want(http.StatusOK).Map()
	if kept["rubric_version"] != 1.0 || kept["total"] != 85.0 || kept["max_total"] != 100.0 ||
		kept["scores"].(map[string]any)["objectives"] != 17.0 {
		t.Fatalf("old observation %v", kept)
	}
	// It is still corrected against version 1.
	e.Patch("observations/"+old, w.leader.Token, map[string]any{"scores": map[string]int{"design": 5, "delivery": 5,
		"effect": 5}}).WantError(400, "invalid_argument")
	e.Patch("observations/"+old, w.leader.Token, map[string]any{"scores": scores(16)}).Want(http.StatusOK)
	// New observations are scored on version 2: the old keys are refused, naming the fields.
	r := e.Post("observations", w.leader.Token, obsReq(w.teacher.ID, "2026-11-25", 16)).WantError(400, "invalid_argument")
	if f := r.ErrorFields(); f["scores.objectives"] == "" || f["scores.design"] == "" {
		t.Fatalf("fields %v", f)
	}
	req := with(obsReq(w.teacher.ID, "2026-11-25", 0), "scores", map[string]int{"design": 8, "delivery": 16, "effect": 16})
	e.Post("observations", w.leader.Token, with(req, "scores", map[string]int{"design": 11, "delivery": 16,
		"effect": 16})).WantError(400, "invalid_argument")
	created := e.Post("observations", w.leader.Token, req).Want(http.StatusCreated).Map()
	if created["rubric_version"] != 2.0 || created["total"] != 40.0 || created["max_total"] != 50.0 || created["rate"] != 0.8 {
		t.Fatalf("observation on version 2 %v", created)
	}
	// The report compares them by percentage: (80% + 80%) / 2, not (80 + 40) / 150.
	rep := e.Get("reports/observations?from=2026-11-01&to=2026-11-25", p).Want(http.StatusOK).Map()
	for _, it := range rep["items"].([]any) {
		row := it.(map[string]any)
		if row["staff"].(map[string]any)["id"] == w.teacher.ID && (row["received"] != 2.0 || row["average_rate"] != 0.8) {
			t.Fatalf("the teacher's row %v", row)
		}
	}
	audit := e.Get("audit?entity=rubric", p).Want(http.StatusOK).Items()
	if len(audit) != 1 || !strings.Contains(fmt.Sprint(audit[0]["changes"]), "教学设计") {
		t.Fatalf("rubric audit %v", audit)
	}
}

// An observation is overdue when the observed teacher has not acknowledged it within the school's
// reminders.observation_ack.after_days (default 7); the principal lists them.
func TestObservationOverdue(t *testing.T) {
	w := newObsWorld(t)
	e := w.e
	late := observe(e, w.leader.Token, obsReq(w.teacher.ID, "2026-11-24", 16))
	answered := observe(e, w.leader.Token, obsReq(w.other.ID, "2026-11-24", 16))
	e.Post("observations/"+answered+"/acknowledge", w.other.Token, map[string]string{"reflection": "提问设计还要更有层次"}).
		Want(http.StatusOK)
	ids := func(tok, q string) []string {
		var out []string
		for _, it := range e.Get("observations"+q, tok).Want(http.StatusOK).Items() {
			out = append(out, it["id"].(string))
		}
		return out
	}
	if got := ids(w.sc.Principal.Token, "?overdue=true"); len(got) != 0 {
		t.Fatalf("overdue at once: %v", got)
	}
	e.Clock.Advance(7*24*time.Hour - time.Minute)
	p := e.Relogin(w.sc.Principal)
	if got := ids(p, "?overdue=true"); len(got) != 0 {
		t.Fatalf("overdue before 7 days: %v", got)
	}
	e.Clock.Advance(2 * time.Minute)
	p = e.Relogin(w.sc.Principal)
	if got := ids(p, "?overdue=true"); len(got) != 1 || got[0] != late {
		t.Fatalf("overdue after 7 days: %v", got)
	}
	if got := ids(p, "?overdue=false"); len(got) != 1 || got[0] != answered {
		t.Fatalf("not overdue: %v", got)
	}
	if o := e.Get("observations/"+late, p).Want(http.StatusOK).Map(); o["overdue"] != true {
		t.Fatalf("overdue flag %v", o)
	}
	// The teacher sees their own overdue one; acknowledging it late is still allowed and ends it.
	teacher := e.Relogin(w.teacher)
	if got := ids(teacher, "?overdue=true"); len(got) != 1 {
		t.Fatalf("the teacher's overdue %v", got)
	}
	e.Post("observations/"+late+"/acknowledge", teacher, map[string]string{"reflection": "评价语言还可以更具体一些"}).Want(http.StatusOK)
	if got := ids(p, "?overdue=true"); len(got) != 0 {
		t.Fatalf("acknowledged but overdue: %v", got)
	}
	// The school sets the deadline: 3 days.
	w.sc.Principal.Token = p
	st := w.sc.Settings()
	st.Reminders.ObservationAck.AfterDays = 3
	w.sc.SetSettings(st)
	leader := e.Relogin(w.leader)
	fresh := observe(e, leader, obsReq(w.teacher.ID, "2026-12-02", 16))
	e.Clock.Advance(3*24*time.Hour + time.Minute)
	p = e.Relogin(w.sc.Principal)
	if got := ids(p, "?overdue=true"); len(got) != 1 || got[0] != fresh {
		t.Fatalf("overdue after 3 days: %v", got)
	}
	e.Get("observations?overdue=yes", p).WantError(400, "invalid_argument")
}

// Quotas are per term (settings.term) and per role, the largest of a person's roles; GET /observations
// answers the caller's given-vs-quota, and an observation of the last term does not count in this one.
func TestObservationQuota(t *testing.T) {
	e := apitest.New(t, apitest.WithNow(apitest.At("2026-05-11", "09:00")))
	sc := e.School() // its first term: 2026-02-01 to 2026-08-31
	both := sc.Staff("兼任老师", "leader", "teacher")
	teacher := sc.Teacher("任课老师")
	quota := func(tok string) map[string]any {
		return e.Get("observations", tok).Want(http.StatusOK).Map()["quota"].(map[string]any)
	}
	q := quota(both.Token)
	if q["quota"] != 20.0 || q["given"] != 0.0 || q["shortfall"] != 20.0 ||
		q["term"].(map[string]any)["start"] != "2026-02-01" || q["term"].(map[string]any)["end"] != "2026-08-31" {
		t.Fatalf("a leader who teaches: %v", q)
	}
	if q := quota(sc.Principal.Token); q["quota"] != 30.0 {
		t.Fatalf("the principal: %v", q)
	}
	if q := quota(teacher.Token); q["quota"] != 10.0 || q["shortfall"] != 10.0 {
		t.Fatalf("a teacher: %v", q)
	}
	observe(e, both.Token, obsReq(teacher.ID, "2026-05-08", 16))
	observe(e, both.Token, obsReq(teacher.ID, "2026-05-11", 16))
	if q := quota(both.Token); q["given"] != 2.0 || q["shortfall"] != 18.0 {
		t.Fatalf("after two: %v", q)
	}
	// The autumn term: what was given in spring no longer counts.
	e.Clock.Set(apitest.At("2026-09-08", "09:00"))
	p := e.Relogin(sc.Principal)
	sc.Principal.Token = p
	st := sc.Settings()
	st.Term.Start, st.Term.End = "2026-09-01", "2027-01-20"
	st.Observations.QuotaPerTerm["leader"] = 12
	sc.SetSettings(st)
	tok := e.Relogin(both)
	if q := quota(tok); q["given"] != 0.0 || q["quota"] != 12.0 || q["term"].(map[string]any)["start"] != "2026-09-01" {
		t.Fatalf("a new term: %v", q)
	}
	e.Post("observations", tok, obsReq(teacher.ID, "2026-08-31", 16)).WantError(400, "invalid_argument")
	observe(e, tok, obsReq(teacher.ID, "2026-09-07", 16))
	if q := quota(tok); q["given"] != 1.0 || q["shortfall"] != 11.0 {
		t.Fatalf("one this term: %v", q)
	}
	// The teacher's own quota is untouched by what they received.
	if q := quota(e.Relogin(teacher)); q["given"] != 0.0 {
		t.Fatalf("received counted as given: %v", q)
	}
	// The report of the spring term counts the spring ones.
	var rep struct {
		Items []struct {
			Staff struct {
				ID string `json:"id"`
			} `json:"staff"`
			Given, Quota, Shortfall int
		} `json:"items"`
	}
	e.Get("reports/observations?from=2026-02-01&to=2026-08-31", p).Want(http.StatusOK).JSON(&rep)
	for _, it := range rep.Items {
		if it.Staff.ID == both.ID && (it.Given != 2 || it.Quota != 12 || it.Shortfall != 10) {
			t.Fatalf("spring row %+v", it)
		}
	}
}
