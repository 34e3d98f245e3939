package school

import (
	"context"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
)

// ClassParent is a parent linked to a class as the school sees them: the id DELETE
// /classes/{id}/parents/{parent_id} takes, the relation and when they joined. No name or other personal
// detail is shown (minors' data rule: parents are known to the school by their class only).
type ClassParent struct {
	ID       string    `json:"id"`
	Relation string    `json:"relation"`
	JoinedAt time.Time `json:"joined_at"`
}

// canManageParents is the principal or the class's head teacher: the people who admit and remove parents.
func canManageParents(a *service.Actor, c model.Class) bool {
	return a.Has(service.RolePrincipal) || IsHeadTeacher(a, c)
}

// ListClassParents lists the parents currently linked to a class, in joining order (principal, or the
// class's head teacher). Another school's class is 404.
func (s *Service) ListClassParents(ctx context.Context, a *service.Actor, classID string, page service.PageQuery) (service.Page[ClassParent], error) {
	if err := a.RequireStaff(); err != nil {
		return service.Page[ClassParent]{}, err
	}
	db := s.Read(ctx)
	c, err := FindClass(db, a.SchoolID, classID)
	if err != nil {
		return service.Page[ClassParent]{}, err
	}
	if !canManageParents(a, c) {
		return service.Page[ClassParent]{}, service.Forbidden()
	}
	si, err := Load(db, a.SchoolID)
	if err != nil {
		return service.Page[ClassParent]{}, err
	}
	q := db.Scopes(a.Scope()).Where("class_id = ? AND removed_at IS NULL", c.ID)
	return service.List(q, page, "id", false, func(r *model.ParentLink) string { return r.ID },
		service.Each(func(l model.ParentLink) ClassParent {
			return ClassParent{ID: l.AccountID, Relation: l.Relation, JoinedAt: service.Local(l.CreatedAt, si.Loc)}
		}))
}

// RemoveParent ends a parent's link to a class (principal or the head teacher); their access ends at once.
func (s *Service) RemoveParent(ctx context.Context, a *service.Actor, classID, parentID string) error {
	if err := a.RequireStaff(); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *service.Tx) error {
		c, err := FindClass(tx.DB, a.SchoolID, classID)
		if err != nil {
			return err
		}
		if !canManageParents(a, c) {
			return service.Forbidden()
		}
		var link model.ParentLink
		err = tx.Scopes(a.Scope()).Where("class_id = ? AND account_id = ? AND removed_at IS NULL", classID, parentID).
			Take(&link).Error
		if model.IsNotFound(err) {
			return service.NotFound("家长")
		}
		if err != nil {
			return err
		}
		if err := tx.Model(&model.ParentLink{}).Scopes(a.Scope()).Where("id = ?", link.ID).
			Update("removed_at", tx.Now).Error; err != nil {
			return err
		}
		return evidence.Deleted(tx, a, a.SchoolID, evidence.ParentLink, link.ID,
			map[string]any{"class_id": classID, "relation": link.Relation}, "")
	})
}
