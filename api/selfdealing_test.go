package api_test

import (
	"net/http"
	"testing"

	"schoolcheck/api/apitest"
)

// A leader who is also a parent of the school writes feedback as a parent: they cannot answer it as a
// leader (which would count it answered and shorten the reply times inspectors read), nor close it as a
// leader; another leader answers it, and it counts in the report as written.
func TestLeaderCannotAnswerOwnFeedback(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	leader, other := sc.Leader("家长主任"), sc.Leader("另一位主任")
	class := sc.Class(nil)
	tok := joinClass(e, leader.Token, class.InviteCode)
	if m := getMe(e, tok); len(m.Roles) != 2 || m.Roles[0] != "leader" || m.Roles[1] != "parent" {
		t.Fatalf("a leader who joined a class: %+v", m)
	}
	id := e.Post("feedback", tok, map[string]any{"category": "taste", "content": "自己写的反馈"}).Want(http.StatusCreated).Str("id")
	e.Post("feedback/"+id+"/replies", tok, map[string]string{"content": "已处理"}).WantError(http.StatusForbidden, "forbidden")
	e.Post("feedback/"+id+"/close", tok, map[string]bool{"satisfied": true}).WantError(http.StatusForbidden, "forbidden")
	if fb := e.Get("feedback/"+id, tok).Want(http.StatusOK).Map(); fb["status"] != "open" || len(fb["replies"].([]any)) != 0 {
		t.Fatalf("refused answers changed the feedback: %v", fb)
	}
	var rep struct {
		Feedback struct {
			Received int `json:"received"`
			Open     int `json:"open"`
		} `json:"feedback"`
	}
	e.Get("reports/meals?month=2026-11", sc.Principal.Token).Want(http.StatusOK).JSON(&rep)
	if rep.Feedback.Received != 1 || rep.Feedback.Open != 1 {
		t.Fatalf("the leader's own feedback counts as written: %+v", rep.Feedback)
	}
	e.Post("feedback/"+id+"/replies", other.Token, map[string]string{"content": "收到"}).Want(http.StatusCreated)
	e.Get("reports/meals?month=2026-11", sc.Principal.Token).Want(http.StatusOK).JSON(&rep)
	if rep.Feedback.Received != 1 || rep.Feedback.Open != 0 {
		t.Fatalf("answered by another leader: %+v", rep.Feedback)
	}
}

// A teacher files a leave; later their entry is replaced by one with another phone and a leader's role,
// which the same WeChat binds. That person cannot decide their own leave under the new identity.
func TestOwnRequestUnderAnotherIdentity(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	teacher := sc.Teacher("将升任")
	leave := e.Post("attendance/leaves", teacher.Token, map[string]any{"type": "personal", "from": "2026-11-30",
		"to": "2026-11-30", "reason": "事"}).Want(http.StatusCreated).Str("id")
	e.Delete("staff/"+teacher.ID, sc.Principal.Token).Want(http.StatusNoContent)
	phone := apitest.Phone()
	addStaff(e, sc, "将升任", phone, "leader")
	tok := bindPhone(e, teacher.Token, phone).Want(http.StatusOK).Str("token")
	if m := getMe(e, tok); m.ID == teacher.ID || len(m.Roles) != 1 || m.Roles[0] != "leader" {
		t.Fatalf("the new identity: %+v", m)
	}
	e.Post("attendance/requests/"+leave+"/decision", tok, map[string]any{"approve": true, "comment": "准"}).
		WantError(http.StatusForbidden, "forbidden")
	e.Post("attendance/requests/"+leave+"/decision", sc.Principal.Token, map[string]any{"approve": true}).Want(http.StatusOK)
}
