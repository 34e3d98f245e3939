package auth

import (
	"sort"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/school"
)

// actorRow is one row of the actor query: the account, its active roster entry in the membership and one
// of its active class links there.
type actorRow struct {
	OpenID        string
	StaffID       *string
	StaffName     *string
	StaffSchool   *string
	StaffRegion   *string
	StaffRoles    *string
	StaffCreated  *time.Time
	StaffBinding  *string
	LinkClass     *string
	LinkAuthor    *string
	LinkCreatedAt *time.Time
	SchoolRev     *int64
}

// The actor query, for a school membership (its roster entry and class links there, and the school's
// revision, which keeps school.Days honest for free) and for a region membership (its inspector entry;
// class links belong to schools, so none).
const (
	actorSelect = `SELECT a.open_id AS open_id, s.id AS staff_id, s.name AS staff_name, s.school_id AS staff_school,
	s.region_id AS staff_region, s.roles AS staff_roles, s.created_at AS staff_created, s.binding AS staff_binding,
	p.class_id AS link_class, p.author_id AS link_author, p.created_at AS link_created_at`
	actorInSchool = actorSelect + `, sc.revision AS school_rev
FROM accounts a
LEFT JOIN schools sc ON sc.id = ?
LEFT JOIN staff s ON s.account_id = a.id AND s.active = ? AND s.school_id = ?
LEFT JOIN parent_links p ON p.account_id = a.id AND p.removed_at IS NULL AND p.school_id = ?
WHERE a.id = ?`
	actorInRegion = actorSelect + `
FROM accounts a
LEFT JOIN staff s ON s.account_id = a.id AND s.active = ? AND s.school_id = '' AND s.region_id = ?
LEFT JOIN parent_links p ON 1 = 0
WHERE a.id = ?`
)

// loadActor resolves an account into an Actor of one membership — its active roster entry there and its
// active class links there — in one statement, since it runs on every authenticated request (the morning
// sign-in rush included). With a token's binding, a roster entry bound otherwise (again, after a removal)
// is not the token's. It also returns the roster entry's binding, for a token being issued.
func loadActor(db *gorm.DB, accountID string, m membership, binding *string) (*service.Actor, string, error) {
	var rows []actorRow
	var err error
	switch {
	case m.schoolID != "":
		err = model.CrossSchool(db).Raw(actorInSchool, m.schoolID, true, m.schoolID, m.schoolID, accountID).Scan(&rows).Error
	case m.regionID != "":
		err = model.CrossSchool(db).Raw(actorInRegion, true, m.regionID, accountID).Scan(&rows).Error
	default:
		err = db.Model(&model.Account{}).Select("open_id").Where("id = ?", accountID).Scan(&rows).Error
	}
	if err != nil {
		return nil, "", service.WrapDB(err)
	}
	if len(rows) == 0 {
		return nil, "", service.E(service.ErrUnauthenticated, "unauthenticated", "登录已失效，请重新登录")
	}
	a := &service.Actor{AccountID: accountID, OpenID: rows[0].OpenID}
	// One roster entry per membership (bind-phone keeps it so; the earliest wins for older data), then the
	// class links in the order they were made.
	sort.SliceStable(rows, func(i, j int) bool {
		if ti, tj := rows[i].StaffCreated, rows[j].StaffCreated; ti != nil && tj != nil && !ti.Equal(*tj) {
			return ti.Before(*tj)
		}
		if li, lj := rows[i].LinkCreatedAt, rows[j].LinkCreatedAt; li != nil && lj != nil {
			return li.Before(*lj)
		}
		return false
	})
	var bound string
	if r := rows[0]; r.StaffID != nil {
		bound = deref(r.StaffBinding)
		if binding == nil || *binding == bound {
			a.StaffID, a.Name, a.SchoolID = *r.StaffID, deref(r.StaffName), deref(r.StaffSchool)
			a.RegionID, a.Roles = deref(r.StaffRegion), school.SplitRoles(deref(r.StaffRoles))
		}
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if r.LinkClass == nil || seen[*r.LinkClass] || (r.StaffID != nil && rows[0].StaffID != nil && *r.StaffID != *rows[0].StaffID) {
			continue
		}
		seen[*r.LinkClass] = true
		a.SchoolID = m.schoolID
		a.ParentClassIDs = append(a.ParentClassIDs, *r.LinkClass)
		a.ParentAuthorIDs = append(a.ParentAuthorIDs, deref(r.LinkAuthor))
	}
	if len(a.ParentClassIDs) > 0 {
		a.Roles = append(a.Roles, service.RoleParent)
	}
	if a.SchoolID != "" && rows[0].SchoolRev != nil {
		a.SchoolRevision = *rows[0].SchoolRev
	}
	return a, bound, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
