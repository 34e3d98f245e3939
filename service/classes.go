package service

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// Class is a class as the API shows it. InviteCode is shown to leaders and the class's head teacher only.
type Class struct {
	ID               string  `json:"id"`
	Grade            string  `json:"grade"`
	Name             string  `json:"name"`
	Label            string  `json:"label"`
	HeadTeacherID    *string `json:"head_teacher_id"`
	StudentCount     int     `json:"student_count"`
	InviteCode       string  `json:"invite_code,omitempty"`
	PhonesRegistered int     `json:"phones_registered"`
}

// ClassInput creates a class; in a patch, nil fields are left alone.
type ClassInput struct {
	Grade         *string
	Name          *string
	HeadTeacherID *string
	StudentCount  *int
}

func classOut(a *Actor, c model.Class) Class {
	out := Class{ID: c.ID, Grade: c.Grade, Name: c.Name, Label: ClassLabel(c), HeadTeacherID: c.HeadTeacherID,
		StudentCount: c.StudentCount, PhonesRegistered: c.PhonesRegistered}
	if a.IsLeader() || (c.HeadTeacherID != nil && *c.HeadTeacherID == a.StaffID && a.StaffID != "") {
		out.InviteCode = c.InviteCode
	}
	return out
}

func (s *Service) validateClass(tx *gorm.DB, a *Actor, in *ClassInput, create bool) error {
	v := invalid{}
	check := func(field string, p *string, max int) {
		if p == nil {
			if create {
				v.add(field, "必填")
			}
			return
		}
		t := strings.TrimSpace(*p)
		*p = t
		if t == "" || len([]rune(t)) > max {
			v.add(field, "长度不正确")
		}
	}
	check("grade", in.Grade, 10)
	check("name", in.Name, 20)
	if in.StudentCount != nil && (*in.StudentCount < 0 || *in.StudentCount > 200) {
		v.add("student_count", "应在 0–200 之间")
	}
	if in.HeadTeacherID != nil && *in.HeadTeacherID != "" {
		st, err := findStaff(tx, a.SchoolID, *in.HeadTeacherID)
		if err != nil || !st.Active {
			v.add("head_teacher_id", "不是本校在职教职工")
		}
	}
	return v.err()
}

// CreateClass adds a class with a fresh invite code (principal).
func (s *Service) CreateClass(ctx context.Context, a *Actor, in ClassInput) (Class, error) {
	if err := a.require(RolePrincipal); err != nil {
		return Class{}, err
	}
	var c model.Class
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.validateClass(tx, a, &in, true); err != nil {
			return err
		}
		c = model.Class{ID: model.NewID(), SchoolID: a.SchoolID, Grade: *in.Grade, Name: *in.Name,
			InviteCode: model.NewInviteCode()}
		if in.HeadTeacherID != nil && *in.HeadTeacherID != "" {
			c.HeadTeacherID = in.HeadTeacherID
		}
		if in.StudentCount != nil {
			c.StudentCount = *in.StudentCount
		}
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		return s.audit(tx, a, a.SchoolID, ActionCreate, "class", c.ID, map[string]any{"grade": c.Grade, "name": c.Name,
			"head_teacher_id": c.HeadTeacherID, "student_count": c.StudentCount})
	})
	return classOut(a, c), err
}

// ListClasses lists the school's classes (staff) or a parent's own classes.
func (s *Service) ListClasses(ctx context.Context, a *Actor, page PageQuery) (Page[Class], error) {
	db := s.read(ctx).Scopes(a.scope())
	switch {
	case a.IsStaff():
	case len(a.ParentClassIDs) > 0:
		db = db.Where("id IN ?", a.ParentClassIDs)
	default:
		return Page[Class]{}, forbidden()
	}
	var rows []model.Class
	if err := page.apply(db, "id", false).Find(&rows).Error; err != nil {
		return Page[Class]{}, wrapDB(err)
	}
	rows, more := trim(rows, page.limit())
	out := Page[Class]{Items: make([]Class, 0, len(rows))}
	for _, c := range rows {
		out.Items = append(out.Items, classOut(a, c))
	}
	if more {
		out.NextCursor = encodeCursor(rows[len(rows)-1].ID)
	}
	return out, nil
}

// findClass reads a class of a school; another school's is 404.
func findClass(db *gorm.DB, schoolID, id string) (model.Class, error) {
	var c model.Class
	err := db.Scopes(model.InSchool(schoolID)).Where("id = ?", id).Take(&c).Error
	if model.IsNotFound(err) {
		return c, notFound("班级")
	}
	return c, wrapDB(err)
}

// UpdateClass changes a class (principal).
func (s *Service) UpdateClass(ctx context.Context, a *Actor, id string, in ClassInput) (Class, error) {
	if err := a.require(RolePrincipal); err != nil {
		return Class{}, err
	}
	var c model.Class
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := findClass(tx, a.SchoolID, id); err != nil {
			return err
		}
		if err := s.validateClass(tx, a, &in, false); err != nil {
			return err
		}
		updates := map[string]any{"updated_at": s.now().UTC()}
		if in.Grade != nil {
			updates["grade"] = *in.Grade
		}
		if in.Name != nil {
			updates["name"] = *in.Name
		}
		if in.StudentCount != nil {
			updates["student_count"] = *in.StudentCount
		}
		if in.HeadTeacherID != nil {
			if *in.HeadTeacherID == "" {
				updates["head_teacher_id"] = nil
			} else {
				updates["head_teacher_id"] = *in.HeadTeacherID
			}
		}
		if err := tx.Model(&model.Class{}).Scopes(a.scope()).Where("id = ?", id).Updates(updates).Error; err != nil {
			return err
		}
		delete(updates, "updated_at")
		if err := s.audit(tx, a, a.SchoolID, ActionUpdate, "class", id, updates); err != nil {
			return err
		}
		var err error
		c, err = findClass(tx, a.SchoolID, id)
		return err
	})
	return classOut(a, c), err
}

// RotateInviteCode gives a class a new invite code; the old one stops working at once (principal, or the
// class's head teacher). Parents who already joined stay.
func (s *Service) RotateInviteCode(ctx context.Context, a *Actor, id string) (Class, error) {
	if err := a.requireStaff(); err != nil {
		return Class{}, err
	}
	var c model.Class
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if c, err = findClass(tx, a.SchoolID, id); err != nil {
			return err
		}
		if !a.Has(RolePrincipal) && (c.HeadTeacherID == nil || *c.HeadTeacherID != a.StaffID) {
			return forbidden()
		}
		c.InviteCode = model.NewInviteCode()
		if err := tx.Model(&model.Class{}).Scopes(a.scope()).Where("id = ?", id).
			Updates(map[string]any{"invite_code": c.InviteCode, "updated_at": s.now().UTC()}).Error; err != nil {
			return err
		}
		return s.audit(tx, a, a.SchoolID, ActionUpdate, "class", id, map[string]any{"invite_code": "rotated"})
	})
	return classOut(a, c), err
}

// RemoveParent ends a parent's link to a class (principal or the head teacher); their access ends at once.
func (s *Service) RemoveParent(ctx context.Context, a *Actor, classID, parentID string) error {
	if err := a.requireStaff(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		c, err := findClass(tx, a.SchoolID, classID)
		if err != nil {
			return err
		}
		if !a.Has(RolePrincipal) && (c.HeadTeacherID == nil || *c.HeadTeacherID != a.StaffID) {
			return forbidden()
		}
		var link model.ParentLink
		err = tx.Scopes(a.scope()).Where("class_id = ? AND account_id = ? AND removed_at IS NULL", classID, parentID).
			Take(&link).Error
		if model.IsNotFound(err) {
			return notFound("家长")
		}
		if err != nil {
			return err
		}
		if err := tx.Model(&model.ParentLink{}).Scopes(a.scope()).Where("id = ?", link.ID).
			Update("removed_at", s.now().UTC()).Error; err != nil {
			return err
		}
		return s.audit(tx, a, a.SchoolID, ActionDelete, "parent_link", link.ID, map[string]any{"class_id": classID})
	})
}
