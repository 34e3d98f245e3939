package observations

import (
	"context"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/school"
)

// Acknowledge is the observed teacher's answer to an observation: they have read the feedback and write
// their reflection (教学反思, required, with substance like the evaluation itself, and through WeChat's
// content check). Only that teacher may (the observer and leaders are 403; staff it does not concern 404);
// it is done once (409 conflict after), and it closes the record to the observer's edits.
func (s *Service) Acknowledge(ctx context.Context, a *service.Actor, id, reflection string) (Observation, error) {
	o, err := findObservation(s.Read(ctx), a, id)
	if err != nil {
		return Observation{}, err
	}
	if o.TeacherID != a.StaffID {
		return Observation{}, service.ForbiddenBecause("只有被听课教师本人可以确认听课记录")
	}
	if o.AcknowledgedAt != nil {
		return Observation{}, acknowledged()
	}
	v := service.Invalid{}
	reflection = evaluation(v, "reflection", reflection)
	if err := v.Err(); err != nil {
		return Observation{}, err
	}
	outcome, err := s.check.Check(ctx, a, reflection)
	if err != nil {
		return Observation{}, err
	}
	var row model.Observation
	var si *school.Info
	err = s.Tx(ctx, func(tx *service.Tx) error {
		if si, err = school.Load(tx.DB, a.SchoolID); err != nil {
			return err
		}
		res := tx.Model(&model.Observation{}).Scopes(a.Scope()).
			Where("id = ? AND teacher_id = ? AND acknowledged_at IS NULL", o.ID, a.StaffID).
			Updates(map[string]any{"reflection": reflection, "reflection_moderation": outcome,
				"acknowledged_at": tx.Now, "updated_at": tx.Now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return acknowledged()
		}
		if row, err = findObservation(tx.DB, a, id); err != nil {
			return err
		}
		_, err = evidence.Updated(tx, a, a.SchoolID, evidence.Observation, o.ID,
			map[string]any{"reflection": o.Reflection, "acknowledged_at": nil},
			map[string]any{"reflection": row.Reflection, "acknowledged_at": row.AcknowledgedAt})
		return err
	})
	if err != nil {
		return Observation{}, err
	}
	return s.observationOut(ctx, a, si, row)
}

func acknowledged() error {
	return service.Conflict("conflict", "这条听课记录已确认过")
}
