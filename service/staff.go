package service

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"gorm.io/gorm"

	"schoolcheck/model"
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

// StaffRoles are the roles a school may give its staff (inspectors belong to regions).
var StaffRoles = []string{RolePrincipal, RoleLeader, RoleTeacher}

func staffOut(m model.Staff) Staff {
	out := Staff{ID: m.ID, Name: m.Name, Phone: m.Phone, Roles: splitRoles(m.Roles), Subjects: []string{},
		Bound: m.AccountID != nil, Active: m.Active}
	_ = json.Unmarshal([]byte(m.Subjects), &out.Subjects)
	if out.Roles == nil {
		out.Roles = []string{}
	}
	return out
}

// validateStaff checks the fields present; create=true requires name, phone and roles.
func validateStaff(in *StaffInput, create bool) error {
	v := invalid{}
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		in.Name = &n
		if n == "" || len([]rune(n)) > 32 {
			v.add("name", "姓名为 1–32 个字")
		}
	} else if create {
		v.add("name", "必填")
	}
	if in.Phone != nil {
		p := normalizePhone(*in.Phone)
		in.Phone = &p
		if !phonePattern.MatchString(p) {
			v.add("phone", "手机号格式不正确")
		}
	} else if create {
		v.add("phone", "必填")
	}
	if in.Roles != nil {
		if len(*in.Roles) == 0 {
			v.add("roles", "至少一个角色")
		}
		for _, r := range *in.Roles {
			if !slices.Contains(StaffRoles, r) {
				v.add("roles", "角色只能是 principal、leader 或 teacher")
			}
		}
	} else if create {
		v.add("roles", "必填")
	}
	if in.Subjects != nil {
		if len(*in.Subjects) > 10 {
			v.add("subjects", "最多 10 个学科")
		}
		for _, sub := range *in.Subjects {
			if strings.TrimSpace(sub) == "" || len([]rune(sub)) > 20 {
				v.add("subjects", "学科为 1–20 个字")
			}
		}
	}
	return v.err()
}

func rolesString(roles []string) string {
	// A principal is a leader too.
	if slices.Contains(roles, RolePrincipal) && !slices.Contains(roles, RoleLeader) {
		roles = append(roles, RoleLeader)
	}
	var out []string
	for _, r := range StaffRoles {
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
func (s *Service) CreateStaff(ctx context.Context, a *Actor, in StaffInput) (Staff, error) {
	if err := a.require(RolePrincipal); err != nil {
		return Staff{}, err
	}
	if err := validateStaff(&in, true); err != nil {
		return Staff{}, err
	}
	var out model.Staff
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		out, _, err = s.upsertStaff(tx, a, in)
		return err
	})
	return staffOut(out), err
}

// upsertStaff creates or re-activates one entry; created reports which. Used by create and import.
func (s *Service) upsertStaff(tx *gorm.DB, a *Actor, in StaffInput) (model.Staff, bool, error) {
	var prev model.Staff
	err := tx.Scopes(a.scope()).Where("phone = ?", *in.Phone).Take(&prev).Error
	now := s.now().UTC()
	switch {
	case model.IsNotFound(err):
		st := model.Staff{ID: model.NewID(), SchoolID: a.SchoolID, Name: *in.Name, Phone: *in.Phone,
			Roles: rolesString(*in.Roles), Subjects: subjectsString(in.Subjects), Active: true, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&st).Error; err != nil {
			if model.IsDuplicate(err) {
				return st, false, conflict("conflict", "该手机号已在本校教职工名单中")
			}
			return st, false, err
		}
		return st, true, s.audit(tx, a, a.SchoolID, ActionCreate, "staff", st.ID,
			map[string]any{"name": st.Name, "phone": maskPhone(st.Phone), "roles": st.Roles})
	case err != nil:
		return prev, false, err
	case prev.Active && in.Active == nil:
		return prev, false, conflict("conflict", "该手机号已在本校教职工名单中")
	}
	updates := map[string]any{"name": *in.Name, "roles": rolesString(*in.Roles), "active": true, "updated_at": now}
	if in.Subjects != nil {
		updates["subjects"] = subjectsString(in.Subjects)
	}
	if err := tx.Model(&model.Staff{}).Scopes(a.scope()).Where("id = ?", prev.ID).Updates(updates).Error; err != nil {
		return prev, false, err
	}
	if err := tx.Scopes(a.scope()).Where("id = ?", prev.ID).Take(&prev).Error; err != nil {
		return prev, false, err
	}
	return prev, false, s.audit(tx, a, a.SchoolID, ActionUpdate, "staff", prev.ID,
		map[string]any{"name": prev.Name, "roles": prev.Roles, "active": true})
}

// StaffQuery filters the roster.
type StaffQuery struct {
	Role   string
	Active *bool
	Page   PageQuery
}

// ListStaff lists the school's roster (leaders; a teacher needs the list to pick whom they observed too, so
// any staff member may read names and roles, but only leaders see phone numbers).
func (s *Service) ListStaff(ctx context.Context, a *Actor, q StaffQuery) (Page[Staff], error) {
	if err := a.requireStaff(); err != nil {
		return Page[Staff]{}, err
	}
	db := s.read(ctx).Scopes(a.scope())
	if q.Active != nil {
		db = db.Where("active = ?", *q.Active)
	}
	if q.Role != "" {
		db = db.Where("roles LIKE ?", "%"+q.Role+"%")
	}
	var rows []model.Staff
	if err := q.Page.apply(db, "id", false).Find(&rows).Error; err != nil {
		return Page[Staff]{}, wrapDB(err)
	}
	rows, more := trim(rows, q.Page.limit())
	out := Page[Staff]{Items: make([]Staff, 0, len(rows))}
	for _, r := range rows {
		st := staffOut(r)
		if !a.IsLeader() {
			st.Phone = maskPhone(st.Phone)
		}
		out.Items = append(out.Items, st)
	}
	if more {
		out.NextCursor = encodeCursor(rows[len(rows)-1].ID)
	}
	return out, nil
}

// GetStaff reads one roster entry of the actor's school (leaders).
func (s *Service) GetStaff(ctx context.Context, a *Actor, id string) (Staff, error) {
	if err := a.require(RolePrincipal, RoleLeader); err != nil {
		return Staff{}, err
	}
	st, err := findStaff(s.read(ctx), a.SchoolID, id)
	return staffOut(st), err
}

// findStaff reads a staff member of a school; another school's is 404.
func findStaff(db *gorm.DB, schoolID, id string) (model.Staff, error) {
	var st model.Staff
	err := db.Scopes(model.InSchool(schoolID)).Where("id = ?", id).Take(&st).Error
	if model.IsNotFound(err) {
		return st, notFound("教职工")
	}
	return st, wrapDB(err)
}

// UpdateStaff changes a roster entry (principal). Deactivating ends the person's access at once.
func (s *Service) UpdateStaff(ctx context.Context, a *Actor, id string, in StaffInput) (Staff, error) {
	if err := a.require(RolePrincipal); err != nil {
		return Staff{}, err
	}
	if err := validateStaff(&in, false); err != nil {
		return Staff{}, err
	}
	var out model.Staff
	err := s.tx(ctx, func(tx *gorm.DB) error {
		st, err := findStaff(tx, a.SchoolID, id)
		if err != nil {
			return err
		}
		if id == a.StaffID && ((in.Active != nil && !*in.Active) || (in.Roles != nil && !slices.Contains(*in.Roles, RolePrincipal))) {
			return conflict("conflict", "不能停用自己或取消自己的校长角色")
		}
		updates := map[string]any{"updated_at": s.now().UTC()}
		changes := map[string]any{}
		if in.Name != nil {
			updates["name"], changes["name"] = *in.Name, *in.Name
		}
		if in.Phone != nil && *in.Phone != st.Phone {
			updates["phone"], changes["phone"] = *in.Phone, maskPhone(*in.Phone)
			// The WeChat bound to the old number must bind again with the new one.
			updates["account_id"], updates["bound_at"] = nil, nil
		}
		if in.Roles != nil {
			updates["roles"], changes["roles"] = rolesString(*in.Roles), rolesString(*in.Roles)
		}
		if in.Subjects != nil {
			updates["subjects"], changes["subjects"] = subjectsString(in.Subjects), *in.Subjects
		}
		if in.Active != nil {
			updates["active"], changes["active"] = *in.Active, *in.Active
		}
		if err := tx.Model(&model.Staff{}).Scopes(a.scope()).Where("id = ?", id).Updates(updates).Error; err != nil {
			if model.IsDuplicate(err) {
				return conflict("conflict", "该手机号已在本校教职工名单中")
			}
			return err
		}
		if err := s.audit(tx, a, a.SchoolID, ActionUpdate, "staff", id, changes); err != nil {
			return err
		}
		out, err = findStaff(tx, a.SchoolID, id)
		return err
	})
	return staffOut(out), err
}

// DeactivateStaff removes a staff member from the active roster (principal); their next call is 401/403.
func (s *Service) DeactivateStaff(ctx context.Context, a *Actor, id string) error {
	off := false
	_, err := s.UpdateStaff(ctx, a, id, StaffInput{Active: &off})
	return err
}
