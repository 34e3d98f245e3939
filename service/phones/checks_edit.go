package phones

import (
	"context"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

// CheckPatch corrects a check; nil fields stay. PhotoIDs, when given, is the whole new set. The class, date
// and kind are what the check is of and never change.
type CheckPatch struct {
	Expected *int
	Counted  *int
	Found    *int
	Location *string
	Note     *string
	PhotoIDs *[]string
}

// UpdateCheck lets the author correct a check within 24 hours (later 409 record_locked; another staff member
// 403) while its follow-up is not resolved (409 conflict). The discrepancy is computed again: a correction
// that makes one opens a follow-up, one that removes it closes the open item with nothing to follow.
// Every change is audited with its old value.
func (s *Service) UpdateCheck(ctx context.Context, a *service.Actor, id string, p CheckPatch) (Check, error) {
	v := service.Invalid{}
	if p.Location != nil {
		*p.Location = v.OptName("location", *p.Location, 50)
	}
	if p.Note != nil {
		*p.Note = v.Text("note", *p.Note, 500)
	}
	if p.PhotoIDs != nil {
		*p.PhotoIDs = photos.CheckIDs(v, *p.PhotoIDs)
	}
	if err := v.Err(); err != nil {
		return Check{}, err
	}
	return s.changeCheck(ctx, a, id, func(tx *service.Tx, before model.PhoneCheck, current []string) (model.PhoneCheck, error) {
		if err := evidence.CheckEdit(a, before.AuthorID, before.CreatedAt, tx.Now, "手机检查记录"); err != nil {
			return before, err
		}
		if before.Followup == FollowupResolved {
			return before, service.Conflict("conflict", "这条记录的跟进已处理完毕，不能再修改")
		}
		row := before
		if p.Expected != nil || p.Counted != nil || p.Found != nil {
			v := service.Invalid{}
			expected, counted, found := pick(p.Expected, before.Expected), pick(p.Counted, before.Counted), pick(p.Found, before.Found)
			counts(v, row.Kind, expected, counted, found)
			if err := v.Err(); err != nil {
				return before, err
			}
			row.Expected, row.Counted, row.Found = expected, counted, found
		}
		if p.Location != nil {
			row.Location = *p.Location
		}
		if p.Note != nil {
			row.Note = *p.Note
		}
		if err := settle(&row); err != nil {
			return before, err
		}
		switch need := needsFollowup(row); {
		case need && row.Followup == "":
			at := tx.Now
			row.Followup, row.FollowupAt = FollowupOpen, &at
		case !need && row.Followup == FollowupOpen:
			row.Followup, row.FollowupAt = "", nil
		}
		photoIDs := current
		if p.PhotoIDs != nil {
			if _, err := photos.Set(tx, a, *p.PhotoIDs, evidence.PhoneCheck, row.ID); err != nil {
				return before, err
			}
			photoIDs = *p.PhotoIDs
		}
		changed, err := evidence.Updated(tx, a, a.SchoolID, evidence.PhoneCheck, row.ID, auditCheck(before, current),
			auditCheck(row, photoIDs))
		if err != nil || !changed {
			return row, err
		}
		row.UpdatedAt = tx.Now
		return row, tx.Model(&model.PhoneCheck{}).Scopes(a.Scope()).Where("id = ?", row.ID).Updates(map[string]any{
			"expected": row.Expected, "counted": row.Counted, "found": row.Found, "discrepancy": row.Discrepancy,
			"location": row.Location, "note": row.Note, "followup": row.Followup, "followup_at": row.FollowupAt,
			"updated_at": tx.Now}).Error
	})
}

// changeCheck runs one change of a check in a transaction: it reads the check the actor may see (see
// findCheck) and its photos, lets fn change it and audit the change, and shows the result.
func (s *Service) changeCheck(ctx context.Context, a *service.Actor, id string,
	fn func(tx *service.Tx, before model.PhoneCheck, photoIDs []string) (model.PhoneCheck, error)) (Check, error) {
	var row model.PhoneCheck
	var class model.Class
	err := s.Tx(ctx, func(tx *service.Tx) error {
		before, c, err := findCheck(tx.DB, a, id)
		if err != nil {
			return err
		}
		class = c
		current, err := photos.Attached(tx.DB, a.SchoolID, evidence.PhoneCheck, before.ID)
		if err != nil {
			return err
		}
		row, err = fn(tx, before, current)
		return err
	})
	if err != nil {
		return Check{}, err
	}
	si, err := school.Load(s.Read(ctx), a.SchoolID)
	if err != nil {
		return Check{}, err
	}
	return s.checkOut(ctx, si, class, row)
}

// pick is the patched value when given, else the current one.
func pick(patched, current *int) *int {
	if patched != nil {
		return patched
	}
	return current
}
