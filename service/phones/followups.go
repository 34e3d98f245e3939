package phones

import (
	"context"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
)

// Resolve closes a check's open follow-up with a note saying what was done (the class's head teacher or a
// leader). A check with nothing open is 409 conflict; of two resolving at once one wins, the other is 409.
func (s *Service) Resolve(ctx context.Context, a *service.Actor, id, note string) (Check, error) {
	v := service.Invalid{}
	note = v.Content("note", note, 2, 500)
	if err := v.Err(); err != nil {
		return Check{}, err
	}
	return s.changeCheck(ctx, a, id, func(tx *service.Tx, before model.PhoneCheck, photoIDs []string) (model.PhoneCheck, error) {
		switch before.Followup {
		case FollowupResolved:
			return before, service.Conflict("conflict", "这条记录的跟进已处理")
		case "":
			return before, service.Conflict("conflict", "这条记录没有需要跟进的问题")
		}
		res := tx.Model(&model.PhoneCheck{}).Scopes(a.Scope()).Where("id = ? AND followup = ?", id, FollowupOpen).
			Updates(map[string]any{"followup": FollowupResolved, "resolved_at": tx.Now, "resolved_by": a.UserID(),
				"resolved_by_name": a.Name, "resolve_note": note, "updated_at": tx.Now})
		if res.Error != nil {
			return before, res.Error
		}
		if res.RowsAffected == 0 {
			return before, service.Conflict("conflict", "这条记录的跟进已处理")
		}
		row, at := before, tx.Now
		row.Followup, row.ResolvedAt, row.ResolvedBy, row.ResolvedByName, row.ResolveNote, row.UpdatedAt =
			FollowupResolved, &at, a.UserID(), a.Name, note, tx.Now
		_, err := evidence.Updated(tx, a, a.SchoolID, evidence.PhoneCheck, row.ID, auditCheck(before, photoIDs),
			auditCheck(row, photoIDs))
		return row, err
	})
}

// FollowupQuery filters GET /phone-checks/followups.
type FollowupQuery struct {
	ClassID string
	Page    service.PageQuery
}

// Followups lists the open follow-ups, oldest first, each with its age (leaders: the school's; head
// teachers: their classes').
func (s *Service) Followups(ctx context.Context, a *service.Actor, q FollowupQuery) (service.Page[Check], error) {
	v := service.Invalid{}
	v.ID("class_id", q.ClassID)
	if err := v.Err(); err != nil {
		return service.Page[Check]{}, err
	}
	return s.listChecks(ctx, a, q.ClassID, q.Page, false, func(db *gorm.DB) *gorm.DB {
		return db.Where("followup = ?", FollowupOpen)
	})
}
