package school

import (
	"slices"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
)

// Recipient is a staff member a message can reach: on the roster (active) and bound to a WeChat account.
type Recipient struct {
	StaffID, SchoolID, AccountID, Name string
	Roles                              []string
}

// Recipients are reachable staff by staff id.
type Recipients map[string]Recipient

// In is the staff member id of the school, if reachable.
func (rs Recipients) In(schoolID, id string) (Recipient, bool) {
	r, ok := rs[id]
	return r, ok && r.SchoolID == schoolID
}

// Reachable reads, in one statement for many schools, the staff a reminder may go to: those named by id
// (ids) and those holding one of roles, among the schools given. Staff not bound to an account, or off the
// roster, are left out: nobody can be told then. The result is keyed by staff id.
func Reachable(db *gorm.DB, schoolIDs, ids []string, roles ...string) (Recipients, error) {
	out := Recipients{}
	if len(schoolIDs) == 0 || (len(ids) == 0 && len(roles) == 0) {
		return out, nil
	}
	var conds []string
	var args []any
	if len(ids) > 0 {
		conds, args = append(conds, "id IN ?"), append(args, ids)
	}
	for _, r := range roles {
		conds, args = append(conds, "roles LIKE ?"), append(args, "%"+r+"%")
	}
	where := conds[0]
	for _, c := range conds[1:] {
		where += " OR " + c
	}
	var rows []model.Staff
	if err := db.Select("id", "school_id", "name", "roles", "account_id").
		Where("school_id IN ? AND active = ? AND account_id IS NOT NULL", schoolIDs, true).
		Where("("+where+")", args...).Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	named := make(map[string]bool, len(ids))
	for _, id := range ids {
		named[id] = true
	}
	for _, st := range rows {
		r := Recipient{StaffID: st.ID, SchoolID: st.SchoolID, AccountID: *st.AccountID, Name: st.Name,
			Roles: SplitRoles(st.Roles)}
		if !named[st.ID] && !r.Has(roles...) {
			continue // a LIKE match inside a longer role name
		}
		out[st.ID] = r
	}
	return out, nil
}

// Has reports whether the recipient holds one of the roles.
func (r Recipient) Has(roles ...string) bool {
	return slices.ContainsFunc(r.Roles, func(role string) bool { return slices.Contains(roles, role) })
}
