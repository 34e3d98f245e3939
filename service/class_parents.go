package service

import (
	"context"
	"time"

	"schoolcheck/model"
)

// ClassParent is a parent linked to a class as the school sees them: the account id (what
// DELETE /classes/{id}/parents/{parent_id} takes), the relation and when they joined. No name or other
// personal detail is shown (minors' data rule: parents are known to the school by their class only).
type ClassParent struct {
	ID       string    `json:"id"`
	Relation string    `json:"relation"`
	JoinedAt time.Time `json:"joined_at"`
}

// ListClassParents lists the parents currently linked to a class, in joining order (principal, or the
// class's head teacher: the people who can remove a link). Another school's class is 404.
func (s *Service) ListClassParents(ctx context.Context, a *Actor, classID string, page PageQuery) (Page[ClassParent], error) {
	if err := a.requireStaff(); err != nil {
		return Page[ClassParent]{}, err
	}
	db := s.read(ctx)
	c, err := findClass(db, a.SchoolID, classID)
	if err != nil {
		return Page[ClassParent]{}, err
	}
	if !a.Has(RolePrincipal) && (c.HeadTeacherID == nil || *c.HeadTeacherID != a.StaffID) {
		return Page[ClassParent]{}, forbidden()
	}
	var rows []model.ParentLink
	q := db.Scopes(a.scope()).Where("class_id = ? AND removed_at IS NULL", c.ID)
	if err := page.apply(q, "id", false).Find(&rows).Error; err != nil {
		return Page[ClassParent]{}, wrapDB(err)
	}
	rows, more := trim(rows, page.limit())
	out := Page[ClassParent]{Items: make([]ClassParent, 0, len(rows))}
	for _, l := range rows {
		out.Items = append(out.Items, ClassParent{ID: l.AccountID, Relation: l.Relation, JoinedAt: l.CreatedAt})
	}
	if more {
		out.NextCursor = encodeCursor(rows[len(rows)-1].ID)
	}
	return out, nil
}
