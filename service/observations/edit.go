package observations

import (
	"context"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

// ObservationPatch corrects an observation; nil fields stay. Scores, when given, is the whole set, checked
// against the rubric version the observation was scored on. PhotoIDs, when given, is the whole new set.
// Subject, topic, date and period come from the lesson when the observation names one and cannot change.
type ObservationPatch struct {
	Subject, Topic, Date, Kind *string
	Period                     *int
	Scores                     *map[string]int
	Strengths, Suggestions     *string
	PhotoIDs                   *[]string
}

// lessonFields are the fields an observation of an open lesson takes from it.
func (p ObservationPatch) lessonFields() []string {
	var out []string
	for name, set := range map[string]bool{"subject": p.Subject != nil, "topic": p.Topic != nil,
		"date": p.Date != nil, "period": p.Period != nil} {
		if set {
			out = append(out, name)
		}
	}
	return out
}

// UpdateObservation lets the observer correct an observation within 24 hours of filing it and before the
// teacher acknowledges it; later, or once acknowledged, it is 409 record_locked. Anyone else is 403 (or
// 404 when they may not see it). Every change is audited with its old value.
func (s *Service) UpdateObservation(ctx context.Context, a *service.Actor, id string, p ObservationPatch) (Observation, error) {
	o, err := findObservation(s.Read(ctx), a, id)
	if err != nil {
		return Observation{}, err
	}
	if err := editable(a, o, s.Now()); err != nil {
		return Observation{}, err
	}
	v := service.Invalid{}
	if o.LessonID != nil {
		for _, f := range p.lessonFields() {
			v.Add(f, "来自公开课，不能修改")
		}
	}
	if p.Subject != nil {
		*p.Subject = v.Name("subject", *p.Subject, 20)
	}
	if p.Topic != nil {
		*p.Topic = v.Name("topic", *p.Topic, 100)
	}
	if p.Date != nil {
		v.Date("date", *p.Date)
	}
	if p.Period != nil {
		v.Range("period", *p.Period, 1, maxPeriod)
	}
	if p.Kind != nil {
		v.OneOf("kind", *p.Kind, false, Kinds...)
	}
	if p.Strengths != nil {
		*p.Strengths = evaluation(v, "strengths", *p.Strengths)
	}
	if p.Suggestions != nil {
		*p.Suggestions = evaluation(v, "suggestions", *p.Suggestions)
	}
	if p.PhotoIDs != nil {
		*p.PhotoIDs = photos.CheckIDs(v, *p.PhotoIDs)
	}
	total := o.Total
	if p.Scores != nil {
		all, err := rubrics(s.Read(ctx), a.SchoolID)
		if err != nil {
			return Observation{}, err
		}
		total = all[o.RubricVersion].score(v, *p.Scores)
	}
	if err := v.Err(); err != nil {
		return Observation{}, err
	}
	strengths, suggestions := deref(p.Strengths, o.Strengths), deref(p.Suggestions, o.Suggestions)
	outcome := o.Moderation
	if strengths != o.Strengths || suggestions != o.Suggestions {
		if outcome, err = s.check.Check(ctx, a, feedbackText(strengths, suggestions)); err != nil {
			return Observation{}, err
		}
	}
	var row model.Observation
	var si *school.Info
	err = s.Tx(ctx, func(tx *service.Tx) error {
		if si, err = school.Load(tx.DB, a.SchoolID); err != nil {
			return err
		}
		before, err := findObservation(tx.DB, a, id)
		if err != nil {
			return err
		}
		if err := editable(a, before, tx.Now); err != nil {
			return err
		}
		if p.Date != nil {
			if err := checkDate(si, tx.Now, *p.Date); err != nil {
				return err
			}
		}
		current, err := photos.Attached(tx.DB, a.SchoolID, evidence.Observation, o.ID)
		if err != nil {
			return err
		}
		updates := map[string]any{"strengths": strengths, "suggestions": suggestions, "moderation": outcome,
			"total": total, "updated_at": tx.Now}
		for col, val := range map[string]*string{"subject": p.Subject, "topic": p.Topic, "date": p.Date, "kind": p.Kind} {
			if val != nil {
				updates[col] = *val
			}
		}
		if p.Period != nil {
			updates["period"] = *p.Period
		}
		if p.Scores != nil {
			updates["scores"] = jsonText(*p.Scores)
		}
		// Conditional on "not acknowledged", so an acknowledgement that lands meanwhile wins.
		res := tx.Model(&model.Observation{}).Scopes(a.Scope()).Where("id = ? AND acknowledged_at IS NULL", o.ID).
			Updates(updates)
		if res.Error != nil {
			if model.IsDuplicate(res.Error) {
				return service.Conflict("already_recorded", "您已记录过这位老师这一节课的听课")
			}
			return res.Error
		}
		if res.RowsAffected == 0 {
			return locked()
		}
		photoIDs := current
		if p.PhotoIDs != nil {
			if _, err := photos.Set(tx, a, *p.PhotoIDs, evidence.Observation, o.ID); err != nil {
				return err
			}
			photoIDs = *p.PhotoIDs
		}
		if row, err = findObservation(tx.DB, a, id); err != nil {
			return err
		}
		_, err = evidence.Updated(tx, a, a.SchoolID, evidence.Observation, o.ID, auditOf(before, current),
			auditOf(row, photoIDs))
		return err
	})
	if err != nil {
		return Observation{}, err
	}
	return s.observationOut(ctx, a, si, row)
}

// editable allows a change by the observer within the edit window and before the acknowledgement.
func editable(a *service.Actor, o model.Observation, now time.Time) error {
	if err := evidence.CheckEdit(a, o.ObserverID, o.CreatedAt, now, "听课记录"); err != nil {
		return err
	}
	if o.AcknowledgedAt != nil {
		return locked()
	}
	return nil
}

func locked() error {
	return service.Conflict("record_locked", "被听课教师已确认这条听课记录，不能再修改")
}

func deref(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}
