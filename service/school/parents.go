package school

import (
	"context"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
)

// ClassParent is a parent linked to a class as the school sees them: the link's id (which DELETE
// /classes/{id}/parents/{parent_id} and readmit take), the relation and when they joined; RemovedAt for a
// removed link. No name or other personal detail is shown (minors' data rule: parents are known to the
// school by their class only), and the id is the link's, neither the account's nor the pseudonym the
// parent's meals and feedback carry, so the relation and join time here cannot be matched to those records.
type ClassParent struct {
	ID        string     `json:"id"`
	Relation  string     `json:"relation"`
	JoinedAt  time.Time  `json:"joined_at"`
	RemovedAt *time.Time `json:"removed_at,omitempty"`
}

// canManageParents is the principal or the class's head teacher: the people who admit and remove parents.
func canManageParents(a *service.Actor, c model.Class) bool {
	return a.Has(service.RolePrincipal) || IsHeadTeacher(a, c)
}

// ClassParentQuery filters a class's parents: the linked ones, or (Removed) the removed ones, who may be
// readmitted.
type ClassParentQuery struct {
	Removed bool
	Page    service.PageQuery
}

// ListClassParents lists the parents linked to a class (or removed from it), in joining order (principal,
// or the class's head teacher). Another school's class is 404.
func (s *Service) ListClassParents(ctx context.Context, a *service.Actor, classID string, q ClassParentQuery) (service.Page[ClassParent], error) {
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
	rows := db.Scopes(a.Scope()).Where("class_id = ?", c.ID)
	if q.Removed {
		rows = rows.Where("removed_at IS NOT NULL")
	} else {
		rows = rows.Where("removed_at IS NULL")
	}
	return service.List(rows, q.Page, "id", false, func(r *model.ParentLink) string { return r.ID },
		service.Each(func(l model.ParentLink) ClassParent { return classParentView(l, si.Loc) }))
}

func classParentView(l model.ParentLink, loc *time.Location) ClassParent {
	return ClassParent{ID: l.ID, Relation: l.Relation, JoinedAt: service.Local(l.CreatedAt, loc), RemovedAt: service.InZone(l.RemovedAt, loc)}
}

// LinkAudit is what the audit trail keeps of a class link: joining (service/auth) and readmission write it.
type LinkAudit struct {
	ClassID        string `json:"class_id"`
	Relation       string `json:"relation"`
	ConsentVersion string `json:"consent_version,omitempty"`
	Active         bool   `json:"active"`
}

// RemoveParent ends a parent's link to a class (principal or the head teacher); their access there ends at
// once, and the invite code they had no longer brings them back (readmission or a new code does).
func (s *Service) RemoveParent(ctx context.Context, a *service.Actor, classID, linkID string) error {
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
		link, err := findLink(tx, a, classID, linkID, false)
		if err != nil {
			return err
		}
		if err := tx.Model(&model.ParentLink{}).Scopes(a.Scope()).Where("id = ?", link.ID).
			Updates(map[string]any{"removed_at": tx.Now, "removed_code": c.InviteCode}).Error; err != nil {
			return err
		}
		return evidence.Deleted(tx, a, a.SchoolID, evidence.ParentLink, link.ID,
			map[string]any{"class_id": classID, "relation": link.Relation}, "")
	})
}

// ReadmitParent restores a removed parent's link to the class (the class's head teacher, or a leader):
// their access there comes back at once. A link that is not removed is 409.
func (s *Service) ReadmitParent(ctx context.Context, a *service.Actor, classID, linkID string) (ClassParent, error) {
	if err := a.RequireStaff(); err != nil {
		return ClassParent{}, err
	}
	var out ClassParent
	err := s.Tx(ctx, func(tx *service.Tx) error {
		c, err := FindClass(tx.DB, a.SchoolID, classID)
		if err != nil {
			return err
		}
		if !a.IsLeader() && !IsHeadTeacher(a, c) {
			return service.Forbidden()
		}
		link, err := findLink(tx, a, classID, linkID, true)
		if err != nil {
			return err
		}
		if link.RemovedAt == nil {
			return service.Conflict("conflict", "该家长仍在班级中，无需重新接纳")
		}
		res := tx.Model(&model.ParentLink{}).Scopes(a.Scope()).Where("id = ? AND removed_at IS NOT NULL", link.ID).
			Updates(map[string]any{"removed_at": nil, "removed_code": ""})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return service.Conflict("conflict", "该家长仍在班级中，无需重新接纳")
		}
		si, err := Load(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		link.RemovedAt = nil
		out = classParentView(link, si.Loc)
		_, err = evidence.Updated(tx, a, a.SchoolID, evidence.ParentLink, link.ID,
			LinkAudit{ClassID: classID, Relation: link.Relation, ConsentVersion: link.ConsentVersion, Active: false},
			LinkAudit{ClassID: classID, Relation: link.Relation, ConsentVersion: link.ConsentVersion, Active: true})
		return err
	})
	return out, err
}

// findLink reads a class's link by its id: an active one, or with anyState a removed one too. Anything
// else — another class's link, another school's — is 404.
func findLink(tx *service.Tx, a *service.Actor, classID, linkID string, anyState bool) (model.ParentLink, error) {
	var link model.ParentLink
	q := tx.Scopes(a.Scope()).Where("class_id = ? AND id = ?", classID, linkID)
	if !anyState {
		q = q.Where("removed_at IS NULL")
	}
	err := q.Take(&link).Error
	if model.IsNotFound(err) {
		return link, service.NotFound("家长")
	}
	return link, err
}
