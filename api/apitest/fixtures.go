package apitest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"testing"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/meals"
	"schoolcheck/service/school"
)

// User is a logged-in person with a bound token.
type User struct {
	ID        string // staff id, or the pseudonym a parent's records carry in their (first) class
	AccountID string
	LinkID    string // a parent made by School.Parent: the class link's id, as the school lists and removes it
	Token     string
	Name      string
	Phone     string
	OpenID    string
}

// School is a test school with its principal logged in.
type School struct {
	ID        string
	Name      string
	Region    string
	Principal *User
	env       *Env
}

// seq numbers test fixtures; it starts at a random point so that runs sharing a database or Redis (rate
// limits by address) do not collide.
var seq = func() *atomic.Int64 {
	var n atomic.Int64
	n.Store(rand.Int64N(1e6) * 100)
	return &n
}()

// unique returns a process-unique number.
func unique() int64 { return seq.Add(1) }

// Phone returns a fresh mainland mobile number.
func Phone() string { return fmt.Sprintf("139%08d", unique()%1e8) }

// Login logs in a new WeChat user (unbound) and returns its token and openid.
func (e *Env) Login() (token, openID string) {
	e.T.Helper()
	n := unique()
	code, openID := fmt.Sprintf("code%d", n), fmt.Sprintf("oTest%d", n)
	e.WX.AddCode(code, openID, "")
	r := e.Post("auth/login", "", map[string]string{"code": code}).Want(http.StatusOK)
	return r.Str("token"), openID
}

// BindPhone binds an unbound login to the roster entry with phone and returns the new token and user id.
func (e *Env) BindPhone(token, phone string) (string, string) {
	e.T.Helper()
	pc := fmt.Sprintf("pc%d", unique())
	e.WX.AddPhoneCode(pc, phone)
	var out struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	e.Post("auth/bind-phone", token, map[string]string{"phone_code": pc}).Want(http.StatusOK).JSON(&out)
	return out.Token, out.User.ID
}

// School creates a school in its own region with a bound principal.
func (e *Env) School() *School { return e.SchoolIn(fmt.Sprintf("测试区%d", unique())) }

// SchoolIn creates a school in the named region with a bound principal.
func (e *Env) SchoolIn(region string) *School {
	e.T.Helper()
	name := fmt.Sprintf("测试学校%d", unique())
	phone := Phone()
	id, err := e.App.School.Bootstrap(context.Background(), school.BootstrapInput{Region: region, School: name,
		PrincipalName: "校长" + name, PrincipalPhone: phone})
	if err != nil {
		e.T.Fatal(err)
	}
	sc := &School{ID: id, Name: name, Region: region, env: e}
	sc.Principal = e.bind(phone, "校长"+name)
	return sc
}

func (e *Env) bind(phone, name string) *User {
	e.T.Helper()
	tok, openID := e.Login()
	tok, id := e.BindPhone(tok, phone)
	a, err := e.App.Auth.Authenticate(context.Background(), tok)
	if err != nil {
		e.T.Fatal(err)
	}
	return &User{ID: id, AccountID: a.AccountID, Token: tok, Name: name, Phone: phone, OpenID: openID}
}

// actor resolves a user for calling the service directly in fixtures.
func (e *Env) actor(u *User) *service.Actor {
	e.T.Helper()
	a, err := e.App.Auth.Authenticate(context.Background(), u.Token)
	if err != nil {
		e.T.Fatal(err)
	}
	return a
}

// For is the school with fixtures reporting to t (a subtest).
func (s *School) For(t testing.TB) *School {
	c := *s
	c.env = s.env.For(t)
	return &c
}

// Staff adds a bound staff member with the roles (default teacher).
func (s *School) Staff(name string, roles ...string) *User {
	e := s.env
	e.T.Helper()
	if len(roles) == 0 {
		roles = []string{service.RoleTeacher}
	}
	phone := Phone()
	subjects := []string{"数学"}
	if _, err := e.App.School.CreateStaff(context.Background(), e.actor(s.Principal), school.StaffInput{Name: &name, Phone: &phone,
		Roles: &roles, Subjects: &subjects}); err != nil {
		e.T.Fatal(err)
	}
	return e.bind(phone, name)
}

// Teacher is Staff with the teacher role.
func (s *School) Teacher(name string) *User { return s.Staff(name, service.RoleTeacher) }

// Leader is Staff with the leader role.
func (s *School) Leader(name string) *User { return s.Staff(name, service.RoleLeader) }

// Class is a test class.
type Class struct {
	ID         string
	InviteCode string
	Label      string
}

// Class creates a class with the head teacher (nil for none).
func (s *School) Class(head *User) *Class {
	e := s.env
	e.T.Helper()
	grade, name, count := "三年级", fmt.Sprintf("%d班", unique()%1000), 40
	in := school.ClassInput{Grade: &grade, Name: &name, StudentCount: &count}
	if head != nil {
		in.HeadTeacherID = &head.ID
	}
	c, err := e.App.School.CreateClass(context.Background(), e.actor(s.Principal), in)
	if err != nil {
		e.T.Fatal(err)
	}
	return &Class{ID: c.ID, InviteCode: c.InviteCode, Label: c.Label}
}

// Parent logs in a new WeChat user and joins the class as a parent.
func (s *School) Parent(c *Class) *User {
	e := s.env
	e.T.Helper()
	tok, openID := e.Login()
	var out struct {
		Token string `json:"token"`
		User  struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"user"`
	}
	e.Post("auth/join", tok, map[string]string{"invite_code": c.InviteCode, "relation": "mother",
		"consent_version": "2026-09"}).Want(http.StatusOK).JSON(&out)
	a := e.actor(&User{Token: out.Token})
	return &User{ID: out.User.ID, AccountID: a.AccountID, LinkID: e.LinkID(a.AccountID, c.ID), Token: out.Token,
		Name: out.User.Name, OpenID: openID}
}

// Join makes an already logged-in person a parent of the class (another membership of their account) and
// returns them acting in it: the join makes that membership current.
func (s *School) Join(u *User, c *Class) *User {
	e := s.env
	e.T.Helper()
	var out struct {
		Token string `json:"token"`
	}
	e.Post("auth/join", u.Token, map[string]string{"invite_code": c.InviteCode, "relation": "father",
		"consent_version": "2026-09"}).Want(http.StatusOK).JSON(&out)
	j := *u
	j.Token, j.LinkID = out.Token, e.LinkID(u.AccountID, c.ID)
	return &j
}

// LinkID is the id of an account's link to a class: what GET /classes/{id}/parents lists and DELETE and
// readmit take. The school cannot tell whose it is; the test can, from the database.
func (e *Env) LinkID(accountID, classID string) string {
	e.T.Helper()
	var ids []string
	if err := model.CrossSchool(e.DB).Model(&model.ParentLink{}).Where("account_id = ? AND class_id = ?", accountID, classID).
		Pluck("id", &ids).Error; err != nil || len(ids) != 1 {
		e.T.Fatalf("link of %s to %s: %v %v", accountID, classID, ids, err)
	}
	return ids[0]
}

// Inspector adds a bound inspector for the region.
func (e *Env) Inspector(region string) *User {
	e.T.Helper()
	phone := Phone()
	if _, err := e.App.School.AddInspector(context.Background(), region, "督学", phone); err != nil {
		e.T.Fatal(err)
	}
	return e.bind(phone, "督学")
}

// Settings reads the school's settings.
func (s *School) Settings() school.Settings {
	e := s.env
	e.T.Helper()
	st, err := e.App.School.GetSettings(context.Background(), e.actor(s.Principal))
	if err != nil {
		e.T.Fatal(err)
	}
	return st
}

// SetSettings replaces the school's settings through the API.
func (s *School) SetSettings(st school.Settings) {
	s.env.T.Helper()
	s.env.Put("school/settings", s.Principal.Token, st).Want(http.StatusOK)
}

// Feedback files a parent's feedback ("taste") through the service and returns its id: fixtures that make
// many do not spend the parent's per-account rate limit, which the API holds them to.
func (e *Env) Feedback(parent *User, content string) string {
	e.T.Helper()
	fb, err := e.App.Meals.CreateFeedback(context.Background(), e.actor(parent), meals.FeedbackInput{Category: "taste",
		Content: content})
	if err != nil {
		e.T.Fatal(err)
	}
	return fb.ID
}

// Actor is the service's actor for a user, for tests that call a service the API does not expose.
func (e *Env) Actor(u *User) *service.Actor { return e.actor(u) }
