package api_test

import (
	"net/http"
	"testing"
	"time"

	"schoolcheck/api/apitest"
)

// Open lessons: announced by a leader or by the teacher giving it, listed for staff in the order they are
// given, signed up to once by anyone but the teacher; an observation naming one takes its details, and the
// lesson shows who came and who filed an observation.
func TestOpenLessons(t *testing.T) {
	w := newObsWorld(t)
	e := w.e
	far := e.School()
	// The teacher announces their own lesson (teacher_id defaults to the caller).
	own := e.Post("observations/lessons", w.teacher.Token, with(lessonReq("", "2026-11-27"), "teacher_id", nil,
		"class_id", w.class.ID)).Want(http.StatusCreated).Map()
	if own["teacher"].(map[string]any)["id"] != w.teacher.ID || own["observers"] != 0.0 || own["observations"] != 0.0 ||
		own["class"] != w.class.Label || own["kind"] != "open" || own["room"] != "录播教室" {
		t.Fatalf("announced %v", own)
	}
	lesson := own["id"].(string)
	// A leader announces one for a teacher; a teacher may not announce another's.
	byLeader := e.Post("observations/lessons", w.leader.Token, with(lessonReq(w.other.ID, "2026-11-26"), "kind", "demo")).
		Want(http.StatusCreated).Str("id")
	refusals := []struct {
		name   string
		who    *apitest.User
		req    map[string]any
		status int
		code   string
	}{
		{"a teacher for another", w.teacher, lessonReq(w.other.ID, "2026-11-28"), 403, "forbidden"},
		{"a parent", w.parent, lessonReq(w.teacher.ID, "2026-11-28"), 403, "forbidden"},
		{"an inspector", e.Inspector(w.sc.Region), lessonReq(w.teacher.ID, "2026-11-28"), 403, "forbidden"},
		{"a teacher of another school", w.leader, lessonReq(far.Principal.ID, "2026-11-28"), 404, "not_found"},
		{"a class of another school", w.leader, with(lessonReq(w.teacher.ID, "2026-11-28"), "class_id", far.Class(nil).ID), 404, "not_found"},
		{"a past date", w.leader, lessonReq(w.teacher.ID, "2026-11-24"), 400, "invalid_argument"},
		{"period 13", w.leader, with(lessonReq(w.teacher.ID, "2026-11-28"), "period", 13), 400, "invalid_argument"},
		{"a routine visit is not announced", w.leader, with(lessonReq(w.teacher.ID, "2026-11-28"), "kind", "routine"), 400, "invalid_argument"},
		{"no topic", w.leader, with(lessonReq(w.teacher.ID, "2026-11-28"), "topic", ""), 400, "invalid_argument"},
		{"the same teacher and period twice", w.leader, lessonReq(w.teacher.ID, "2026-11-27"), 409, "conflict"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			e.For(t).Post("observations/lessons", tc.who.Token, tc.req).WantError(tc.status, tc.code)
		})
	}
	// Staff list the coming lessons by date and period.
	items := e.Get("observations/lessons", w.other.Token).Want(http.StatusOK).Items()
	if len(items) != 2 || items[0]["id"] != byLeader || items[1]["id"] != lesson {
		t.Fatalf("coming lessons %v", items)
	}
	if got := e.Get("observations/lessons?limit=1", w.other.Token).Want(http.StatusOK); len(got.Items()) != 1 ||
		got.Str("next_cursor") == "" {
		t.Fatalf("first page %s", got.Body)
	} else if rest := e.Get("observations/lessons?limit=1&cursor="+got.Str("next_cursor"), w.other.Token).Items(); len(rest) != 1 ||
		rest[0]["id"] != lesson {
		t.Fatalf("second page %v", rest)
	}
	e.Get("observations/lessons", w.parent.Token).WantError(403, "forbidden")
	if got := e.Get("observations/lessons", far.Principal.Token).Want(http.StatusOK).Items(); len(got) != 0 {
		t.Fatalf("another school lists %v", got)
	}
	// Sign-ups: once, not the teacher giving it, not another school.
	signed := e.Post("observations/lessons/"+lesson+"/attend", w.other.Token, nil).Want(http.StatusOK).Map()
	if signed["observers"] != 1.0 || signed["signed_up"] != true {
		t.Fatalf("signed up %v", signed)
	}
	e.Post("observations/lessons/"+lesson+"/attend", w.leader.Token, nil).Want(http.StatusOK)
	e.Post("observations/lessons/"+lesson+"/attend", w.other.Token, nil).WantError(http.StatusConflict, "already_signed_up")
	e.Post("observations/lessons/"+lesson+"/attend", w.teacher.Token, nil).WantError(422, "self_observation")
	e.Post("observations/lessons/"+lesson+"/attend", w.parent.Token, nil).WantError(403, "forbidden")
	e.Post("observations/lessons/"+lesson+"/attend", far.Principal.Token, nil).WantError(404, "not_found")
	got := e.Get("observations/lessons/"+lesson, w.teacher.Token).Want(http.StatusOK).Map()
	if got["observers"] != 2.0 || got["signed_up"] != false || len(got["signups"].([]any)) != 2 {
		t.Fatalf("the teacher's view of the lesson %v", got)
	}
	// An observation of a lesson not given yet is refused; on the day, it takes the lesson's details.
	review := map[string]any{"lesson_id": lesson, "scores": scores(18), "strengths": "情境创设巧妙，学生动手操作充分",
		"suggestions": "总结环节稍显仓促，可以让学生自己归纳"}
	e.Post("observations", w.other.Token, review).WantError(400, "invalid_argument")
	e.Clock.Set(apitest.At("2026-11-27", "15:00"))
	other, teacher := e.Relogin(w.other), e.Relogin(w.teacher)
	obs := e.Post("observations", other, with(review, "teacher_id", w.leader.ID, "date", "2026-11-01")).
		Want(http.StatusCreated).Map()
	if obs["teacher"].(map[string]any)["id"] != w.teacher.ID || obs["date"] != "2026-11-27" || obs["period"] != 3.0 ||
		obs["subject"] != "数学" || obs["topic"] != "圆的面积" || obs["kind"] != "open" || obs["class_id"] != w.class.ID ||
		obs["lesson_id"] != lesson {
		t.Fatalf("observation of the lesson %v", obs)
	}
	e.Post("observations", teacher, review).WantError(422, "self_observation")
	e.Post("observations", other, review).WantError(http.StatusConflict, "already_recorded")
	got = e.Get("observations/lessons/"+lesson, teacher).Want(http.StatusOK).Map()
	if by := got["observed_by"].([]any); got["observations"] != 1.0 || len(by) != 1 || by[0].(map[string]any)["id"] != w.other.ID {
		t.Fatalf("the lesson's observations %v", got)
	}
	// The day after, it is over: no more sign-ups, and it is no longer among the coming ones.
	e.Clock.Advance(24 * time.Hour)
	leader := e.Relogin(w.leader)
	e.Post("observations/lessons/"+lesson+"/attend", e.Relogin(w.sc.Principal), nil).WantError(422, "too_late")
	if items := e.Get("observations/lessons", leader).Want(http.StatusOK).Items(); len(items) != 0 {
		t.Fatalf("past lessons listed as coming: %v", items)
	}
	if items := e.Get("observations/lessons?from=2026-11-01&to=2026-11-30", leader).Want(http.StatusOK).Items(); len(items) != 2 {
		t.Fatalf("lessons of November %v", items)
	}
	e.Get("observations/lessons/nope", leader).WantError(404, "not_found")
}
