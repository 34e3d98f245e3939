package api_test

import (
	"net/http"
	"strings"
	"testing"

	"schoolcheck/api/apitest"
	"schoolcheck/service/notify"
)

const subscribeSend = "/cgi-bin/message/subscribe/send"

// feedbackWorld is a school with a leader, a class with two parents, a teacher, and another school.
type feedbackWorld struct {
	e               *apitest.Env
	sc, other       *apitest.School
	leader, teacher *apitest.User
	parent, parent2 *apitest.User
	class           *apitest.Class
}

func newFeedbackWorld(t *testing.T) *feedbackWorld {
	e := mealEnv(t)
	w := &feedbackWorld{e: e, sc: e.School(), other: e.School()}
	w.leader, w.teacher = w.sc.Leader("韩主任"), w.sc.Teacher("杨老师")
	w.class = w.sc.Class(nil)
	w.parent, w.parent2 = w.sc.Parent(w.class), w.sc.Parent(w.class)
	t.Cleanup(func() { e.WX.SetDown(false); e.WX.SetErrcode(subscribeSend, 0, 0) })
	return w
}

func (w *feedbackWorld) create(content string) string {
	w.e.T.Helper()
	return w.e.Post("feedback", w.parent.Token, map[string]any{"category": "taste", "content": content}).
		Want(http.StatusCreated).Str("id")
}

func TestFeedbackThread(t *testing.T) {
	w := newFeedbackWorld(t)
	e := w.e
	photo := photoID(e, w.parent.Token)
	r := e.Post("feedback", w.parent.Token, map[string]any{"category": "quantity", "content": "  米饭有点少  ",
		"date": "2026-11-25", "meal": "lunch", "photo_ids": []string{photo}}).Want(http.StatusCreated)
	fb := r.Map()
	id := fb["id"].(string)
	if fb["status"] != "open" || fb["content"] != "米饭有点少" || fb["from"].(map[string]any)["label"] != w.class.Label+"家长" ||
		len(fb["replies"].([]any)) != 0 || len(fb["photos"].([]any)) != 1 {
		t.Fatalf("created %s", r.Body)
	}
	if _, ok := fb["flagged"]; ok {
		t.Fatal("a parent sees the moderation marker")
	}
	// Who sees it.
	e.Get("feedback/"+id, w.parent2.Token).WantError(http.StatusNotFound, "not_found")
	e.Get("feedback/"+id, w.teacher.Token).WantError(http.StatusForbidden, "forbidden")
	e.Get("feedback/"+id, w.other.Principal.Token).WantError(http.StatusNotFound, "not_found")
	if got := e.Get("feedback/"+id, w.leader.Token).Want(http.StatusOK).Map(); got["flagged"] != false || got["moderation"] != "pass" {
		t.Fatalf("leader view %v", got)
	}
	if items := e.Get("feedback", w.parent2.Token).Want(http.StatusOK).Items(); len(items) != 0 {
		t.Fatalf("another parent lists %v", items)
	}
	if items := e.Get("feedback?status=open", w.leader.Token).Want(http.StatusOK).Items(); len(items) != 1 {
		t.Fatalf("leader lists %v", items)
	}
	// The parent consents to one reply notice; the leader's reply uses it.
	sub := e.Post("subscriptions", w.parent.Token, map[string]any{"template": "feedback_reply", "count": 1}).
		Want(http.StatusCreated).Map()
	if sub["remaining"].(float64) != 1 {
		t.Fatalf("subscription %v", sub)
	}
	sent := len(e.WX.Sent())
	r = e.Post("feedback/"+id+"/replies", w.leader.Token, map[string]string{"content": "已通知食堂增加米饭供应，感谢反馈"}).
		Want(http.StatusCreated)
	e.Drain()
	if m := r.Map(); m["status"] != "replied" || len(m["replies"].([]any)) != 1 {
		t.Fatalf("after leader reply %s", r.Body)
	}
	msgs := e.WX.Sent()
	if len(msgs) != sent+1 || msgs[sent].ToUser != w.parent.OpenID || msgs[sent].TemplateID != "TPL_FEEDBACK_REPLY" ||
		!strings.HasPrefix(msgs[sent].Data["thing2"], "已通知食堂") || !strings.Contains(msgs[sent].Page, id) {
		t.Fatalf("subscribe messages %+v", msgs[sent:])
	}
	if subs := e.Get("subscriptions", w.parent.Token).Want(http.StatusOK).Items(); subs[0]["template"] != "feedback_reply" ||
		subs[0]["remaining"].(float64) != 0 {
		t.Fatalf("consent not used: %v", subs)
	}
	// Without a consent left, the next reply sends nothing (and still succeeds).
	e.Post("feedback/"+id+"/replies", w.leader.Token, map[string]string{"content": "补充说明"}).Want(http.StatusCreated)
	e.Drain()
	if len(e.WX.Sent()) != sent+1 {
		t.Fatal("a message was sent without a consent")
	}
	// The parent answers: open again; then closes it, satisfied.
	r = e.Post("feedback/"+id+"/replies", w.parent.Token, map[string]string{"content": "还是不够"}).Want(http.StatusCreated)
	if m := r.Map(); m["status"] != "open" || len(m["replies"].([]any)) != 3 {
		t.Fatalf("after parent reply %s", r.Body)
	}
	reps := r.Map()["replies"].([]any)
	if from := reps[0].(map[string]any)["from"].(map[string]any); from["label"] != "韩主任" || from["role"] != "leader" {
		t.Fatalf("leader reply from %v", from)
	}
	if from := reps[2].(map[string]any)["from"].(map[string]any); from["label"] != w.class.Label+"家长" || from["role"] != "parent" {
		t.Fatalf("parent reply from %v", from)
	}
	e.Post("feedback/"+id+"/replies", w.parent2.Token, map[string]string{"content": "我也是"}).WantError(404, "not_found")
	e.Post("feedback/"+id+"/replies", w.teacher.Token, map[string]string{"content": "收到"}).WantError(403, "forbidden")
	e.Post("feedback/"+id+"/replies", w.other.Principal.Token, map[string]string{"content": "收到"}).WantError(404, "not_found")
	e.Post("feedback/"+id+"/replies", w.leader.Token, map[string]string{"content": ""}).WantError(400, "invalid_argument")
	e.Post("feedback/"+id+"/close", w.leader.Token, map[string]any{"satisfied": true}).WantError(403, "forbidden")
	e.Post("feedback/"+id+"/close", w.parent2.Token, map[string]any{"satisfied": true}).WantError(404, "not_found")
	e.Post("feedback/"+id+"/close", w.parent.Token, map[string]any{}).WantError(400, "invalid_argument")
	r = e.Post("feedback/"+id+"/close", w.parent.Token, map[string]any{"satisfied": true}).Want(http.StatusOK)
	if m := r.Map(); m["status"] != "closed" || m["satisfied"] != true || m["closed_at"] == nil {
		t.Fatalf("closed %s", r.Body)
	}
	e.Post("feedback/"+id+"/close", w.parent.Token, map[string]any{"satisfied": false}).WantError(409, "feedback_closed")
	e.Post("feedback/"+id+"/replies", w.leader.Token, map[string]string{"content": "再补充"}).WantError(409, "feedback_closed")
	if audit := e.Get("audit?entity=feedback&entity_id="+id, w.sc.Principal.Token).Want(http.StatusOK).Items(); len(audit) != 2 {
		t.Fatalf("feedback audit %v", audit)
	}
}

func TestFeedbackRefusals(t *testing.T) {
	w := newFeedbackWorld(t)
	e := w.e
	meal := e.Post("meals", w.other.Principal.Token, mealReq("2026-11-25", photoID(e, w.other.Principal.Token))).
		Want(http.StatusCreated).Str("id")
	for _, c := range []struct {
		name   string
		token  string
		body   map[string]any
		status int
		code   string
	}{
		{"leader", w.leader.Token, map[string]any{"category": "taste", "content": "好"}, 403, "forbidden"},
		{"teacher", w.teacher.Token, map[string]any{"category": "taste", "content": "好"}, 403, "forbidden"},
		{"empty", w.parent.Token, map[string]any{"category": "taste", "content": "   "}, 400, "invalid_argument"},
		{"501 chars", w.parent.Token, map[string]any{"category": "taste", "content": strings.Repeat("咸", 501)}, 400, "invalid_argument"},
		{"category", w.parent.Token, map[string]any{"category": "noise", "content": "好"}, 400, "invalid_argument"},
		{"another school's meal", w.parent.Token, map[string]any{"category": "taste", "content": "好", "meal_id": meal}, 404, "not_found"},
		{"another parent's photo", w.parent.Token, map[string]any{"category": "taste", "content": "好",
			"photo_ids": []string{photoID(e, w.parent2.Token)}}, 422, "invalid_photo"},
	} {
		t.Run(c.name, func(t *testing.T) { e.Post("feedback", c.token, c.body).WantError(c.status, c.code) })
	}
	e.Post("feedback", w.parent.Token, map[string]any{"category": "taste", "content": strings.Repeat("咸", 500)}).
		Want(http.StatusCreated)
	e.Get("feedback?status=pending", w.leader.Token).WantError(400, "invalid_argument")
	e.Get("feedback", w.teacher.Token).WantError(403, "forbidden")
}

func TestFeedbackModeration(t *testing.T) {
	w := newFeedbackWorld(t)
	e := w.e
	e.WX.SetTextVerdict("违禁词甲", "risky")
	e.WX.SetTextVerdict("待审词乙", "review")
	before := e.Count("feedback", w.sc.ID)
	e.Post("feedback", w.parent.Token, map[string]any{"category": "other", "content": "这里有违禁词甲"}).
		WantError(422, "content_rejected")
	if e.Count("feedback", w.sc.ID) != before {
		t.Fatal("rejected feedback was stored")
	}
	review := w.create("这里有待审词乙")
	if got := e.Get("feedback/"+review, w.leader.Token).Want(http.StatusOK).Map(); got["flagged"] != true || got["moderation"] != "review" {
		t.Fatalf("review not flagged for leaders: %v", got)
	}
	// WeChat down: kept as pending, not lost; checked again by Maintain once WeChat answers.
	e.WX.SetDown(true)
	pending := w.create("食堂的汤太咸，后来发现违禁词甲")
	ok := w.create("今天的饭菜很好")
	e.WX.SetDown(false)
	if got := e.Get("feedback/"+pending, w.leader.Token).Want(http.StatusOK).Map(); got["moderation"] != "pending" ||
		!strings.Contains(got["content"].(string), "汤太咸") {
		t.Fatalf("pending feedback %v", got)
	}
	if err := e.RunJobs(); err != nil {
		t.Fatal(err)
	}
	got := e.Get("feedback/"+pending, w.leader.Token).Want(http.StatusOK).Map()
	if got["moderation"] != "rejected" || strings.Contains(got["content"].(string), "汤太咸") {
		t.Fatalf("risky after the fact is still shown to the school: %v", got)
	}
	if own := e.Get("feedback/"+pending, w.parent.Token).Want(http.StatusOK).Map(); !strings.Contains(own["content"].(string), "汤太咸") {
		t.Fatalf("the parent lost their own text: %v", own)
	}
	if got := e.Get("feedback/"+ok, w.leader.Token).Want(http.StatusOK).Map(); got["moderation"] != "pass" {
		t.Fatalf("recheck did not pass clean text: %v", got)
	}
	// Replies are checked too.
	e.Post("feedback/"+ok+"/replies", w.parent.Token, map[string]string{"content": "补充违禁词甲"}).WantError(422, "content_rejected")
}

func TestFeedbackSubscriptionRefusedOrFailing(t *testing.T) {
	w := newFeedbackWorld(t)
	e := w.e
	id := w.create("鸡蛋没熟")
	e.Post("subscriptions", w.parent.Token, map[string]any{"template": "feedback_reply", "count": 3}).Want(http.StatusCreated)
	// A send that fails for another reason gives the consent back; the reply stands.
	e.WX.SetErrcode(subscribeSend, 40003, 1)
	e.Post("feedback/"+id+"/replies", w.leader.Token, map[string]string{"content": "我们会检查"}).Want(http.StatusCreated)
	e.Drain()
	remaining := func() float64 {
		for _, s := range e.Get("subscriptions", w.parent.Token).Want(http.StatusOK).Items() {
			if s["template"] == "feedback_reply" {
				return s["remaining"].(float64)
			}
		}
		return -1
	}
	if n := remaining(); n != 3 {
		t.Fatalf("after a failed send %v consents, want 3", n)
	}
	// 43101: the user refused. Recorded, consents zeroed, not retried.
	calls := e.WX.Count(subscribeSend)
	e.WX.SetErrcode(subscribeSend, 43101, 1)
	e.Post("feedback/"+id+"/replies", w.leader.Token, map[string]string{"content": "已经整改"}).Want(http.StatusCreated)
	e.Drain()
	if n := e.WX.Count(subscribeSend); n != calls+1 {
		t.Fatalf("refused send tried %d times", n-calls)
	}
	subs := e.Get("subscriptions", w.parent.Token).Want(http.StatusOK).Items()
	if subs[0]["remaining"].(float64) != 0 || subs[0]["refused_at"] == nil {
		t.Fatalf("refusal not recorded: %v", subs[0])
	}
	e.Post("feedback/"+id+"/replies", w.leader.Token, map[string]string{"content": "请放心"}).Want(http.StatusCreated)
	e.Drain()
	if n := e.WX.Count(subscribeSend); n != calls+1 {
		t.Fatal("sent again after a refusal")
	}
	// A new consent clears the refusal.
	sub := e.Post("subscriptions", w.parent.Token, map[string]any{"template": "feedback_reply"}).Want(http.StatusCreated).Map()
	if sub["remaining"].(float64) != 1 || sub["refused_at"] != nil {
		t.Fatalf("new consent %v", sub)
	}
	e.Post("subscriptions", w.parent.Token, map[string]any{"template": "spam"}).WantError(400, "invalid_argument")
	e.Post("subscriptions", w.parent.Token, map[string]any{"template": "feedback_reply", "count": 11}).WantError(400, "invalid_argument")
	if subs := e.Get("subscriptions", w.leader.Token).Want(http.StatusOK).Items(); len(subs) != len(notify.Templates) || subs[0]["remaining"].(float64) != 0 {
		t.Fatalf("a leader's subscriptions %v", subs)
	}
}
