package service

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

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

// actorRow is one row of the actor query: the account, its active roster entry and one active class link.
type actorRow struct {
	OpenID        string
	StaffID       *string
	StaffName     *string
	StaffSchool   *string
	StaffRegion   *string
	StaffRoles    *string
	StaffCreated  *time.Time
	LinkClass     *string
	LinkSchool    *string
	LinkCreatedAt *time.Time
}

// loadActor resolves an account into an Actor — its active roster entry and its active class links — in one
// statement, since it runs on every authenticated request (the morning sign-in rush included).
func loadActor(db *gorm.DB, accountID string) (*Actor, error) {
	var rows []actorRow
	err := db.Raw(`SELECT a.open_id AS open_id, s.id AS staff_id, s.name AS staff_name, s.school_id AS staff_school,
	s.region_id AS staff_region, s.roles AS staff_roles, s.created_at AS staff_created,
	p.class_id AS link_class, p.school_id AS link_school, p.created_at AS link_created_at
FROM accounts a
LEFT JOIN staff s ON s.account_id = a.id AND s.active = ?
LEFT JOIN parent_links p ON p.account_id = a.id AND p.removed_at IS NULL
WHERE a.id = ?`, true, accountID).Scan(&rows).Error
	if err != nil {
		return nil, wrapDB(err)
	}
	if len(rows) == 0 {
		return nil, E(ErrUnauthenticated, "unauthenticated", "登录已失效，请重新登录")
	}
	a := &Actor{AccountID: accountID, OpenID: rows[0].OpenID}
	// The earliest roster entry wins (a person on two schools' rosters acts for the first), then the class
	// links in the order they were made.
	sort.SliceStable(rows, func(i, j int) bool {
		if ti, tj := rows[i].StaffCreated, rows[j].StaffCreated; ti != nil && tj != nil && !ti.Equal(*tj) {
			return ti.Before(*tj)
		}
		if li, lj := rows[i].LinkCreatedAt, rows[j].LinkCreatedAt; li != nil && lj != nil {
			return li.Before(*lj)
		}
		return false
	})
	if r := rows[0]; r.StaffID != nil {
		a.StaffID, a.Name, a.SchoolID = *r.StaffID, deref(r.StaffName), deref(r.StaffSchool)
		a.RegionID, a.Roles = deref(r.StaffRegion), splitRoles(deref(r.StaffRoles))
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if r.LinkClass == nil || seen[*r.LinkClass] || (a.StaffID != "" && r.StaffID != nil && *r.StaffID != a.StaffID) {
			continue
		}
		seen[*r.LinkClass] = true
		if a.SchoolID == "" {
			a.SchoolID = deref(r.LinkSchool)
		}
		if deref(r.LinkSchool) == a.SchoolID {
			a.ParentClassIDs = append(a.ParentClassIDs, *r.LinkClass)
		}
	}
	if len(a.ParentClassIDs) > 0 {
		a.Roles = append(a.Roles, RoleParent)
	}
	return a, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
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
