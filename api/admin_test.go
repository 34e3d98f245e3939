package api_test

import (
	"net/http"
	"strings"
	"testing"

	"schoolcheck/api/apitest"
)

// newEnv is an environment whose requests come from many client addresses, so tests that log in many
// users stay under the per-IP login limit.
func newEnv(t *testing.T, opts ...apitest.Option) *apitest.Env {
	e := apitest.New(t, opts...)
	return e
}

func TestStaffCRUD(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	p := sc.Principal.Token
	phone := apitest.Phone()

	created := e.Post("staff", p, map[string]any{"name": " 王老师 ", "phone": phone, "roles": []string{"teacher"},
		"subjects": []string{"语文"}}).Want(http.StatusCreated).Map()
	id, _ := created["id"].(string)
	if id == "" || created["name"] != "王老师" || created["phone"] != phone || created["bound"] != false ||
		created["active"] != true || !sameStrings(created["roles"], "teacher") || !sameStrings(created["subjects"], "语文") {
		t.Fatalf("created staff: %v", created)
	}
	e.Post("staff", p, map[string]any{"name": "重复", "phone": phone, "roles": []string{"teacher"}}).
		WantError(http.StatusConflict, "conflict")

	// Every field at fault is named.
	r := e.Post("staff", p, map[string]any{"name": "", "phone": "123", "roles": []string{"janitor"}, "subjects": []string{""}}).
		WantError(http.StatusBadRequest, "invalid_argument")
	wantFields(t, r, "name", "phone", "roles", "subjects")
	r = e.Post("staff", p, map[string]any{}).WantError(http.StatusBadRequest, "invalid_argument")
	wantFields(t, r, "name", "phone", "roles")
	e.Post("staff", p, map[string]any{"name": "x", "phone": 13900000000, "roles": []string{"teacher"}}).
		WantError(http.StatusBadRequest, "invalid_argument")

	// A principal is a leader too.
	boss := e.Post("staff", p, map[string]any{"name": "副校长", "phone": apitest.Phone(), "roles": []string{"principal"}}).
		Want(http.StatusCreated).Map()
	if !sameStrings(boss["roles"], "principal", "leader") {
		t.Fatalf("principal roles: %v", boss["roles"])
	}

	got := e.Get("staff/"+id, p).Want(http.StatusOK).Map()
	if got["name"] != "王老师" {
		t.Fatalf("get: %v", got)
	}
	patched := e.Patch("staff/"+id, p, map[string]any{"name": "王主任", "roles": []string{"teacher", "leader"},
		"subjects": []string{"数学", "物理"}}).Want(http.StatusOK).Map()
	if patched["name"] != "王主任" || !sameStrings(patched["roles"], "leader", "teacher") || !sameStrings(patched["subjects"], "数学", "物理") {
		t.Fatalf("patched: %v", patched)
	}
	e.Patch("staff/"+id, p, map[string]any{"phone": "12345"}).WantError(http.StatusBadRequest, "invalid_argument")
	e.Patch("staff/"+id, p, map[string]any{"phone": boss["phone"]}).WantError(http.StatusConflict, "conflict")
	e.Get("staff/no-such-id", p).WantError(http.StatusNotFound, "not_found")

	// Delete deactivates: the entry stays, inactive, and leaves the active list.
	e.Delete("staff/"+id, p).Want(http.StatusNoContent)
	if got := e.Get("staff/"+id, p).Want(http.StatusOK).Map(); got["active"] != false {
		t.Fatalf("after delete: %v", got)
	}
	for _, it := range e.Get("staff?active=true&limit=100", p).Want(http.StatusOK).Items() {
		if it["id"] == id {
			t.Fatal("a deactivated member is in the active list")
		}
	}
	// Adding the phone again brings the same entry back.
	back := e.Post("staff", p, map[string]any{"name": "王老师", "phone": phone, "roles": []string{"teacher"}}).
		Want(http.StatusCreated).Map()
	if back["id"] != id || back["active"] != true {
		t.Fatalf("re-added: %v", back)
	}

	// The principal cannot lock themselves out.
	e.Delete("staff/"+sc.Principal.ID, p).WantError(http.StatusConflict, "conflict")
	e.Patch("staff/"+sc.Principal.ID, p, map[string]any{"roles": []string{"teacher"}}).WantError(http.StatusConflict, "conflict")
	e.Patch("staff/"+sc.Principal.ID, p, map[string]any{"active": false}).WantError(http.StatusConflict, "conflict")

	// Teachers read the roster without phone numbers.
	teacher := sc.Teacher("李老师")
	for _, it := range e.Get("staff?limit=100", teacher.Token).Want(http.StatusOK).Items() {
		if ph, _ := it["phone"].(string); !strings.Contains(ph, "****") {
			t.Fatalf("a teacher sees phone %q", ph)
		}
	}
	// Paging: limit and cursor walk the whole roster once.
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		page := e.Get("staff?limit=2&cursor="+cursor, p).Want(http.StatusOK)
		for _, it := range page.Items() {
			if seen[it["id"].(string)] {
				t.Fatalf("%v listed twice", it["id"])
			}
			seen[it["id"].(string)] = true
		}
		if cursor = page.Str("next_cursor"); cursor == "" {
			break
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 4 { // principal, 王老师, 副校长, 李老师
		t.Fatalf("paged through %d staff, want 4", len(seen))
	}
	e.Get("staff?limit=101", p).WantError(http.StatusBadRequest, "invalid_argument")
}

func TestClasses(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	other := e.School()
	p := sc.Principal.Token
	head := sc.Teacher("班主任")

	c := e.Post("classes", p, map[string]any{"grade": "三年级", "name": "2班", "head_teacher_id": head.ID,
		"student_count": 45}).Want(http.StatusCreated).Map()
	id, _ := c["id"].(string)
	code, _ := c["invite_code"].(string)
	if id == "" || code == "" || c["head_teacher_id"] != head.ID || c["student_count"] != float64(45) ||
		c["phones_registered"] != float64(0) || c["label"] != "三年级2班" {
		t.Fatalf("created class: %v", c)
	}
	r := e.Post("classes", p, map[string]any{"grade": "", "student_count": 500, "head_teacher_id": other.Principal.ID}).
		WantError(http.StatusBadRequest, "invalid_argument")
	wantFields(t, r, "grade", "name", "student_count", "head_teacher_id")

	if items := e.Get("classes", head.Token).Want(http.StatusOK).Items(); len(items) != 1 || items[0]["invite_code"] != code {
		t.Fatalf("head teacher's class list: %v", items)
	}
	// A teacher who is not the head teacher does not see the invite code.
	if items := e.Get("classes", sc.Teacher("科任").Token).Want(http.StatusOK).Items(); len(items) != 1 || items[0]["invite_code"] != nil {
		t.Fatalf("other teacher's class list: %v", items)
	}
	patched := e.Patch("classes/"+id, p, map[string]any{"name": "3班", "student_count": 44, "head_teacher_id": ""}).
		Want(http.StatusOK).Map()
	if patched["name"] != "3班" || patched["student_count"] != float64(44) || patched["head_teacher_id"] != nil {
		t.Fatalf("patched class: %v", patched)
	}
	e.Patch("classes/"+id, p, map[string]any{"head_teacher_id": head.ID}).Want(http.StatusOK)

	// Parents join, are listed without names, and can be removed.
	class := &apitest.Class{ID: id, InviteCode: code}
	mum, dad := sc.Parent(class), sc.Parent(class)
	list := e.Get("classes/"+id+"/parents", p).Want(http.StatusOK)
	items := list.Items()
	if len(items) != 2 || items[0]["id"] != mum.LinkID || items[1]["id"] != dad.LinkID {
		t.Fatalf("parents: %s", list.Body)
	}
	for _, it := range items {
		if it["relation"] != "mother" || it["joined_at"] == "" || len(it) != 3 {
			t.Fatalf("a parent is shown as id, relation and joined_at only: %v", it)
		}
	}
	if n := len(e.Get("classes/"+id+"/parents?limit=1", head.Token).Want(http.StatusOK).Items()); n != 1 {
		t.Fatalf("limit=1 gave %d parents", n)
	}
	e.Delete("classes/"+id+"/parents/"+mum.LinkID, head.Token).Want(http.StatusNoContent)
	e.Delete("classes/"+id+"/parents/"+mum.LinkID, head.Token).WantError(http.StatusNotFound, "not_found")
	if items := e.Get("classes/"+id+"/parents", p).Want(http.StatusOK).Items(); len(items) != 1 || items[0]["id"] != dad.LinkID {
		t.Fatalf("parents after removal: %v", items)
	}

	// Rotation: the old code stops working, the new one works, joined parents stay.
	rotated := e.Post("classes/"+id+"/invite-code", head.Token, nil).Want(http.StatusOK).Map()
	newCode, _ := rotated["invite_code"].(string)
	if newCode == "" || newCode == code {
		t.Fatalf("rotated code %q", newCode)
	}
	tok, _ := e.Login()
	join := map[string]string{"relation": "guardian", "consent_version": "v1"}
	join["invite_code"] = code
	e.Post("auth/join", tok, join).WantError(http.StatusNotFound, "invalid_invite")
	join["invite_code"] = newCode
	e.Post("auth/join", tok, join).Want(http.StatusOK)
	if n := len(e.Get("classes/"+id+"/parents", p).Want(http.StatusOK).Items()); n != 2 {
		t.Fatalf("%d parents after rotation and a new join, want 2", n)
	}
	e.Get("me", dad.Token).Want(http.StatusOK)
}

func wantFields(t *testing.T, r *apitest.Response, fields ...string) {
	t.Helper()
	got := r.ErrorFields()
	for _, f := range fields {
		if got[f] == "" {
			t.Fatalf("error.fields has no %q: %s", f, r.Body)
		}
	}
}

// sameStrings reports whether a decoded JSON array holds exactly the strings, in any order.
func sameStrings(v any, want ...string) bool {
	arr, ok := v.([]any)
	if !ok || len(arr) != len(want) {
		return false
	}
	seen := map[string]int{}
	for _, x := range arr {
		s, _ := x.(string)
		seen[s]++
	}
	for _, w := range want {
		if seen[w] == 0 {
			return false
		}
		seen[w]--
	}
	return true
}
