package school

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
)

// Staff is a roster entry as the API shows it.
type Staff struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Phone    string   `json:"phone"`
	Roles    []string `json:"roles"`
	Subjects []string `json:"subjects"`
	Bound    bool     `json:"bound"`
	Active   bool     `json:"active"`
}

// StaffInput creates a roster entry; in a patch, nil fields are left alone.
type StaffInput struct {
	Name     *string
	Phone    *string
	Roles    *[]string
	Subjects *[]string
	Active   *bool
}

// StaffView is a roster row as the API shows it.
func StaffView(m model.Staff) Staff {
	out := Staff{ID: m.ID, Name: m.Name, Phone: m.Phone, Roles: SplitRoles(m.Roles), Subjects: []string{},
		Bound: m.AccountID != nil, Active: m.Active}
	_ = json.Unmarshal([]byte(m.Subjects), &out.Subjects)
	if out.Roles == nil {
		out.Roles = []string{}
	}
	return out
}

// auditView is the roster row as the audit trail keeps it: the phone masked.
func auditView(m model.Staff) Staff {
	v := StaffView(m)
	v.Phone = service.MaskPhone(v.Phone)
	return v
}

// SplitRoles reads the comma-separated roles column.
func SplitRoles(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// validateStaff checks the fields present; create=true requires name, phone and roles.
func validateStaff(in *StaffInput, create bool) error {
	v := service.Invalid{}
	if in.Name != nil {
		n := v.Name("name", *in.Name, 32)
		in.Name = &n
	} else if create {
		v.Add("name", "必填")
	}
	if in.Phone != nil {
		p := v.Phone("phone", *in.Phone)
		in.Phone = &p
	} else if create {
		v.Add("phone", "必填")
	}
	if in.Roles != nil {
		if len(*in.Roles) == 0 {
			v.Add("roles", "至少一个角色")
		}
		for _, r := range *in.Roles {
			v.OneOf("roles", r, false, service.StaffRoles...)
		}
	} else if create {
		v.Add("roles", "必填")
	}
	if in.Subjects != nil {
		if len(*in.Subjects) > 10 {
			v.Add("subjects", "最多 10 个学科")
		}
		clean := make([]string, 0, len(*in.Subjects))
		for _, sub := range *in.Subjects {
			clean = append(clean, v.Name("subjects", sub, 20))
		}
		in.Subjects = &clean
	}
	return v.Err()
}

// RolesString writes roles in their canonical order; a principal is a leader too.
func RolesString(roles []string) string {
	if slices.Contains(roles, service.RolePrincipal) && !slices.Contains(roles, service.RoleLeader) {
		roles = append(roles, service.RoleLeader)
	}
	var out []string
	for _, r := range service.StaffRoles {
		if slices.Contains(roles, r) {
			out = append(out, r)
		}
	}
	return strings.Join(out, ",")
}

func subjectsString(subjects *[]string) string {
	if subjects == nil {
		return "[]"
	}
	raw, _ := json.Marshal(*subjects)
	return string(raw)
}

// CreateStaff adds a staff member (principal). A phone already active in the school is 409; a deactivated
// entry with that phone is brought back with the new details.
func (s *Service) CreateStaff(ctx context.Context, a *service.Actor, in StaffInput) (Staff, error) {
	if err := a.Require(service.RolePrincipal); err != nil {
		return Staff{}, err
	}
	if err := validateStaff(&in, true); err != nil {
		return Staff{}, err
	}
	var out model.Staff
	err := s.Tx(ctx, func(tx *service.Tx) error {
		var err error
		out, _, err = upsertStaff(tx, a, in)
		return err
	})
	return StaffView(out), err
}

// upsertStaff creates or re-activates one entry; created reports which. Used by create and import.
func upsertStaff(tx *service.Tx, a *service.Actor, in StaffInput) (model.Staff, bool, error) {
	var prev model.Staff
	err := tx.Scopes(a.Scope()).Where("phone = ?", *in.Phone).Take(&prev).Error
	switch {
	case model.IsNotFound(err):
		st := model.Staff{ID: model.NewID(), SchoolID: a.SchoolID, Name: *in.Name, Phone: *in.Phone,
			Roles: RolesString(*in.Roles), Subjects: subjectsString(in.Subjects), Active: true, CreatedAt: tx.Now,
			UpdatedAt: tx.Now}
		if err := tx.Create(&st).Error; err != nil {
			if model.IsDuplicate(err) {
				return st, false, service.Conflict("conflict", "该手机号已在本校教职工名单中")
			}
			return st, false, err
		}
		return st, true, evidence.Created(tx, a, a.SchoolID, evidence.Staff, st.ID, auditView(st))
	case err != nil:
		return prev, false, err
	case prev.Active && in.Active == nil:
		return prev, false, service.Conflict("conflict", "该手机号已在本校教职工名单中")
	}
	updates := map[string]any{"name": *in.Name, "roles": RolesString(*in.Roles), "active": true, "updated_at": tx.Now}
	if !prev.Active {
		unbind(updates) // re-added after deactivation: the person binds again
	}
	if in.Subjects != nil {
		updates["subjects"] = subjectsString(in.Subjects)
	}
	if prev.Active && isPrincipal(prev) && !slices.Contains(*in.Roles, service.RolePrincipal) {
		if err := lockPrincipals(tx, a.SchoolID); err != nil {
			return prev, false, err
		}
	}
	if err := tx.Model(&model.Staff{}).Scopes(a.Scope()).Where("id = ?", prev.ID).Updates(updates).Error; err != nil {
		return prev, false, err
	}
	var after model.Staff
	if err := tx.Scopes(a.Scope()).Where("id = ?", prev.ID).Take(&after).Error; err != nil {
		return prev, false, err
	}
	if err := keepAPrincipal(tx, a.SchoolID); err != nil {
		return prev, false, err
	}
	_, err = evidence.Updated(tx, a, a.SchoolID, evidence.Staff, prev.ID, auditView(prev), auditView(after))
	return after, false, err
}

// unbind adds to a roster entry's updates what ends its binding: the WeChat bound before must bind again
// (with the phone on the roster now), and its old tokens stay without this entry (see service/auth).
func unbind(updates map[string]any) {
	updates["account_id"], updates["bound_at"], updates["binding"] = nil, nil, ""
}

func isPrincipal(st model.Staff) bool {
	return slices.Contains(SplitRoles(st.Roles), service.RolePrincipal)
}

// lockPrincipals locks the school's active principals' rows until the transaction ends, so that two changes
// made at once cannot each see the other principal still there and together leave none.
func lockPrincipals(tx *service.Tx, schoolID string) error {
	var ids []string
	return tx.Model(&model.Staff{}).Scopes(model.InSchool(schoolID)).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("active = ? AND roles LIKE ?", true, "%"+service.RolePrincipal+"%").Pluck("id", &ids).Error
}

// keepAPrincipal refuses (409 last_principal) a change that leaves the school without an active principal:
// nobody could manage its roster any more.
func keepAPrincipal(tx *service.Tx, schoolID string) error {
	var n int64
	if err := tx.Model(&model.Staff{}).Scopes(model.InSchool(schoolID)).
		Where("active = ? AND roles LIKE ?", true, "%"+service.RolePrincipal+"%").Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return service.Conflict("last_principal", "学校至少要有一位在职校长，请先任命另一位校长")
	}
	return nil
}

// StaffQuery filters the roster.
type StaffQuery struct {
	Role   string
	Active *bool
	Page   service.PageQuery
}

// ListStaff lists the school's roster in roster order (a teacher needs it to pick whom they observed, so
// any staff member may read names and roles, but only leaders see phone numbers).
func (s *Service) ListStaff(ctx context.Context, a *service.Actor, q StaffQuery) (service.Page[Staff], error) {
	if err := a.RequireStaff(); err != nil {
		return service.Page[Staff]{}, err
	}
	v := service.Invalid{}
	v.OneOf("role", q.Role, true, service.StaffRoles...)
	if err := v.Err(); err != nil {
		return service.Page[Staff]{}, err
	}
	db := s.Read(ctx).Scopes(a.Scope())
	if q.Active != nil {
		db = db.Where("active = ?", *q.Active)
	}
	if q.Role != "" {
		db = db.Where("roles LIKE ?", "%"+q.Role+"%")
	}
	return service.List(db, q.Page, "id", false, func(r *model.Staff) string { return r.ID },
		service.Each(func(r model.Staff) Staff {
			st := StaffView(r)
			if !a.IsLeader() {
				st.Phone = service.MaskPhone(st.Phone)
			}
			return st
		}))
}

// GetStaff reads one roster entry of the actor's school (leaders).
func (s *Service) GetStaff(ctx context.Context, a *service.Actor, id string) (Staff, error) {
	if err := a.Require(service.RolePrincipal, service.RoleLeader); err != nil {
		return Staff{}, err
	}
	st, err := FindStaff(s.Read(ctx), a.SchoolID, id)
	return StaffView(st), err
}

// FindStaff reads a staff member of a school; another school's is 404.
func FindStaff(db *gorm.DB, schoolID, id string) (model.Staff, error) {
	var st model.Staff
	err := db.Scopes(model.InSchool(schoolID)).Where("id = ?", id).Take(&st).Error
	if model.IsNotFound(err) {
		return st, service.NotFound("教职工")
	}
	return st, service.WrapDB(err)
}

// StaffNames maps staff ids of a school to names.
func StaffNames(db *gorm.DB, schoolID string, ids []string) (map[string]string, error) {
	return StaffNamesIn(db, []string{schoolID}, ids)
}

// StaffNamesIn maps staff ids of any of the schools to names, in one statement (a job's run over many
// schools).
func StaffNamesIn(db *gorm.DB, schoolIDs, ids []string) (map[string]string, error) {
	list := slices.Compact(slices.Sorted(slices.Values(ids)))
	out := map[string]string{}
	if len(list) == 0 || len(schoolIDs) == 0 {
		return out, nil
	}
	var staff []model.Staff
	if err := db.Select("id", "name").Where("school_id IN ? AND id IN ?", schoolIDs, list).
		Find(&staff).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	for _, st := range staff {
		out[st.ID] = st.Name
	}
	return out, nil
}

// UpdateStaff changes a roster entry (principal). Deactivating ends the person's access at once; changing
// the phone or re-activating ends the binding (the person binds again). A principal cannot deactivate or
// demote themselves, nor change their own phone, and the school's last principal stays one (409).
func (s *Service) UpdateStaff(ctx context.Context, a *service.Actor, id string, in StaffInput) (Staff, error) {
	if err := a.Require(service.RolePrincipal); err != nil {
		return Staff{}, err
	}
	if err := validateStaff(&in, false); err != nil {
		return Staff{}, err
	}
	var out model.Staff
	err := s.Tx(ctx, func(tx *service.Tx) error {
		st, err := FindStaff(tx.DB, a.SchoolID, id)
		if err != nil {
			return err
		}
		deactivates := in.Active != nil && !*in.Active && st.Active
		demotes := in.Roles != nil && !slices.Contains(*in.Roles, service.RolePrincipal) && isPrincipal(st)
		if id == a.StaffID && (deactivates || demotes) {
			return service.Conflict("conflict", "不能停用自己或取消自己的校长角色")
		}
		phoneChanges := in.Phone != nil && *in.Phone != st.Phone
		if id == a.StaffID && phoneChanges {
			// Unbinding one's own WeChat would lock the principal out: another principal changes it.
			return service.Conflict("conflict", "不能修改自己的手机号，请由另一位校长修改")
		}
		if (deactivates || demotes) && isPrincipal(st) {
			if err := lockPrincipals(tx, a.SchoolID); err != nil {
				return err
			}
		}
		updates := map[string]any{"updated_at": tx.Now}
		if in.Name != nil {
			updates["name"] = *in.Name
		}
		if phoneChanges {
			updates["phone"] = *in.Phone
			unbind(updates) // the WeChat bound to the old number must bind again with the new one
		}
		if in.Active != nil && *in.Active && !st.Active {
			unbind(updates) // re-activated: the person binds again
		}
		if in.Roles != nil {
			updates["roles"] = RolesString(*in.Roles)
		}
		if in.Subjects != nil {
			updates["subjects"] = subjectsString(in.Subjects)
		}
		if in.Active != nil {
			updates["active"] = *in.Active
		}
		if err := tx.Model(&model.Staff{}).Scopes(a.Scope()).Where("id = ?", id).Updates(updates).Error; err != nil {
			if model.IsDuplicate(err) {
				return service.Conflict("conflict", "该手机号已在本校教职工名单中")
			}
			return err
		}
		if out, err = FindStaff(tx.DB, a.SchoolID, id); err != nil {
			return err
		}
		if err := keepAPrincipal(tx, a.SchoolID); err != nil {
			return err
		}
		_, err = evidence.Updated(tx, a, a.SchoolID, evidence.Staff, id, auditView(st), auditView(out))
		return err
	})
	return StaffView(out), err
}

// DeactivateStaff removes a staff member from the active roster (principal); their next call is 401/403.
func (s *Service) DeactivateStaff(ctx context.Context, a *service.Actor, id string) error {
	off := false
	_, err := s.UpdateStaff(ctx, a, id, StaffInput{Active: &off})
	return err
}

// SamePerson reports whether any of the school's roster entries staffIDs is bound to the WeChat account
// accountID: the same person under another identity (a leader who is also the region's inspector, a
// teacher at two schools). Nobody approves their own work under any of their identities.
func SamePerson(db *gorm.DB, schoolID string, staffIDs []string, accountID string) (bool, error) {
	if len(staffIDs) == 0 || accountID == "" {
		return false, nil
	}
	var n int64
	err := db.Model(&model.Staff{}).Scopes(model.InSchool(schoolID)).
		Where("id IN ? AND account_id = ?", staffIDs, accountID).Count(&n).Error
	return n > 0, service.WrapDB(err)
}
