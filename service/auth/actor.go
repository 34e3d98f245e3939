package auth

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/school"
)

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
func loadActor(db *gorm.DB, accountID string) (*service.Actor, error) {
	var rows []actorRow
	err := model.CrossSchool(db).Raw(`SELECT a.open_id AS open_id, s.id AS staff_id, s.name AS staff_name, s.school_id AS staff_school,
	s.region_id AS staff_region, s.roles AS staff_roles, s.created_at AS staff_created,
	p.class_id AS link_class, p.school_id AS link_school, p.created_at AS link_created_at
FROM accounts a
LEFT JOIN staff s ON s.account_id = a.id AND s.active = ?
LEFT JOIN parent_links p ON p.account_id = a.id AND p.removed_at IS NULL
WHERE a.id = ?`, true, accountID).Scan(&rows).Error
	if err != nil {
		return nil, service.WrapDB(err)
	}
	if len(rows) == 0 {
		return nil, service.E(service.ErrUnauthenticated, "unauthenticated", "登录已失效，请重新登录")
	}
	a := &service.Actor{AccountID: accountID, OpenID: rows[0].OpenID}
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
		a.RegionID, a.Roles = deref(r.StaffRegion), school.SplitRoles(deref(r.StaffRoles))
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
		a.Roles = append(a.Roles, service.RoleParent)
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
func (s *Service) Actor(ctx context.Context, accountID string) (*service.Actor, error) {
	return loadActor(s.Read(ctx), accountID)
}
