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
// staff member or a parent's class link ends their access at once. It describes one membership — the
// current one, which the token names: the school (or, for inspectors, the region) the request acts in, and
// the person's roles there. Nothing of the account's other memberships is in it.
type Actor struct {
	AccountID string
	OpenID    string
	StaffID   string // the roster entry in this membership; empty for parents and unbound logins
	Name      string
	SchoolID  string // the school the request acts in
	RegionID  string // inspectors: their region
	Roles     []string
	// ParentClassIDs are the classes (in SchoolID) this account is a parent of.
	ParentClassIDs []string
	// ParentAuthorIDs are, in the order of ParentClassIDs, the pseudonyms the parent's records carry in each
	// class (model.ParentLink.AuthorID): never the account id, which would tie the records together and to
	// the person.
	ParentAuthorIDs []string
	// SchoolRevision is SchoolID's revision (model.School.Revision) as read with the actor, in the same
	// statement: what is kept of the school under that revision is as current as the actor itself.
	SchoolRevision int64
}

// UserID is the id the school sees for this person in this membership: the staff id, or for a parent the
// pseudonym of their first class link (records made in another class use that class's: see AsParent).
func (a *Actor) UserID() string {
	switch {
	case a.StaffID != "":
		return a.StaffID
	case len(a.ParentAuthorIDs) > 0:
		return a.ParentAuthorIDs[0]
	}
	return a.AccountID
}

// IsAuthor reports whether id is one this person's records carry in this membership (their staff id or
// one of their parent pseudonyms).
func (a *Actor) IsAuthor(id string) bool {
	return a != nil && id != "" && (id == a.StaffID || slices.Contains(a.ParentAuthorIDs, id))
}

// AsParent is the actor acting as the parent of one of its classes, for the records a parent makes there:
// its UserID is that class link's pseudonym, and it carries no staff id or name, so that a teacher's or
// leader's parent records and their audit rows do not name them. It returns nil when the actor is not a
// parent of the class.
func (a *Actor) AsParent(classID string) *Actor {
	i := slices.Index(a.ParentClassIDs, classID)
	if i < 0 || i >= len(a.ParentAuthorIDs) {
		return nil
	}
	return &Actor{AccountID: a.AccountID, OpenID: a.OpenID, SchoolID: a.SchoolID, Roles: []string{RoleParent},
		ParentClassIDs: []string{classID}, ParentAuthorIDs: []string{a.ParentAuthorIDs[i]}}
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
