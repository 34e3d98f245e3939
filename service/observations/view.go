package observations

import (
	"context"
	"encoding/json"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/moderation"
	"schoolcheck/service/photos"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// Observation is an observed lesson as the API shows it. Rate is total / max_total of the rubric version
// it was scored on (0..1), the figure that compares observations across versions. AcknowledgeBy is when it
// becomes overdue; Overdue says it is unacknowledged past that. Moderation is shown to leaders only.
type Observation struct {
	ID             string         `json:"id"`
	LessonID       *string        `json:"lesson_id"`
	Teacher        service.Ref    `json:"teacher"`
	Observer       service.Ref    `json:"observer"`
	ClassID        *string        `json:"class_id"`
	Class          string         `json:"class"`
	Subject        string         `json:"subject"`
	Topic          string         `json:"topic"`
	Date           string         `json:"date"`
	Period         int            `json:"period"`
	Kind           string         `json:"kind"`
	RubricVersion  int            `json:"rubric_version"`
	Scores         map[string]int `json:"scores"`
	Total          int            `json:"total"`
	MaxTotal       int            `json:"max_total"`
	Rate           float64        `json:"rate"`
	Strengths      string         `json:"strengths"`
	Suggestions    string         `json:"suggestions"`
	Photos         []photos.Ref   `json:"photos"`
	Reflection     string         `json:"reflection"`
	AcknowledgedAt *time.Time     `json:"acknowledged_at"`
	AcknowledgeBy  time.Time      `json:"acknowledge_by"`
	Overdue        bool           `json:"overdue"`
	Moderation     string         `json:"moderation,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
	EditableUntil  time.Time      `json:"editable_until"`
}

// observationOut is one row as a view.
func (s *Service) observationOut(ctx context.Context, a *service.Actor, si *school.Info, o model.Observation) (Observation, error) {
	return one(ctx, s, a, si, o.SchoolID, o, s.observationViews)
}

// one converts a single row with the converter of a page of them, loading the school when the caller has
// not.
func one[M, T any](ctx context.Context, s *Service, a *service.Actor, si *school.Info, schoolID string, row M,
	views func(context.Context, *service.Actor, *school.Info, []M) ([]T, error)) (T, error) {
	var zero T
	if si == nil {
		var err error
		if si, err = school.Load(s.Read(ctx), schoolID); err != nil {
			return zero, err
		}
	}
	out, err := views(ctx, a, si, []M{row})
	if err != nil {
		return zero, err
	}
	return out[0], nil
}

// observationViews converts rows with names, class labels and photos, in one query each for all of them.
func (s *Service) observationViews(ctx context.Context, a *service.Actor, si *school.Info, rows []model.Observation) ([]Observation, error) {
	ids, staff, classes := make([]string, 0, len(rows)), make([]string, 0, 2*len(rows)), make([]*string, 0, len(rows))
	for _, r := range rows {
		ids, staff, classes = append(ids, r.ID), append(staff, r.ObserverID, r.TeacherID), append(classes, r.ClassID)
	}
	db := s.Read(ctx)
	n, err := loadNames(db, si.School.ID, staff, classes)
	if err != nil {
		return nil, err
	}
	ph, err := s.photos.Of(ctx, si.School.ID, evidence.Observation, ids...)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := make([]Observation, 0, len(rows))
	for _, r := range rows {
		o := observationView(r, si, n, now)
		o.Photos = photos.For(ph, r.ID)
		if a.UserID() != r.ObserverID && r.Moderation == moderation.Rejected {
			o.Strengths, o.Suggestions = moderation.Hidden, moderation.Hidden
		}
		if a.UserID() != r.TeacherID && r.ReflectionModeration == moderation.Rejected {
			o.Reflection = moderation.Hidden
		}
		if a.IsLeader() {
			o.Moderation = worst(r.Moderation, r.ReflectionModeration)
		}
		out = append(out, o)
	}
	return out, nil
}

// worst is the outcome a leader needs to see of two texts' checks.
func worst(a, b string) string {
	for _, o := range []string{moderation.Rejected, moderation.Review, moderation.Pending} {
		if a == o || b == o {
			return o
		}
	}
	return moderation.Pass
}

// observationView converts a row (photos are added by the caller).
func observationView(r model.Observation, si *school.Info, n names, now time.Time) Observation {
	o := Observation{ID: r.ID, LessonID: r.LessonID, Teacher: n.ref(r.TeacherID), Observer: n.ref(r.ObserverID),
		ClassID: r.ClassID, Class: n.class(r.ClassID), Subject: r.Subject, Topic: r.Topic, Date: r.Date,
		Period: r.Period, Kind: r.Kind, RubricVersion: r.RubricVersion, Scores: map[string]int{}, Total: r.Total,
		MaxTotal: r.MaxTotal, Rate: rate(r.Total, r.MaxTotal), Strengths: r.Strengths, Suggestions: r.Suggestions,
		Photos: []photos.Ref{}, Reflection: r.Reflection, AcknowledgedAt: service.InZone(r.AcknowledgedAt, si.Loc),
		AcknowledgeBy: ackDue(si, r.CreatedAt).In(si.Loc), CreatedAt: r.CreatedAt.In(si.Loc),
		EditableUntil: evidence.EditableUntil(r.CreatedAt).In(si.Loc)}
	o.Overdue = r.AcknowledgedAt == nil && now.After(o.AcknowledgeBy)
	_ = json.Unmarshal([]byte(r.Scores), &o.Scores)
	return o
}

// rate is total / max as a fraction rounded to 4 places, as report.Ratio writes shares.
func rate(total, max int) float64 { return report.Ratio(total, max) }

// observationAudit is what the audit trail keeps of an observation: its photos by id, no URLs.
type observationAudit struct {
	TeacherID     string         `json:"teacher_id"`
	LessonID      *string        `json:"lesson_id"`
	ClassID       *string        `json:"class_id"`
	Subject       string         `json:"subject"`
	Topic         string         `json:"topic"`
	Date          string         `json:"date"`
	Period        int            `json:"period"`
	Kind          string         `json:"kind"`
	RubricVersion int            `json:"rubric_version"`
	Scores        map[string]int `json:"scores"`
	Total         int            `json:"total"`
	Strengths     string         `json:"strengths"`
	Suggestions   string         `json:"suggestions"`
	PhotoIDs      []string       `json:"photo_ids"`
	Reflection    string         `json:"reflection"`
	Acknowledged  *time.Time     `json:"acknowledged_at"`
}

func auditOf(r model.Observation, photoIDs []string) observationAudit {
	if photoIDs == nil {
		photoIDs = []string{}
	}
	out := observationAudit{TeacherID: r.TeacherID, LessonID: r.LessonID, ClassID: r.ClassID, Subject: r.Subject,
		Topic: r.Topic, Date: r.Date, Period: r.Period, Kind: r.Kind, RubricVersion: r.RubricVersion,
		Scores: map[string]int{}, Total: r.Total, Strengths: r.Strengths, Suggestions: r.Suggestions,
		PhotoIDs: photoIDs, Reflection: r.Reflection, Acknowledged: r.AcknowledgedAt}
	_ = json.Unmarshal([]byte(r.Scores), &out.Scores)
	return out
}

// jsonText encodes a value for a JSON text column.
func jsonText(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}
