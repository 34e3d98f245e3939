package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"schoolcheck/api/apitest"
)

// phoneSchool is a school with a class, its head teacher, another teacher, a leader and a parent of the
// class, as most phone-custody tests need.
type phoneSchool struct {
	*apitest.School
	Head, Other, Leader, Parent *apitest.User
	Class                       *apitest.Class
}

func newPhoneSchool(e *apitest.Env) *phoneSchool {
	e.T.Helper()
	sc := e.School()
	ps := &phoneSchool{School: sc, Head: sc.Teacher("陈老师"), Other: sc.Teacher("科任老师"), Leader: sc.Leader("德育主任")}
	ps.Class = sc.Class(ps.Head)
	ps.Parent = sc.Parent(ps.Class)
	return ps
}

// custodyReq is a PUT /classes/{id}/phone-custody body kept by keeper.
func custodyReq(keeper string) map[string]any {
	return map[string]any{"location": "班级手机柜", "method": "上课前统一收存，放学后发还", "keeper_id": keeper,
		"hotline": "0791-88881234"}
}

// relogin gives users fresh tokens after the clock moved past their lifetime.
func relogin(e *apitest.Env, users ...*apitest.User) {
	e.T.Helper()
	for _, u := range users {
		u.Token = e.Relogin(u)
	}
}

func TestPhoneCustody(t *testing.T) {
	e := newEnv(t)
	ps := newPhoneSchool(e)
	path := "classes/" + ps.Class.ID + "/phone-custody"
	// No arrangement yet: the class's staff and parents read that there is none.
	for _, u := range []*apitest.User{ps.Head, ps.Leader, ps.Principal, ps.Parent} {
		if m := e.Get(path, u.Token).Want(http.StatusOK).Map(); m["arranged"] != false || m["keeper"] != nil ||
			m["class_label"] != ps.Class.Label {
			t.Fatalf("%s reads %v", u.Name, m)
		}
	}
	// Every field at fault is named; the keeper must be on this school's active staff.
	r := e.Put(path, ps.Head.Token, map[string]any{"location": "", "method": "", "keeper_id": "", "hotline": "打电话"}).
		WantError(http.StatusBadRequest, "invalid_argument")
	wantFields(t, r, "location", "method", "keeper_id", "hotline")
	other := e.School()
	stranger := other.Teacher("外校老师")
	e.Put(path, ps.Head.Token, custodyReq(stranger.ID)).WantError(http.StatusBadRequest, "invalid_argument")
	// Rights: another teacher, a parent, an inspector 403; another school's principal 404.
	e.Put(path, ps.Other.Token, custodyReq(ps.Head.ID)).WantError(http.StatusForbidden, "forbidden")
	e.Put(path, ps.Parent.Token, custodyReq(ps.Head.ID)).WantError(http.StatusForbidden, "forbidden")
	e.Put(path, e.Inspector(ps.Region).Token, custodyReq(ps.Head.ID)).WantError(http.StatusForbidden, "forbidden")
	e.Put(path, other.Principal.Token, custodyReq(ps.Head.ID)).WantError(http.StatusNotFound, "not_found")

	// The head teacher sets it with themself as keeper; a leader later names a 生活老师.
	set := e.Put(path, ps.Head.Token, custodyReq(ps.Head.ID)).Want(http.StatusOK).Map()
	keeper, _ := set["keeper"].(map[string]any)
	if set["arranged"] != true || set["location"] != "班级手机柜" || set["hotline"] != "0791-88881234" ||
		keeper["id"] != ps.Head.ID || keeper["name"] != "陈老师" || keeper["role"] != "head_teacher" {
		t.Fatalf("arrangement %v", set)
	}
	life := ps.Teacher("生活老师")
	body := custodyReq(life.ID)
	body["hotline"] = "139 1234 5678 "
	set = e.Put(path, ps.Leader.Token, body).Want(http.StatusOK).Map()
	if keeper, _ = set["keeper"].(map[string]any); keeper["id"] != life.ID || keeper["role"] != "teacher" ||
		set["hotline"] != "13912345678" {
		t.Fatalf("arrangement %v", set)
	}
	// The keeper reads it whole; another teacher may not; the parent sees the keeper by name and role only.
	e.Get(path, life.Token).Want(http.StatusOK)
	e.Get(path, ps.Other.Token).WantError(http.StatusForbidden, "forbidden")
	raw := e.Get(path, ps.Parent.Token).Want(http.StatusOK)
	var view map[string]json.RawMessage
	raw.JSON(&view)
	if string(view["keeper"]) != `{"name":"生活老师","role":"teacher"}` {
		t.Fatalf("parent sees keeper %s", view["keeper"])
	}
	if _, ok := view["updated_by"]; ok || strings.Contains(string(raw.Body), life.ID) || strings.Contains(string(raw.Body), ps.Leader.ID) ||
		strings.Contains(string(raw.Body), life.Phone) {
		t.Fatalf("parent sees staff details: %s", raw.Body)
	}
	// Another class's parent, another school, an inspector read nothing.
	otherParent := ps.School.Parent(ps.School.Class(nil))
	e.Get(path, otherParent.Token).WantError(http.StatusForbidden, "forbidden")
	e.Get(path, other.Principal.Token).WantError(http.StatusNotFound, "not_found")
	e.Get(path, e.Inspector(ps.Region).Token).WantError(http.StatusForbidden, "forbidden")
	// Both changes are audited, the hotline masked.
	items := e.Get("audit?entity=phone_custody&entity_id="+ps.Class.ID, ps.Principal.Token).Want(http.StatusOK).Items()
	if len(items) != 2 || items[0]["action"] != "update" || items[1]["action"] != "create" {
		t.Fatalf("audit %v", items)
	}
	if changes, _ := json.Marshal(items[0]["changes"]); strings.Contains(string(changes), "13912345678") ||
		!strings.Contains(string(changes), "139****5678") {
		t.Fatalf("audit changes %s", changes)
	}
}

// The principal lists the classes without an arrangement.
func TestPhoneCustodyMissing(t *testing.T) {
	e := newEnv(t)
	ps := newPhoneSchool(e)
	bare := ps.School.Class(nil)
	e.Put("classes/"+ps.Class.ID+"/phone-custody", ps.Head.Token, custodyReq(ps.Head.ID)).Want(http.StatusOK)
	items := e.Get("classes/phone-custody/missing", ps.Principal.Token).Want(http.StatusOK).Items()
	if len(items) != 1 || items[0]["class_id"] != bare.ID || items[0]["class_label"] != bare.Label || items[0]["head_teacher"] != nil {
		t.Fatalf("missing %v", items)
	}
	e.Get("classes/phone-custody/missing", ps.Leader.Token).Want(http.StatusOK)
	for _, u := range []*apitest.User{ps.Head, ps.Parent} {
		e.Get("classes/phone-custody/missing", u.Token).WantError(http.StatusForbidden, "forbidden")
	}
	// Another school's list is its own.
	if items := e.Get("classes/phone-custody/missing", e.School().Principal.Token).Want(http.StatusOK).Items(); len(items) != 0 {
		t.Fatalf("another school lists %v", items)
	}
}

// The registered count is set by the head teacher or a leader, with its history; GET /classes shows the
// count in force today.
func TestPhonesRegistered(t *testing.T) {
	e := newEnv(t)
	e.Clock.Set(apitest.At("2026-11-02", "08:00"))
	ps := newPhoneSchool(e)
	path := "classes/" + ps.Class.ID + "/phones-registered"
	e.Put(path, ps.Head.Token, map[string]any{"count": 38}).Want(http.StatusOK)
	e.Clock.Set(apitest.At("2026-11-16", "08:00"))
	relogin(e, ps.Head, ps.Leader, ps.Other, ps.Parent, ps.Principal)
	var reg struct {
		Current int `json:"current"`
		Items   []struct {
			From  string                    `json:"from"`
			Count int                       `json:"count"`
			SetBy struct{ ID, Name string } `json:"set_by"`
		} `json:"items"`
	}
	e.Put(path, ps.Leader.Token, map[string]any{"count": 36}).Want(http.StatusOK).JSON(&reg)
	if reg.Current != 36 || len(reg.Items) != 2 || reg.Items[0].From != "2026-11-16" || reg.Items[1].From != "2026-11-02" ||
		reg.Items[1].Count != 38 || reg.Items[0].SetBy.ID != ps.Leader.ID {
		t.Fatalf("registrations %+v", reg)
	}
	// A missed change filed late, in force from an earlier date; the same date again replaces its step.
	e.Put(path, ps.Head.Token, map[string]any{"count": 37, "from": "2026-11-12"}).Want(http.StatusOK)
	e.Put(path, ps.Head.Token, map[string]any{"count": 39, "from": "2026-11-12"}).Want(http.StatusOK).JSON(&reg)
	if reg.Current != 36 || len(reg.Items) != 3 || reg.Items[1].From != "2026-11-12" || reg.Items[1].Count != 39 {
		t.Fatalf("registrations %+v", reg)
	}
	e.Get(path, ps.Head.Token).Want(http.StatusOK)
	for _, c := range e.Get("classes", ps.Principal.Token).Want(http.StatusOK).Items() {
		if c["id"] == ps.Class.ID && c["phones_registered"] != float64(36) {
			t.Fatalf("class shows %v", c["phones_registered"])
		}
	}
	// The rules: a count within the class, a date from a week back to today, not before the school opened.
	for _, body := range []map[string]any{{}, {"count": -1}, {"count": 41}, {"count": 3, "from": "11/16"}} {
		e.Put(path, ps.Head.Token, body).WantError(http.StatusBadRequest, "invalid_argument")
	}
	for _, from := range []string{"2026-11-17", "2026-11-08"} {
		e.Put(path, ps.Head.Token, map[string]any{"count": 3, "from": from}).WantError(http.StatusUnprocessableEntity, "too_late")
	}
	// Rights: another teacher and a parent 403, another school 404; they may not read it either.
	e.Put(path, ps.Other.Token, map[string]any{"count": 1}).WantError(http.StatusForbidden, "forbidden")
	e.Put(path, ps.Parent.Token, map[string]any{"count": 1}).WantError(http.StatusForbidden, "forbidden")
	e.Put(path, e.School().Principal.Token, map[string]any{"count": 1}).WantError(http.StatusNotFound, "not_found")
	e.Get(path, ps.Other.Token).WantError(http.StatusForbidden, "forbidden")
	e.Get(path, ps.Parent.Token).WantError(http.StatusForbidden, "forbidden")
	// Every step is audited under the class.
	if items := e.Get("audit?entity=phone_registration&entity_id="+ps.Class.ID, ps.Principal.Token).Want(http.StatusOK).Items(); len(items) != 4 {
		t.Fatalf("audit %v", items)
	}
}

func TestPhonesRegisteredBeforeOpening(t *testing.T) {
	e := newEnv(t)
	ps := newPhoneSchool(e) // opened today, 2026-11-25
	e.Put("classes/"+ps.Class.ID+"/phones-registered", ps.Head.Token, map[string]any{"count": 3, "from": "2026-11-24"}).
		WantError(http.StatusUnprocessableEntity, "too_late")
}
