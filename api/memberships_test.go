package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"schoolcheck/api/apitest"
)

// me is the part of GET /me the identity tests read.
type me struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Roles   []string `json:"roles"`
	School  *ref     `json:"school"`
	Region  *ref     `json:"region"`
	Classes []struct {
		ID       string `json:"id"`
		Relation string `json:"relation"`
	} `json:"classes"`
	Memberships []struct {
		School  *ref     `json:"school"`
		Region  *ref     `json:"region"`
		Roles   []string `json:"roles"`
		Current bool     `json:"current"`
	} `json:"memberships"`
}

type ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func getMe(e *apitest.Env, token string) me {
	e.T.Helper()
	var m me
	e.Get("me", token).Want(http.StatusOK).JSON(&m)
	return m
}

// membershipRoles maps each membership (by school or region id) to its roles, and names the current one.
func (m me) membershipRoles() (map[string]string, string) {
	out, current := map[string]string{}, ""
	for _, ms := range m.Memberships {
		id := ""
		if ms.School != nil {
			id = ms.School.ID
		} else if ms.Region != nil {
			id = ms.Region.ID
		}
		out[id] = strings.Join(ms.Roles, ",")
		if ms.Current {
			current = id
		}
	}
	return out, current
}

func joinClass(e *apitest.Env, token, code string) string {
	e.T.Helper()
	return e.Post("auth/join", token, map[string]string{"invite_code": code, "relation": "father", "consent_version": "v1"}).
		Want(http.StatusOK).Str("token")
}

func switchTo(e *apitest.Env, token string, body map[string]string) *apitest.Response {
	return e.Post("auth/switch", token, body)
}

// One person through three memberships: a teacher in school A whose child is in school B, and then a
// second child in school A. Each token acts in one membership and sees nothing of the other.
func TestMembershipsWalk(t *testing.T) {
	e := newEnv(t)
	a, b := e.School(), e.School()
	teacher := a.Teacher("两校家长")
	classA, classB := a.Class(nil), b.Class(nil)
	otherB := b.Parent(classB) // another parent of B, whose feedback this person must never see

	// Joining B's class: B is current, A is still there.
	tokB := joinClass(e, teacher.Token, classB.InviteCode)
	m := getMe(e, tokB)
	roles, current := m.membershipRoles()
	if current != b.ID || m.School == nil || m.School.ID != b.ID || !slices.Equal(m.Roles, []string{"parent"}) ||
		roles[a.ID] != "teacher" || roles[b.ID] != "parent" || len(m.Memberships) != 2 {
		t.Fatalf("after joining B: %+v", m)
	}
	if len(m.Classes) != 1 || m.Classes[0].ID != classB.ID || m.ID == teacher.ID || m.Name != classB.Label+"家长" {
		t.Fatalf("in B the person is a parent of B's class only, by class label: %+v", m)
	}
	// In B: a parent, nothing of the A roster. Feedback for the child's class is accepted (it was refused).
	e.Get("staff", tokB).WantError(http.StatusForbidden, "forbidden")
	if items := e.Get("classes", tokB).Want(http.StatusOK).Items(); len(items) != 1 || items[0]["id"] != classB.ID {
		t.Fatalf("classes in B: %v", items)
	}
	e.Post("feedback", otherB.Token, map[string]any{"category": "taste", "content": "别人的反馈"}).Want(http.StatusCreated)
	fbB := e.Post("feedback", tokB, map[string]any{"category": "taste", "content": "B 校的反馈"}).Want(http.StatusCreated).Str("id")
	e.Post("attendance/punches", tokB, map[string]any{"kind": "in", "lat": 28.68, "lng": 115.85, "accuracy_m": 10}).
		WantError(http.StatusForbidden, "forbidden")
	// B's principal lists the link, and a parent B can see, not A's teacher.
	for _, it := range e.Get("classes/"+classB.ID+"/parents", b.Principal.Token).Want(http.StatusOK).Items() {
		if it["id"] == teacher.ID || it["id"] == teacher.AccountID {
			t.Fatalf("school B sees the person's A staff id or account id: %v", it)
		}
	}
	// The old token still acts in A, as a teacher only: no parent role there yet.
	if m := getMe(e, teacher.Token); m.School.ID != a.ID || !slices.Equal(m.Roles, []string{"teacher"}) {
		t.Fatalf("the A token after joining B: %+v", m)
	}
	e.Post("feedback", teacher.Token, map[string]any{"category": "taste", "content": "x"}).WantError(http.StatusForbidden, "forbidden")

	// A child in A too: A is current, teacher and parent there; B is untouched.
	tokA := joinClass(e, tokB, classA.InviteCode)
	m = getMe(e, tokA)
	roles, current = m.membershipRoles()
	if current != a.ID || !slices.Equal(m.Roles, []string{"teacher", "parent"}) || roles[b.ID] != "parent" ||
		len(m.Memberships) != 2 || len(m.Classes) != 1 || m.Classes[0].ID != classA.ID {
		t.Fatalf("after joining A: %+v", m)
	}
	fbA := e.Post("feedback", tokA, map[string]any{"category": "hygiene", "content": "A 校的反馈"}).Want(http.StatusCreated).Str("id")
	if items := e.Get("feedback", tokA).Want(http.StatusOK).Items(); len(items) != 1 || items[0]["id"] != fbA {
		t.Fatalf("feedback in A shows another membership's: %v", items)
	}
	e.Get("feedback/"+fbB, tokA).WantError(http.StatusNotFound, "not_found")
	if items := e.Get("feedback", a.Principal.Token).Want(http.StatusOK).Items(); len(items) != 1 || items[0]["id"] != fbA {
		t.Fatalf("school A's leaders see: %v", items)
	}

	// Switching back to B: B's feedback only, B's class only; A's staff list refused.
	tokB2 := switchTo(e, tokA, map[string]string{"school_id": b.ID}).Want(http.StatusOK).Str("token")
	if items := e.Get("feedback", tokB2).Want(http.StatusOK).Items(); len(items) != 1 || items[0]["id"] != fbB {
		t.Fatalf("feedback in B after switching: %v", items)
	}
	e.Get("feedback/"+fbA, tokB2).WantError(http.StatusNotFound, "not_found")
	e.Get("staff", tokB2).WantError(http.StatusForbidden, "forbidden")
	if m := getMe(e, tokB2); m.School.ID != b.ID || len(m.Classes) != 1 || m.Classes[0].ID != classB.ID {
		t.Fatalf("me after switching to B: %+v", m)
	}
	// The choice is remembered: a new login starts in B.
	e.WX.AddCode("again-"+teacher.OpenID, teacher.OpenID, "")
	relog := e.Post("auth/login", "", map[string]string{"code": "again-" + teacher.OpenID}).Want(http.StatusOK).Str("token")
	if m := getMe(e, relog); m.School.ID != b.ID {
		t.Fatalf("a new login starts in %v, want B (the last chosen)", m.School)
	}

	// Not a membership: 404; a malformed switch: 400.
	c := e.School()
	switchTo(e, tokA, map[string]string{"school_id": c.ID}).WantError(http.StatusNotFound, "not_found")
	switchTo(e, tokA, map[string]string{"region_id": "no-such-region"}).WantError(http.StatusNotFound, "not_found")
	switchTo(e, tokA, map[string]string{}).WantError(http.StatusBadRequest, "invalid_argument")
	switchTo(e, tokA, map[string]string{"school_id": a.ID, "region_id": "x"}).WantError(http.StatusBadRequest, "invalid_argument")
	switchTo(e, "", map[string]string{"school_id": a.ID}).WantError(http.StatusUnauthorized, "unauthenticated")

	// Removal ends that membership only: the B token is refused, A still works, and switching away works.
	e.Delete("classes/"+classB.ID+"/parents/"+e.LinkID(teacher.AccountID, classB.ID), b.Principal.Token).
		Want(http.StatusNoContent)
	e.Get("me", tokB2).WantError(http.StatusForbidden, "not_bound")
	e.Get("me", tokA).Want(http.StatusOK)
	switchTo(e, tokB2, map[string]string{"school_id": b.ID}).WantError(http.StatusNotFound, "not_found")
	back := switchTo(e, tokB2, map[string]string{"school_id": a.ID}).Want(http.StatusOK).Str("token")
	if m := getMe(e, back); len(m.Memberships) != 1 || m.School.ID != a.ID {
		t.Fatalf("after removal from B: %+v", m)
	}
}

// An inspector whose child is in a school of another region: the region and the school are two
// memberships; the region's reports never run as the parent, nor feedback as the inspector.
func TestInspectorWhoIsAParent(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	region := "督导区" + sc.ID[len(sc.ID)-6:]
	insp := e.Inspector(region)
	class := sc.Class(nil)
	tokSchool := joinClass(e, insp.Token, class.InviteCode)
	m := getMe(e, tokSchool)
	roles, current := m.membershipRoles()
	if current != sc.ID || len(m.Memberships) != 2 || !slices.Equal(m.Roles, []string{"parent"}) {
		t.Fatalf("inspector who joined a class: %+v", m)
	}
	var regionID string
	for id, r := range roles {
		if r == "inspector" {
			regionID = id
		}
	}
	if regionID == "" {
		t.Fatalf("no region membership: %+v", m)
	}
	e.Get("reports/meals?month=2026-11&school_id="+sc.ID, tokSchool).WantError(http.StatusForbidden, "forbidden")
	tokRegion := switchTo(e, tokSchool, map[string]string{"region_id": regionID}).Want(http.StatusOK).Str("token")
	m = getMe(e, tokRegion)
	if !slices.Equal(m.Roles, []string{"inspector"}) || m.School != nil || m.Region == nil || m.Region.ID != regionID {
		t.Fatalf("the region membership: %+v", m)
	}
	e.Post("feedback", tokRegion, map[string]any{"category": "taste", "content": "x"}).WantError(http.StatusForbidden, "forbidden")
}

// bindPhone binds a login with phone (optionally naming the school to act in) and returns the response.
func bindPhone(e *apitest.Env, token, phone string, extra ...string) *apitest.Response {
	e.T.Helper()
	pc := "pc-" + apitest.Phone()
	e.WX.AddPhoneCode(pc, phone)
	body := map[string]string{"phone_code": pc}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i]] = extra[i+1]
	}
	return e.Post("auth/bind-phone", token, body)
}

func addStaff(e *apitest.Env, sc *apitest.School, name, phone string, roles ...string) string {
	e.T.Helper()
	if len(roles) == 0 {
		roles = []string{"teacher"}
	}
	return e.Post("staff", sc.Principal.Token, map[string]any{"name": name, "phone": phone, "roles": roles}).
		Want(http.StatusCreated).Str("id")
}

// A school that puts someone's phone on its roster first cannot capture them: binding binds every
// matching entry nobody else holds, the most recently added one is current unless the person names one,
// and 409 already_bound only when every match is held by another account.
func TestBindBindsEveryUnheldEntry(t *testing.T) {
	e := newEnv(t)
	x, y := e.School(), e.School()
	phone := apitest.Phone()
	addStaff(e, x, "被抢的老师", phone)      // school X adds the phone first
	yID := addStaff(e, y, "真老师", phone) // the real school adds it later
	tok, _ := e.Login()
	r := bindPhone(e, tok, phone).Want(http.StatusOK)
	m := getMe(e, r.Str("token"))
	roles, current := m.membershipRoles()
	if current != y.ID || m.ID != yID || roles[x.ID] != "teacher" || roles[y.ID] != "teacher" {
		t.Fatalf("binding should bind both, the most recent current: %+v", m)
	}
	for _, sc := range []*apitest.School{x, y} {
		for _, st := range e.Get("staff?limit=100", sc.Principal.Token).Items() {
			if st["phone"] == phone && st["bound"] != true {
				t.Fatalf("the entry in %s is not bound: %v", sc.Name, st)
			}
		}
	}
	// Naming the school picks it; a school without the phone is not_in_roster.
	tok2 := bindPhone(e, tok, phone, "school_id", x.ID).Want(http.StatusOK).Str("token")
	if m := getMe(e, tok2); m.School.ID != x.ID {
		t.Fatalf("asked for X, got %+v", m.School)
	}
	bindPhone(e, tok, phone, "school_id", e.School().ID).WantError(http.StatusNotFound, "not_in_roster")

	// The number passes to someone else (another WeChat): a third school adding it is bindable by them,
	// X and Y stay with the first account; once every match is held, 409 already_bound.
	z := e.School()
	zID := addStaff(e, z, "新号主", phone)
	other, _ := e.Login()
	if m := getMe(e, bindPhone(e, other, phone).Want(http.StatusOK).Str("token")); m.ID != zID || len(m.Memberships) != 1 {
		t.Fatalf("the other account binds Z's entry only: %+v", m)
	}
	third, _ := e.Login()
	bindPhone(e, third, phone).WantError(http.StatusConflict, "already_bound")

	// The same through /staff/import: a school importing the phone first captures nothing.
	phone2 := apitest.Phone()
	csv := "姓名,手机号,角色,学科\n导入的老师," + phone2 + ",教师,数学\n"
	e.Upload("staff/import", x.Principal.Token, "file", "roster.csv", []byte(csv), nil, nil).Want(http.StatusOK)
	y2 := addStaff(e, y, "真老师二", phone2)
	tok3, _ := e.Login()
	if m := getMe(e, bindPhone(e, tok3, phone2).Want(http.StatusOK).Str("token")); m.ID != y2 || len(m.Memberships) != 2 {
		t.Fatalf("after an import elsewhere: %+v", m)
	}

	// One identity per school: a second phone of the same person on one roster is not bound to them.
	phone3 := apitest.Phone()
	addStaff(e, y, "同一人另一个号", phone3)
	bindPhone(e, tok3, phone3).WantError(http.StatusConflict, "conflict")
}

// An idempotency key is the account's, but a response is its membership's: the same key and body sent in
// another membership is not a replay of the first school's answer.
func TestIdempotencyKeyDoesNotCrossMemberships(t *testing.T) {
	e := newEnv(t)
	a, b := e.School(), e.School()
	parent := b.Parent(b.Class(nil))
	tokA := joinClass(e, parent.Token, a.Class(nil).InviteCode)
	post := func(tok string) *apitest.Response {
		return e.Do(apitest.Req{Method: "POST", Path: "feedback", Token: tok, Body: map[string]any{"category": "taste",
			"content": "同一条"}, Headers: map[string]string{"Idempotency-Key": "fb-" + parent.AccountID}})
	}
	first := post(tokA).Want(http.StatusCreated)
	if again := post(tokA).Want(http.StatusCreated); string(again.Body) != string(first.Body) {
		t.Fatal("a replay in the same membership differs")
	}
	post(parent.Token).WantError(http.StatusUnprocessableEntity, "idempotency_key_reused")
	if items := e.Get("feedback", parent.Token).Want(http.StatusOK).Items(); len(items) != 0 {
		t.Fatalf("school B shows school A's feedback: %v", items)
	}
}
