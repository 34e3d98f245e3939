package school

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
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

// ClassLabel is how a class is written: "三年级2班".
func ClassLabel(c model.Class) string {
	name := c.Name
	if !strings.HasSuffix(name, "班") {
		name += "班"
	}
	return c.Grade + name
}

// ParentLabel is how the school sees a parent of a class: "三年级2班家长", never by name.
func ParentLabel(c model.Class) string { return ClassLabel(c) + "家长" }

// IsHeadTeacher reports whether the actor is the class's head teacher.
func IsHeadTeacher(a *service.Actor, c model.Class) bool {
	return a.StaffID != "" && c.HeadTeacherID != nil && *c.HeadTeacherID == a.StaffID
}

func classOut(a *service.Actor, c model.Class) Class {
	out := Class{ID: c.ID, Grade: c.Grade, Name: c.Name, Label: ClassLabel(c), HeadTeacherID: c.HeadTeacherID,
		StudentCount: c.StudentCount, PhonesRegistered: c.PhonesRegistered}
	if (a.IsStaff() && a.IsLeader()) || IsHeadTeacher(a, c) {
		out.InviteCode = c.InviteCode
	}
	return out
}

// classAudit is what the audit trail keeps of a class (never its invite code).
type classAudit struct {
	Grade         string  `json:"grade"`
	Name          string  `json:"name"`
	HeadTeacherID *string `json:"head_teacher_id"`
	StudentCount  int     `json:"student_count"`
}

func classAuditView(c model.Class) classAudit {
	return classAudit{Grade: c.Grade, Name: c.Name, HeadTeacherID: c.HeadTeacherID, StudentCount: c.StudentCount}
}

func validateClass(tx *gorm.DB, a *service.Actor, in *ClassInput, create bool) error {
	v := service.Invalid{}
	check := func(field string, p *string, max int) {
		if p == nil {
			if create {
				v.Add(field, "必填")
			}
			return
		}
		*p = v.Name(field, *p, max)
	}
	check("grade", in.Grade, 10)
	check("name", in.Name, 20)
	if in.StudentCount != nil {
		v.Range("student_count", *in.StudentCount, 0, 200)
	}
	if in.HeadTeacherID != nil && *in.HeadTeacherID != "" {
		st, err := FindStaff(tx, a.SchoolID, *in.HeadTeacherID)
		if err != nil || !st.Active {
			v.Add("head_teacher_id", "不是本校在职教职工")
		}
	}
	return v.Err()
}

// CreateClass adds a class with a fresh invite code (principal).
func (s *Service) CreateClass(ctx context.Context, a *service.Actor, in ClassInput) (Class, error) {
	if err := a.Require(service.RolePrincipal); err != nil {
		return Class{}, err
	}
	var c model.Class
	err := s.Tx(ctx, func(tx *service.Tx) error {
		if err := validateClass(tx.DB, a, &in, true); err != nil {
			return err
		}
		c = model.Class{ID: model.NewID(), SchoolID: a.SchoolID, Grade: *in.Grade, Name: *in.Name,
			InviteCode: model.NewInviteCode(), CreatedAt: tx.Now, UpdatedAt: tx.Now}
		if in.HeadTeacherID != nil && *in.HeadTeacherID != "" {
			c.HeadTeacherID = in.HeadTeacherID
		}
		if in.StudentCount != nil {
			c.StudentCount = *in.StudentCount
		}
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		return evidence.Created(tx, a, a.SchoolID, evidence.Class, c.ID, classAuditView(c))
	})
	return classOut(a, c), err
}

// ListClasses lists the school's classes (staff) or a parent's own classes.
func (s *Service) ListClasses(ctx context.Context, a *service.Actor, page service.PageQuery) (service.Page[Class], error) {
	db := s.Read(ctx).Scopes(a.Scope())
	switch {
	case a.IsStaff():
	case a.IsParent():
		db = db.Where("id IN ?", a.ParentClassIDs)
	default:
		return service.Page[Class]{}, service.Forbidden()
	}
	return service.List(db, page, "id", false, func(r *model.Class) string { return r.ID },
		service.Each(func(c model.Class) Class { return classOut(a, c) }))
}

// FindClass reads a class of a school; another school's is 404.
func FindClass(db *gorm.DB, schoolID, id string) (model.Class, error) {
	var c model.Class
	err := db.Scopes(model.InSchool(schoolID)).Where("id = ?", id).Take(&c).Error
	if model.IsNotFound(err) {
		return c, service.NotFound("班级")
	}
	return c, service.WrapDB(err)
}

// UpdateClass changes a class (principal).
func (s *Service) UpdateClass(ctx context.Context, a *service.Actor, id string, in ClassInput) (Class, error) {
	if err := a.Require(service.RolePrincipal); err != nil {
		return Class{}, err
	}
	var c model.Class
	err := s.Tx(ctx, func(tx *service.Tx) error {
		before, err := FindClass(tx.DB, a.SchoolID, id)
		if err != nil {
			return err
		}
		if err := validateClass(tx.DB, a, &in, false); err != nil {
			return err
		}
		updates := map[string]any{"updated_at": tx.Now}
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
		if err := tx.Model(&model.Class{}).Scopes(a.Scope()).Where("id = ?", id).Updates(updates).Error; err != nil {
			return err
		}
		if c, err = FindClass(tx.DB, a.SchoolID, id); err != nil {
			return err
		}
		_, err = evidence.Updated(tx, a, a.SchoolID, evidence.Class, id, classAuditView(before), classAuditView(c))
		return err
	})
	return classOut(a, c), err
}

// RotateInviteCode gives a class a new invite code; the old one stops working at once (principal, or the
// class's head teacher). Parents who already joined stay.
func (s *Service) RotateInviteCode(ctx context.Context, a *service.Actor, id string) (Class, error) {
	if err := a.RequireStaff(); err != nil {
		return Class{}, err
	}
	var c model.Class
	err := s.Tx(ctx, func(tx *service.Tx) error {
		var err error
		if c, err = FindClass(tx.DB, a.SchoolID, id); err != nil {
			return err
		}
		if !a.Has(service.RolePrincipal) && !IsHeadTeacher(a, c) {
			return service.Forbidden()
		}
		c.InviteCode = model.NewInviteCode()
		if err := tx.Model(&model.Class{}).Scopes(a.Scope()).Where("id = ?", id).
			Updates(map[string]any{"invite_code": c.InviteCode, "updated_at": tx.Now}).Error; err != nil {
			return err
		}
		return evidence.Record(tx, a, a.SchoolID, evidence.ActionUpdate, evidence.Class, id,
			evidence.Changes{"invite_code": {From: "（旧邀请码）", To: "（新邀请码）"}})
	})
	return classOut(a, c), err
}

// SetPhonesRegistered writes a class's current registered-phones count (GET /classes shows it), for the
// phone-custody module, which keeps the history behind it, inside that module's transaction.
func SetPhonesRegistered(tx *service.Tx, schoolID, classID string, n int) error {
	return tx.Model(&model.Class{}).Scopes(model.InSchool(schoolID)).Where("id = ?", classID).
		Updates(map[string]any{"phones_registered": n, "updated_at": tx.Now}).Error
}
