package service

import (
	"slices"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// Roles a person may hold. A staff member may hold several.
const (
	RolePrincipal = "principal"
	RoleLeader    = "leader"
	RoleTeacher   = "teacher"
	RoleParent    = "parent"
	RoleInspector = "inspector"
)

// StaffRoles are the roles a school's roster may give.
var StaffRoles = []string{RolePrincipal, RoleLeader, RoleTeacher}

// Actor is who is acting, resolved from the database on every request (service/auth) so that removing a
// staff member or a parent's class link ends their access at once. It describes one membership: the school
// (or, for inspectors, the region) the request acts in, and the person's roles there.
type Actor struct {
	AccountID string
	OpenID    string
	StaffID   string // empty for parents and unbound logins
	Name      string
	SchoolID  string // the school the request acts in
	RegionID  string // inspectors: their region
	Roles     []string
	// ParentClassIDs are the classes (in SchoolID) this account is a parent of.
	ParentClassIDs []string
}

// UserID is the id the API shows for this person: the staff id, or the account id of a parent.
func (a *Actor) UserID() string {
	if a.StaffID != "" {
		return a.StaffID
	}
	return a.AccountID
}

// Bound reports whether the login is linked to a roster entry or a class.
func (a *Actor) Bound() bool { return a.StaffID != "" || len(a.ParentClassIDs) > 0 }

// Has reports whether the actor holds any of the roles.
func (a *Actor) Has(roles ...string) bool {
	if a == nil {
		return false
	}
	for _, r := range roles {
		if slices.Contains(a.Roles, r) {
			return true
		}
	}
	return false
}

// IsLeader covers principals, who are leaders too.
func (a *Actor) IsLeader() bool { return a.Has(RolePrincipal, RoleLeader) }

// IsStaff is anyone on a school's roster.
func (a *Actor) IsStaff() bool {
	return a != nil && a.StaffID != "" && a.SchoolID != "" && !a.Has(RoleInspector)
}

// IsParent is an account acting as a parent of at least one class of the school.
func (a *Actor) IsParent() bool { return a != nil && a.SchoolID != "" && len(a.ParentClassIDs) > 0 }

// Require answers 403 unless the actor holds one of the roles in a school.
func (a *Actor) Require(roles ...string) error {
	if a == nil || a.SchoolID == "" || !a.Has(roles...) {
		return Forbidden()
	}
	return nil
}

// RequireStaff answers 403 unless the actor is on a school's staff roster.
func (a *Actor) RequireStaff() error {
	if !a.IsStaff() {
		return Forbidden()
	}
	return nil
}

// RequireLeader answers 403 unless the actor is a leader (or principal) on a school's roster.
func (a *Actor) RequireLeader() error {
	if !a.IsStaff() || !a.IsLeader() {
		return Forbidden()
	}
	return nil
}

// Scope is the tenancy filter for the actor's school.
func (a *Actor) Scope() func(*gorm.DB) *gorm.DB { return model.InSchool(a.SchoolID) }

// Ref names a person or thing in a response.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}
