package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"schoolcheck/api/apitest"
	"schoolcheck/service/jobs"
)

func TestObservationCreate(t *testing.T) {
	w := newObsWorld(t)
	e := w.e
	ph := photoID(e, w.leader.Token)
	var got map[string]any
	e.Post("observations", w.leader.Token, with(obsReq(w.teacher.ID, "2026-11-24", 17), "class_id", w.class.ID,
		"photo_ids", []string{ph})).Want(http.StatusCreated).JSON(&got)
	if got["total"] != 85.0 || got["max_total"] != 100.0 || got["rubric_version"] != 1.0 || got["rate"] != 0.85 ||
		got["acknowledged_at"] != nil || got["overdue"] != false || got["class"] != w.class.Label {
		t.Fatalf("observation %v", got)
	}
	if o := got["observer"].(map[string]any); o["id"] != w.leader.ID || o["name"] != "教导主任" {
		t.Fatalf("observer %v", o)
	}
	if tc := got["teacher"].(map[string]any); tc["id"] != w.teacher.ID || tc["name"] != "语文老师" {
		t.Fatalf("teacher %v", tc)
	}
	if p := got["photos"].([]any); len(p) != 1 {
		t.Fatalf("photos %v", p)
	}
	// The server computes the total: a client's "total" is ignored.
	id := e.Post("observations", w.other.Token, with(obsReq(w.teacher.ID, "2026-11-24", 10), "total", 100)).
		Want(http.StatusCreated).Map()
	if id["total"] != 50.0 {
		t.Fatalf("client total taken: %v", id["total"])
	}
	// The observed teacher, a leader and the observer read it; the audit trail has it.
	e.Get("observations/"+got["id"].(string), w.teacher.Token).Want(http.StatusOK)
	e.Get("observations/"+got["id"].(string), w.sc.Principal.Token).Want(http.StatusOK)
	audit := e.Get("audit?entity=observation&entity_id="+got["id"].(string), w.sc.Principal.Token).Want(http.StatusOK).Items()
	if len(audit) != 1 || audit[0]["action"] != "create" {
		t.Fatalf("audit %v", audit)
	}
}

// Every refusal of POST /observations, each leaving nothing behind.
func TestObservationRefusals(t *testing.T) {
	w := newObsWorld(t)
	e := w.e
	far := e.School()
	stranger, farClass := far.Teacher("外校老师"), far.Class(nil)
	e.WX.SetTextVerdict("违规评课词丙", "risky")
	base := obsReq(w.teacher.ID, "2026-11-24", 16)
	strangersPhoto := photoID(e, w.other.Token)
	over := scores(16)
	over["methods"] = 21
	missing := scores(16)
	delete(missing, "outcomes")
	extra := scores(16)
	extra["homework"] = 5
	negative := scores(16)
	negative["content"] = -1
	cases := []struct {
		name   string
		who    *apitest.User
		req    map[string]any
		status int
		code   string
		field  string
	}{
		{"score over its max", w.leader, with(base, "scores", over), 400, "invalid_argument", "scores.methods"},
		{"a key not scored", w.leader, with(base, "scores", missing), 400, "invalid_argument", "scores.outcomes"},
		{"a key not in the rubric", w.leader, with(base, "scores", extra), 400, "invalid_argument", "scores.homework"},
		{"a negative score", w.leader, with(base, "scores", negative), 400, "invalid_argument", "scores.content"},
		{"no scores", w.leader, with(base, "scores", nil), 400, "invalid_argument", "scores"},
		{"a fractional score", w.leader, with(base, "scores", map[string]any{"objectives": 15.5}), 400, "invalid_argument", ""},
		{"observing oneself", w.teacher, base, 422, "self_observation", ""},
		{"a teacher of another school", w.leader, with(base, "teacher_id", stranger.ID), 404, "not_found", ""},
		{"an unknown teacher", w.leader, with(base, "teacher_id", "nobody"), 404, "not_found", ""},
		{"no teacher", w.leader, with(base, "teacher_id", nil), 400, "invalid_argument", "teacher_id"},
		{"a class of another school", w.leader, with(base, "class_id", farClass.ID), 404, "not_found", ""},
		{"period 0", w.leader, with(base, "period", 0), 400, "invalid_argument", "period"},
		{"period 13", w.leader, with(base, "period", 13), 400, "invalid_argument", "period"},
		{"a future date", w.leader, with(base, "date", "2026-11-26"), 400, "invalid_argument", "date"},
		{"before the term", w.leader, with(base, "date", "2026-08-31"), 400, "invalid_argument", "date"},
		{"a malformed date", w.leader, with(base, "date", "2026/11/24"), 400, "invalid_argument", "date"},
		{"an unknown kind", w.leader, with(base, "kind", "casual"), 400, "invalid_argument", "kind"},
		{"no subject", w.leader, with(base, "subject", " "), 400, "invalid_argument", "subject"},
		{"no strengths", w.leader, with(base, "strengths", "  "), 400, "invalid_argument", "strengths"},
		{"empty praise", w.leader, with(base, "strengths", "很好很好很好"), 400, "invalid_argument", "strengths"},
		{"punctuation is no suggestion", w.leader, with(base, "suggestions", "好！！！！！。。。"), 400, "invalid_argument", "suggestions"},
		{"no suggestions", w.leader, with(base, "suggestions", nil), 400, "invalid_argument", "suggestions"},
		{"text too long", w.leader, with(base, "suggestions", strings.Repeat("建议多关注学生", 200)), 400, "invalid_argument", "suggestions"},
		{"risky text", w.leader, with(base, "suggestions", "建议注意违规评课词丙的问题"), 422, "content_rejected", ""},
		{"someone else's photo", w.leader, with(base, "photo_ids", []string{strangersPhoto}), 422, "invalid_photo", ""},
		{"a parent", w.parent, base, 403, "forbidden", ""},
		{"an inspector", e.Inspector(w.sc.Region), base, 403, "forbidden", ""},
		{"a lesson of another school", w.leader, with(base, "lesson_id", "nope"), 404, "not_found", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.For(t)
			before := e.Snapshot(w.sc.ID)
			r := e.Post("observations", tc.who.Token, tc.req).WantError(tc.status, tc.code)
			if tc.field != "" && r.ErrorFields()[tc.field] == "" {
				t.Fatalf("fields %v, want %s named", r.ErrorFields(), tc.field)
			}
			if diff := e.Snapshot(w.sc.ID).Diff(before); diff != "" {
				t.Fatalf("a refused observation changed the school: %s", diff)
			}
		})
	}
	// One record per observer, teacher, date and period.
	observe(e, w.leader.Token, base)
	e.Post("observations", w.leader.Token, base).WantError(http.StatusConflict, "already_recorded")
	observe(e, w.leader.Token, with(base, "period", 3))
	observe(e, w.other.Token, base)
}

// The observer corrects within 24 hours and before the acknowledgement; then the record is locked.
func TestObservationEdits(t *testing.T) {
	w := newObsWorld(t)
	e := w.e
	id := observe(e, w.leader.Token, obsReq(w.teacher.ID, "2026-11-24", 16))
	path := "observations/" + id
	got := e.Patch(path, w.leader.Token, map[string]any{"scores": scores(18), "suggestions": "板书设计可以更有条理一些",
		"period": 4}).Want(http.StatusOK).Map()
	if got["total"] != 90.0 || got["period"] != 4.0 || got["suggestions"] != "板书设计可以更有条理一些" {
		t.Fatalf("patched %v", got)
	}
	audit := e.Get("audit?entity=observation&entity_id="+id, w.sc.Principal.Token).Want(http.StatusOK).Items()
	if len(audit) != 2 || audit[0]["action"] != "update" {
		t.Fatalf("audit %v", audit)
	}
	if ch := audit[0]["changes"].(map[string]any); ch["total"] == nil || ch["suggestions"] == nil || ch["strengths"] != nil {
		t.Fatalf("audited changes %v", ch)
	}
	// Refused: bad scores, empty praise, someone else.
	bad := scores(18)
	bad["objectives"] = 25
	e.Patch(path, w.leader.Token, map[string]any{"scores": bad}).WantError(400, "invalid_argument")
	e.Patch(path, w.leader.Token, map[string]any{"strengths": "好好好好"}).WantError(400, "invalid_argument")
	e.Patch(path, w.leader.Token, map[string]any{"date": "2026-12-01"}).WantError(400, "invalid_argument")
	e.Patch(path, w.teacher.Token, map[string]any{"topic": "改"}).WantError(403, "forbidden")
	e.Patch(path, w.sc.Principal.Token, map[string]any{"topic": "改"}).WantError(403, "forbidden")
	e.Patch(path, w.other.Token, map[string]any{"topic": "改"}).WantError(404, "not_found")
	e.Patch(path, w.parent.Token, map[string]any{"topic": "改"}).WantError(403, "forbidden")
	// After 24 hours: locked.
	e.Clock.Advance(24*time.Hour + time.Minute)
	leader := e.Relogin(w.leader)
	e.Patch(path, leader, map[string]any{"topic": "改"}).WantError(http.StatusConflict, "record_locked")
	// Before 24 hours but acknowledged: locked too.
	e.Clock.Set(apitest.DefaultNow)
	id2 := observe(e, w.leader.Token, obsReq(w.teacher.ID, "2026-11-23", 16))
	e.Post("observations/"+id2+"/acknowledge", w.teacher.Token, map[string]string{"reflection": "课堂节奏偏快，下次给学生留足思考时间"}).
		Want(http.StatusOK)
	e.Patch("observations/"+id2, w.leader.Token, map[string]any{"topic": "改"}).WantError(http.StatusConflict, "record_locked")
}

// Only the observed teacher acknowledges, once, with a reflection of substance; the observer sees it.
func TestObservationAcknowledge(t *testing.T) {
	w := newObsWorld(t)
	e := w.e
	id := observe(e, w.leader.Token, obsReq(w.teacher.ID, "2026-11-24", 16))
	path := "observations/" + id + "/acknowledge"
	reflection := map[string]string{"reflection": "朗读指导还不够细，下次先示范再分组练习"}
	e.Post(path, w.leader.Token, reflection).WantError(403, "forbidden")       // the observer
	e.Post(path, w.sc.Principal.Token, reflection).WantError(403, "forbidden") // a leader
	e.Post(path, w.other.Token, reflection).WantError(404, "not_found")        // another teacher
	e.Post(path, w.parent.Token, reflection).WantError(403, "forbidden")       // a parent
	e.Post(path, w.teacher.Token, map[string]string{}).WantError(400, "invalid_argument")
	e.Post(path, w.teacher.Token, map[string]string{"reflection": "收到收到"}).WantError(400, "invalid_argument")
	got := e.Post(path, w.teacher.Token, reflection).Want(http.StatusOK).Map()
	if got["acknowledged_at"] == nil || got["reflection"] != reflection["reflection"] {
		t.Fatalf("acknowledged %v", got)
	}
	e.Post(path, w.teacher.Token, reflection).WantError(http.StatusConflict, "conflict")
	seen := e.Get("observations/"+id, w.leader.Token).Want(http.StatusOK).Map()
	if seen["reflection"] != reflection["reflection"] || seen["acknowledged_at"] == nil {
		t.Fatalf("the observer does not see the reflection: %v", seen)
	}
}

// A teacher sees what they gave or received; leaders the school's, with filters; nobody else's school.
func TestObservationLists(t *testing.T) {
	w := newObsWorld(t)
	e := w.e
	third := w.sc.Teacher("英语老师")
	given := observe(e, w.teacher.Token, with(obsReq(w.other.ID, "2026-11-20", 15), "subject", "数学", "kind", "open"))
	received := observe(e, w.leader.Token, obsReq(w.teacher.ID, "2026-11-24", 16))
	unrelated := observe(e, w.leader.Token, with(obsReq(third.ID, "2026-11-24", 16), "subject", "英语"))
	ids := func(r *apitest.Response) []string {
		var out []string
		for _, it := range r.Items() {
			out = append(out, it["id"].(string))
		}
		return out
	}
	if got := ids(e.Get("observations", w.teacher.Token).Want(http.StatusOK)); len(got) != 2 || got[0] != received || got[1] != given {
		t.Fatalf("a teacher's list %v", got)
	}
	e.Get("observations/"+unrelated, w.teacher.Token).WantError(404, "not_found")
	leader := w.sc.Principal.Token
	for q, want := range map[string][]string{
		"":                               {unrelated, received, given},
		"?teacher_id=" + w.teacher.ID:    {received},
		"?observer_id=" + w.teacher.ID:   {given},
		"?subject=英语":                    {unrelated},
		"?kind=open":                     {given},
		"?from=2026-11-21&to=2026-11-24": {unrelated, received},
		"?to=2026-11-20":                 {given},
		"?limit=2":                       {unrelated, received},
		"?teacher_id=" + w.teacher.ID + "&kind=open": nil,
	} {
		if got := ids(e.Get("observations"+q, leader).Want(http.StatusOK)); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("GET observations%s = %v, want %v", q, got, want)
		}
	}
	page := e.Get("observations?limit=2", leader).Want(http.StatusOK)
	next := page.Str("next_cursor")
	if rest := ids(e.Get("observations?limit=2&cursor="+next, leader).Want(http.StatusOK)); len(rest) != 1 || rest[0] != given {
		t.Fatalf("second page %v", rest)
	}
	e.Get("observations?cursor=forged", leader).WantError(400, "invalid_argument")
	e.Get("observations?kind=casual", leader).WantError(400, "invalid_argument")
	e.Get("observations?from=2026-11-25&to=2026-11-01", leader).WantError(400, "invalid_argument")
	e.Get("observations", w.parent.Token).WantError(403, "forbidden")
	e.Get("observations", e.Inspector(w.sc.Region).Token).WantError(403, "forbidden")
	other := e.School()
	if got := e.Get("observations", other.Principal.Token).Want(http.StatusOK).Items(); len(got) != 0 {
		t.Fatalf("another school lists %v", got)
	}
}

// The evaluation and the reflection go through WeChat's content check; while WeChat is down they are kept
// as pending and checked again by the module's job, and text found risky later is hidden from everyone but
// its author.
func TestObservationModeration(t *testing.T) {
	w := newObsWorld(t)
	e := w.e
	t.Cleanup(func() { e.WX.SetDown(false) })
	e.WX.SetTextVerdict("评课待审词丁", "review")
	e.WX.SetTextVerdict("评课违规词戊", "risky")
	review := observe(e, w.leader.Token, with(obsReq(w.teacher.ID, "2026-11-24", 16), "strengths", "导入自然，评课待审词丁"))
	if got := e.Get("observations/"+review, w.sc.Principal.Token).Want(http.StatusOK).Map(); got["moderation"] != "review" {
		t.Fatalf("review not shown to leaders: %v", got)
	}
	if got := e.Get("observations/"+review, w.teacher.Token).Want(http.StatusOK).Map(); got["moderation"] != nil {
		t.Fatalf("moderation shown to a teacher: %v", got)
	}
	e.WX.SetDown(true)
	pending := observe(e, w.leader.Token, with(obsReq(w.teacher.ID, "2026-11-23", 16), "suggestions", "板书还可以改进，评课违规词戊"))
	e.Post("observations/"+review+"/acknowledge", w.teacher.Token, map[string]string{"reflection": "我会反思评课违规词戊这一点"}).
		Want(http.StatusOK)
	e.WX.SetDown(false)
	if got := e.Get("observations/"+pending, w.sc.Principal.Token).Want(http.StatusOK).Map(); got["moderation"] != "pending" {
		t.Fatalf("kept as pending: %v", got)
	}
	// The module's job (run directly: the scheduler's slot at this clock may have been taken by another
	// test's pass over the shared database).
	if !slices.ContainsFunc(e.App.Jobs(), func(j jobs.Job) bool { return j.Name == "observations.moderation_recheck" }) {
		t.Fatal("the recheck job is not scheduled")
	}
	if n, err := e.App.Observations.RecheckModeration(context.Background()); err != nil || n < 2 {
		t.Fatalf("rechecked %d: %v", n, err)
	}
	got := e.Get("observations/"+pending, w.teacher.Token).Want(http.StatusOK).Map()
	if strings.Contains(got["suggestions"].(string), "板书") {
		t.Fatalf("risky text still shown to the teacher: %v", got)
	}
	if own := e.Get("observations/"+pending, w.leader.Token).Want(http.StatusOK).Map(); !strings.Contains(own["suggestions"].(string), "板书") {
		t.Fatalf("the observer lost their own text: %v", own)
	}
	if got := e.Get("observations/"+review, w.leader.Token).Want(http.StatusOK).Map(); strings.Contains(got["reflection"].(string), "反思") {
		t.Fatalf("a risky reflection still shown to the observer: %v", got)
	}
	e.Post("observations", w.leader.Token, with(obsReq(w.teacher.ID, "2026-11-20", 16), "strengths", "很有特色，评课违规词戊")).
		WantError(422, "content_rejected")
}
