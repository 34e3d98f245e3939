package api_test

import (
	"net/http"
	"os"
	"testing"

	"schoolcheck/api/apitest"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

func TestLogin(t *testing.T) {
	e := apitest.New(t)
	e.WX.AddCode("good-code-1", "oLoginGood1", "")
	r := e.Post("auth/login", "", map[string]string{"code": "good-code-1"}).Want(http.StatusOK)
	if r.Str("token") == "" || r.Map()["bound"] != false {
		t.Fatalf("want an unbound token: %s", r.Body)
	}
	// The code is single-use: WeChat answers 40163 for the second use.
	e.Post("auth/login", "", map[string]string{"code": "good-code-1"}).WantError(http.StatusUnauthorized, "invalid_code")
	e.Post("auth/login", "", map[string]string{"code": "never-issued"}).WantError(http.StatusUnauthorized, "invalid_code")
	e.Post("auth/login", "", map[string]string{}).WantError(http.StatusBadRequest, "invalid_argument")
	e.Post("auth/login", "", "{not json").WantError(http.StatusBadRequest, "invalid_argument")
	e.Post("auth/login", "", map[string]any{"code": 12}).WantError(http.StatusBadRequest, "invalid_argument")
}

func TestLoginWeChatDownWritesNothing(t *testing.T) {
	e := apitest.New(t)
	var before int64
	e.DB.Table("accounts").Count(&before)
	e.WX.AddCode("down-code", "oDown1", "")
	e.WX.SetDown(true)
	r := e.Post("auth/login", "", map[string]string{"code": "down-code"})
	e.WX.SetDown(false)
	r.WantError(http.StatusServiceUnavailable, "unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	var after int64
	e.DB.Table("accounts").Count(&after)
	if after != before {
		t.Fatalf("accounts %d -> %d: a failed login wrote a row", before, after)
	}
}

func TestUnboundTokenCanOnlyBind(t *testing.T) {
	e := apitest.New(t)
	tok, _ := e.Login()
	e.Get("me", tok).WantError(http.StatusForbidden, "not_bound")
	e.Get("staff", tok).WantError(http.StatusForbidden, "not_bound")
	e.Get("me", "").WantError(http.StatusUnauthorized, "unauthenticated")
	e.Get("me", "garbage.token.here").WantError(http.StatusUnauthorized, "unauthenticated")
}

func TestBindPhone(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	// In the roster.
	phone := apitest.Phone()
	e.Post("staff", sc.Principal.Token, map[string]any{"name": "刘老师", "phone": phone, "roles": []string{"teacher"}}).
		Want(http.StatusCreated)
	tok, _ := e.Login()
	tok2, id := e.BindPhone(tok, phone)
	me := e.Get("me", tok2).Want(http.StatusOK).Map()
	if me["id"] != id || me["name"] != "刘老师" {
		t.Fatalf("me after bind: %v", me)
	}
	// Already bound to that WeChat: another WeChat binding the same phone is 409.
	other, _ := e.Login()
	e.WX.AddPhoneCode("pc-again", phone)
	e.Post("auth/bind-phone", other, map[string]string{"phone_code": "pc-again"}).WantError(http.StatusConflict, "already_bound")
	// Not in any roster.
	e.WX.AddPhoneCode("pc-stranger", "13311112222")
	e.Post("auth/bind-phone", other, map[string]string{"phone_code": "pc-stranger"}).WantError(http.StatusNotFound, "not_in_roster")
	// A phone code WeChat rejects.
	e.Post("auth/bind-phone", other, map[string]string{"phone_code": "pc-unknown"}).WantError(http.StatusUnauthorized, "invalid_code")
}

func TestJoinByInvite(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	head := sc.Teacher("班主任")
	class := sc.Class(head)
	parent := sc.Parent(class)
	me := e.Get("me", parent.Token).Want(http.StatusOK).Map()
	if me["name"] != class.Label+"家长" {
		t.Fatalf("a parent is shown by class label, got %v", me["name"])
	}
	// Rotated: the old code stops working at once.
	r := e.Post("classes/"+class.ID+"/invite-code", sc.Principal.Token, nil).Want(http.StatusOK)
	newCode := r.Str("invite_code")
	if newCode == "" || newCode == class.InviteCode {
		t.Fatalf("rotation gave %q", newCode)
	}
	tok, _ := e.Login()
	join := func(code string) *apitest.Response {
		return e.Post("auth/join", tok, map[string]string{"invite_code": code, "relation": "father", "consent_version": "v1"})
	}
	join(class.InviteCode).WantError(http.StatusNotFound, "invalid_invite")
	join("ZZZZZZZZ").WantError(http.StatusNotFound, "invalid_invite")
	join(newCode).Want(http.StatusOK)
	e.Post("auth/join", tok, map[string]string{"invite_code": newCode, "relation": "uncle", "consent_version": "v1"}).
		WantError(http.StatusBadRequest, "invalid_argument")
}

func TestRemovalEndsAccessAtOnce(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	teacher := sc.Teacher("将离职")
	e.Get("me", teacher.Token).Want(http.StatusOK)
	e.Delete("staff/"+teacher.ID, sc.Principal.Token).Want(http.StatusNoContent)
	e.Get("me", teacher.Token).WantError(http.StatusForbidden, "not_bound")

	class := sc.Class(nil)
	parent := sc.Parent(class)
	e.Get("me", parent.Token).Want(http.StatusOK)
	e.Delete("classes/"+class.ID+"/parents/"+parent.LinkID, sc.Principal.Token).Want(http.StatusNoContent)
	e.Get("me", parent.Token).WantError(http.StatusForbidden, "not_bound")
}

// A teacher whose child is in a class of the school is both: one WeChat, one token, both roles.
func TestStaffWhoIsAlsoAParent(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	teacher := sc.Teacher("家长老师")
	c1, c2 := sc.Class(teacher), sc.Class(nil)
	for _, c := range []*apitest.Class{c1, c2} {
		e.Post("auth/join", teacher.Token, map[string]string{"invite_code": c.InviteCode, "relation": "father",
			"consent_version": "v1"}).Want(http.StatusOK)
	}
	var me struct {
		ID      string   `json:"id"`
		Roles   []string `json:"roles"`
		Classes []struct {
			ID       string `json:"id"`
			Relation string `json:"relation"`
		} `json:"classes"`
	}
	e.Get("me", teacher.Token).Want(http.StatusOK).JSON(&me)
	if me.ID != teacher.ID || len(me.Roles) != 2 || me.Roles[0] != "teacher" || me.Roles[1] != "parent" {
		t.Fatalf("roles of a teacher-parent: %+v", me)
	}
	if len(me.Classes) != 2 {
		t.Fatalf("want both classes (head teacher of one, parent in both), got %+v", me.Classes)
	}
	// Removing the parent link leaves the teacher a teacher.
	e.Delete("classes/"+c2.ID+"/parents/"+e.LinkID(teacher.AccountID, c2.ID), sc.Principal.Token).Want(http.StatusNoContent)
	e.Get("me", teacher.Token).Want(http.StatusOK).JSON(&me)
	if len(me.Roles) != 2 || len(me.Classes) != 1 {
		t.Fatalf("after unlinking one class: %+v", me)
	}
}
