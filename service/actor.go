package service

import (
	"context"
	"slices"
	"strings"

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

// Actor is who is acting, resolved from the database on every request so that removing a staff member or a
// parent's class link ends their access at once.
type Actor struct {
	AccountID string
	OpenID    string
	StaffID   string // empty for parents and unbound logins
	Name      string
	SchoolID  string // the staff member's school, or the school of the parent's first class
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
func (a *Actor) IsStaff() bool { return a.StaffID != "" && a.SchoolID != "" && !a.Has(RoleInspector) }

// require answers 403 unless the actor holds one of the roles in a school.
func (a *Actor) require(roles ...string) error {
	if a == nil || a.SchoolID == "" || !a.Has(roles...) {
		return forbidden()
	}
	return nil
}

// requireStaff answers 403 unless the actor is on a school's staff roster.
func (a *Actor) requireStaff() error {
	if a == nil || !a.IsStaff() {
		return forbidden()
	}
	return nil
}

// scope is the tenancy filter for the actor's school.
func (a *Actor) scope() func(*gorm.DB) *gorm.DB { return model.InSchool(a.SchoolID) }

// loadActor resolves an account into an Actor: its active roster entry and its active class links.
func loadActor(db *gorm.DB, accountID string) (*Actor, error) {
	var acct model.Account
	if err := db.Where("id = ?", accountID).Take(&acct).Error; err != nil {
		if model.IsNotFound(err) {
			return nil, E(ErrUnauthenticated, "unauthenticated", "登录已失效，请重新登录")
		}
		return nil, wrapDB(err)
	}
	a := &Actor{AccountID: acct.ID, OpenID: acct.OpenID}
	var staff []model.Staff
	if err := model.CrossSchool(db).Where("account_id = ? AND active = ?", accountID, true).
		Order("created_at").Limit(1).Find(&staff).Error; err != nil {
		return nil, wrapDB(err)
	}
	if len(staff) == 1 {
		st := staff[0]
		a.StaffID, a.Name, a.SchoolID, a.RegionID = st.ID, st.Name, st.SchoolID, st.RegionID
		a.Roles = splitRoles(st.Roles)
	}
	var links []model.ParentLink
	if err := model.CrossSchool(db).Where("account_id = ? AND removed_at IS NULL", accountID).
		Order("created_at").Find(&links).Error; err != nil {
		return nil, wrapDB(err)
	}
	for _, l := range links {
		if a.SchoolID == "" {
			a.SchoolID = l.SchoolID
		}
		if l.SchoolID == a.SchoolID {
			a.ParentClassIDs = append(a.ParentClassIDs, l.ClassID)
		}
	}
	if len(a.ParentClassIDs) > 0 {
		a.Roles = append(a.Roles, RoleParent)
	}
	return a, nil
}

// Actor resolves an account id (from a verified token) into the acting user.
func (s *Service) Actor(ctx context.Context, accountID string) (*Actor, error) {
	return loadActor(s.read(ctx), accountID)
}

func splitRoles(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}
