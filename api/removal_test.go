package api_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"schoolcheck/api/apitest"
	"schoolcheck/service"
	"schoolcheck/service/school"
)

// A removed parent cannot rejoin with the code they had: the head teacher or a leader readmits them, or a
// new code lets them join again.
func TestRemovedParentNeedsReadmission(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	head, teacher, leader := sc.Teacher("班主任"), sc.Teacher("科任"), sc.Leader("主任")
	class := sc.Class(head)
	parent := sc.Parent(class)
	remove := func() {
		e.Delete("classes/"+class.ID+"/parents/"+parent.LinkID, head.Token).Want(http.StatusNoContent)
		e.Get("me", parent.Token).WantError(http.StatusForbidden, "not_bound")
	}
	rejoin := func(code string) *apitest.Response {
		return e.Post("auth/join", parent.Token, map[string]string{"invite_code": code, "relation": "mother", "consent_version": "v1"})
	}
	remove()
	rejoin(class.InviteCode).WantError(http.StatusForbidden, "readmission_required")
	e.Get("me", parent.Token).WantError(http.StatusForbidden, "not_bound")

	// The removed list shows the link; readmission by the head teacher or a leader, not another teacher.
	removed := e.Get("classes/"+class.ID+"/parents?removed=true", head.Token).Want(http.StatusOK).Items()
	if len(removed) != 1 || removed[0]["id"] != parent.LinkID || removed[0]["removed_at"] == nil {
		t.Fatalf("removed parents: %v", removed)
	}
	if items := e.Get("classes/"+class.ID+"/parents", head.Token).Want(http.StatusOK).Items(); len(items) != 0 {
		t.Fatalf("a removed parent is still listed: %v", items)
	}
	readmit := "classes/" + class.ID + "/parents/" + parent.LinkID + "/readmit"
	e.Post(readmit, teacher.Token, nil).WantError(http.StatusForbidden, "forbidden")
	r := e.Post(readmit, leader.Token, nil).Want(http.StatusOK).Map()
	if r["id"] != parent.LinkID || r["removed_at"] != nil {
		t.Fatalf("readmitted: %v", r)
	}
	e.Get("me", parent.Token).Want(http.StatusOK)
	e.Post(readmit, head.Token, nil).WantError(http.StatusConflict, "conflict")

	// Removed again; a new code lets them join.
	remove()
	code := e.Post("classes/"+class.ID+"/invite-code", head.Token, nil).Want(http.StatusOK).Str("invite_code")
	tok := rejoin(code).Want(http.StatusOK).Str("token")
	e.Get("me", tok).Want(http.StatusOK)
	if items := e.Get("classes/"+class.ID+"/parents", head.Token).Items(); len(items) != 1 || items[0]["id"] != parent.LinkID {
		t.Fatalf("after joining with the new code: %v", items)
	}
}

// A staff member deactivated and re-added (by POST, PATCH or import) must bind again: the old binding does
// not come back, nor do the tokens issued under it, even once the same WeChat binds again.
func TestReaddedStaffBindsAgain(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	p := sc.Principal.Token
	ways := map[string]func(id, phone string){
		"POST /staff": func(_, phone string) {
			if e.Post("staff", p, map[string]any{"name": "回来了", "phone": phone, "roles": []string{"teacher"}}).
				Want(http.StatusCreated).Map()["bound"] != false {
				t.Fatal("re-added by POST comes back bound")
			}
		},
		"PATCH active": func(id, _ string) {
			if e.Patch("staff/"+id, p, map[string]any{"active": true}).Want(http.StatusOK).Map()["bound"] != false {
				t.Fatal("re-activated by PATCH comes back bound")
			}
		},
		"import": func(_, phone string) {
			csv := "姓名,手机号,角色,学科\n回来了," + phone + ",教师,数学\n"
			e.Upload("staff/import", p, "file", "roster.csv", []byte(csv), nil, nil).Want(http.StatusOK)
		},
	}
	for name, readd := range ways {
		t.Run(name, func(t *testing.T) {
			e := e.For(t)
			teacher := sc.For(t).Teacher("将离职")
			old := teacher.Token
			e.Delete("staff/"+teacher.ID, p).Want(http.StatusNoContent)
			e.Get("me", old).WantError(http.StatusForbidden, "not_bound")
			readd(teacher.ID, teacher.Phone)
			e.Get("me", old).WantError(http.StatusForbidden, "not_bound")
			if st := e.Get("staff/"+teacher.ID, p).Want(http.StatusOK).Map(); st["bound"] != false || st["active"] != true {
				t.Fatalf("re-added entry: %v", st)
			}
			// The same WeChat logs in: not bound until it binds again.
			e.WX.AddCode("re-"+teacher.OpenID, teacher.OpenID, "")
			login := e.Post("auth/login", "", map[string]string{"code": "re-" + teacher.OpenID}).Want(http.StatusOK)
			if login.Map()["bound"] != false {
				t.Fatalf("a login after re-adding is bound without binding: %s", login.Body)
			}
			fresh := bindPhone(e, login.Str("token"), teacher.Phone).Want(http.StatusOK).Str("token")
			e.Get("me", fresh).Want(http.StatusOK)
			e.Get("me", old).WantError(http.StatusForbidden, "not_bound") // the old binding's token stays out
		})
	}
}

// A principal cannot change their own phone (it would unbind them and lock the school out), and the
// school's last principal stays one, also when two principals demote each other at the same moment.
func TestPrincipalKeepsPhoneAndLastPrincipalStays(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	p1 := sc.Principal
	e.Patch("staff/"+p1.ID, p1.Token, map[string]any{"phone": apitest.Phone()}).WantError(http.StatusConflict, "conflict")
	e.Patch("staff/"+p1.ID, p1.Token, map[string]any{"name": "改名校长"}).Want(http.StatusOK)
	e.Get("me", p1.Token).Want(http.StatusOK)

	// Two principals. Each request is authenticated while both are principals; the first demotes the
	// second, and the second's request, already past authentication, then demotes the first: refused.
	p2 := sc.Staff("副校长", "principal")
	ctx := context.Background()
	a1, err := e.App.Auth.Authenticate(ctx, p1.Token)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := e.App.Auth.Authenticate(ctx, p2.Token)
	if err != nil {
		t.Fatal(err)
	}
	teacher := []string{service.RoleTeacher}
	if _, err := e.App.School.UpdateStaff(ctx, a1, p2.ID, school.StaffInput{Roles: &teacher}); err != nil {
		t.Fatal(err)
	}
	_, err = e.App.School.UpdateStaff(ctx, a2, p1.ID, school.StaffInput{Roles: &teacher})
	var se *service.Error
	if !errors.As(err, &se) || se.Code != "last_principal" {
		t.Fatalf("demoting the last principal: %v", err)
	}
	off := false
	if _, err := e.App.School.UpdateStaff(ctx, a2, p1.ID, school.StaffInput{Active: &off}); !errors.As(err, &se) ||
		se.Code != "last_principal" {
		t.Fatalf("deactivating the last principal: %v", err)
	}
	if _, err := e.App.School.ImportStaff(ctx, a2, "r.csv", []byte("姓名,手机号,角色,学科\n校长,"+p1.Phone+",教师,数学\n")); !errors.As(err, &se) ||
		se.Code != "last_principal" {
		t.Fatalf("importing the last principal as a teacher: %v", err)
	}
	e.Get("staff", p1.Token).Want(http.StatusOK) // still the principal
	// Through the API: self-demotion stays refused, and the demoted principal may no longer manage staff.
	e.Patch("staff/"+p1.ID, p1.Token, map[string]any{"roles": teacher}).WantError(http.StatusConflict, "conflict")
	e.Patch("staff/"+p1.ID, p2.Token, map[string]any{"roles": teacher}).WantError(http.StatusForbidden, "forbidden")
}
