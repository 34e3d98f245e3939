package observations

import (
	"context"
	"fmt"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

// ObservationInput is POST /observations. With LessonID the lesson's teacher, class, subject, topic, date
// and period are taken (and Kind defaults to the lesson's).
type ObservationInput struct {
	LessonID    string
	TeacherID   string
	ClassID     string
	Subject     string
	Topic       string
	Date        string
	Period      int
	Kind        string
	Scores      map[string]int
	Strengths   string
	Suggestions string
	PhotoIDs    []string
}

// evaluation checks strengths and suggestions: required, and with substance (see Invalid.Substance).
func evaluation(v service.Invalid, field, s string) string {
	c := v.Content(field, s, 1, maxText)
	v.Substance(field, c, minSubstance)
	return c
}

// feedbackText is what msgSecCheck reads of an observation: strengths and suggestions together.
func feedbackText(strengths, suggestions string) string { return strengths + "\n" + suggestions }

// CreateObservation files an observation (any staff member). The observed teacher must be on the school's
// active roster (another school's is 404) and not the observer (422 self_observation); the date not after
// today nor before the term's start; every key of the rubric in force scored within its max; strengths and
// suggestions written with substance and passed by WeChat's content check. One observer files one record
// per teacher, date and period (409 already_recorded: correct it within 24 hours instead).
func (s *Service) CreateObservation(ctx context.Context, a *service.Actor, in ObservationInput) (Observation, error) {
	if err := a.RequireStaff(); err != nil {
		return Observation{}, err
	}
	v := service.Invalid{}
	v.ID("lesson_id", in.LessonID)
	v.ID("teacher_id", in.TeacherID)
	v.ID("class_id", in.ClassID)
	if in.LessonID == "" {
		if in.TeacherID == "" {
			v.Add("teacher_id", "必填")
		}
		in.Subject = v.Name("subject", in.Subject, 20)
		in.Topic = v.Name("topic", in.Topic, 100)
		v.Date("date", in.Date)
		v.Range("period", in.Period, 1, maxPeriod)
	}
	v.OneOf("kind", in.Kind, in.LessonID != "", Kinds...)
	in.Strengths = evaluation(v, "strengths", in.Strengths)
	in.Suggestions = evaluation(v, "suggestions", in.Suggestions)
	in.PhotoIDs = photos.CheckIDs(v, in.PhotoIDs)
	rub, err := currentRubric(s.Read(ctx), a.SchoolID)
	if err != nil {
		return Observation{}, err
	}
	rub.score(v, in.Scores)
	if err := v.Err(); err != nil {
		return Observation{}, err
	}
	outcome, err := s.check.Check(ctx, a, feedbackText(in.Strengths, in.Suggestions))
	if err != nil {
		return Observation{}, err
	}
	row := model.Observation{ID: model.NewID(), SchoolID: a.SchoolID, ObserverID: a.StaffID, TeacherID: in.TeacherID,
		Subject: in.Subject, Topic: in.Topic, Date: in.Date, Period: in.Period, Kind: in.Kind,
		Strengths: in.Strengths, Suggestions: in.Suggestions, Moderation: outcome}
	if in.ClassID != "" {
		row.ClassID = &in.ClassID
	}
	var si *school.Info
	err = s.Tx(ctx, func(tx *service.Tx) error {
		if si, err = school.Load(tx.DB, a.SchoolID); err != nil {
			return err
		}
		if in.LessonID != "" {
			l, err := findLesson(tx.DB, a, in.LessonID)
			if err != nil {
				return err
			}
			row.LessonID, row.TeacherID, row.ClassID = &l.ID, l.TeacherID, l.ClassID
			row.Subject, row.Topic, row.Date, row.Period = l.Subject, l.Topic, l.Date, l.Period
			if row.Kind == "" {
				row.Kind = l.Kind
			}
		}
		if err := checkSubject(tx, a, si, row); err != nil {
			return err
		}
		// Scored on the version in force when the record is written (a version published meanwhile counts).
		if rub, err = currentRubric(tx.DB, a.SchoolID); err != nil {
			return err
		}
		v := service.Invalid{}
		row.Total, row.RubricVersion, row.MaxTotal = rub.score(v, in.Scores), rub.Version, rub.MaxTotal
		if err := v.Err(); err != nil {
			return err
		}
		row.Scores = jsonText(in.Scores)
		row.CreatedAt, row.UpdatedAt = tx.Now, tx.Now
		if err := tx.Create(&row).Error; err != nil {
			if model.IsDuplicate(err) {
				return service.Conflict("already_recorded", "您已记录过这位老师这一节课的听课，可在 24 小时内修改原记录")
			}
			return err
		}
		if err := photos.Attach(tx, a, in.PhotoIDs, evidence.Observation, row.ID); err != nil {
			return err
		}
		return evidence.Created(tx, a, a.SchoolID, evidence.Observation, row.ID, auditOf(row, in.PhotoIDs))
	})
	if err != nil {
		return Observation{}, err
	}
	return s.observationOut(ctx, a, si, row)
}

// checkSubject checks who and what was observed: the teacher on the active roster (404 otherwise) and not
// the observer, the class of the school, the date from the term's start to today.
func checkSubject(tx *service.Tx, a *service.Actor, si *school.Info, row model.Observation) error {
	if _, err := activeStaff(tx.DB, a.SchoolID, row.TeacherID); err != nil {
		return err
	}
	if row.TeacherID == a.StaffID {
		return service.Rule("self_observation", "不能给自己的课评课")
	}
	if row.ClassID != nil {
		if _, err := school.FindClass(tx.DB, a.SchoolID, *row.ClassID); err != nil {
			return err
		}
	}
	return checkDate(si, tx.Now, row.Date)
}

// checkDate refuses an observation of a lesson after today, or before the current term began.
func checkDate(si *school.Info, now time.Time, date string) error {
	switch term := si.Settings.Term; {
	case date > si.Today(now):
		return service.Invalid{"date": "课还没上，不能提前评课（日期不能晚于今天）"}.Err()
	case date < term.Start:
		return service.Invalid{"date": fmt.Sprintf("不能早于本学期开始日期（%s）", term.Start)}.Err()
	}
	return nil
}

// ObservationQuery filters GET /observations. Overdue "true" keeps the observations unacknowledged past
// the school's deadline, "false" the others.
type ObservationQuery struct {
	TeacherID, ObserverID, Subject, Kind, From, To, Overdue string
	Page                                                    service.PageQuery
}

// ObservationPage is GET /observations: a page of observations and the caller's quota this term.
type ObservationPage struct {
	service.Page[Observation]
	Quota Quota `json:"quota"`
}

// ListObservations lists observations newest first (leaders: the school's; other staff: those they gave or
// received), with the caller's given-vs-quota for the term.
func (s *Service) ListObservations(ctx context.Context, a *service.Actor, q ObservationQuery) (ObservationPage, error) {
	scope, err := visible(a)
	if err != nil {
		return ObservationPage{}, err
	}
	v := service.Invalid{}
	v.ID("teacher_id", q.TeacherID)
	v.ID("observer_id", q.ObserverID)
	v.OneOf("kind", q.Kind, true, Kinds...)
	v.OneOf("overdue", q.Overdue, true, "true", "false")
	v.Span("from", q.From, "to", q.To, 0)
	if err := v.Err(); err != nil {
		return ObservationPage{}, err
	}
	db := s.Read(ctx)
	si, err := school.Load(db, a.SchoolID)
	if err != nil {
		return ObservationPage{}, err
	}
	quota, err := quotaOf(db, si, a.StaffID, a.Roles)
	if err != nil {
		return ObservationPage{}, err
	}
	list := db.Scopes(scope)
	for _, f := range [][2]string{{"teacher_id", q.TeacherID}, {"observer_id", q.ObserverID}, {"subject", q.Subject},
		{"kind", q.Kind}} {
		if f[1] != "" {
			list = list.Where(f[0]+" = ?", f[1])
		}
	}
	list = list.Scopes(service.Dates("date", q.From, q.To))
	switch cutoff := overdueCutoff(si, s.Now()); q.Overdue {
	case "true":
		list = list.Where("acknowledged_at IS NULL AND created_at < ?", cutoff)
	case "false":
		list = list.Where("(acknowledged_at IS NOT NULL OR created_at >= ?)", cutoff)
	}
	page, err := service.List(list, q.Page, "id", true, func(r *model.Observation) string { return r.ID },
		func(rows []model.Observation) ([]Observation, error) { return s.observationViews(ctx, a, si, rows) })
	return ObservationPage{Page: page, Quota: quota}, err
}

// GetObservation reads one observation the actor may see.
func (s *Service) GetObservation(ctx context.Context, a *service.Actor, id string) (Observation, error) {
	o, err := findObservation(s.Read(ctx), a, id)
	if err != nil {
		return Observation{}, err
	}
	return s.observationOut(ctx, a, nil, o)
}
