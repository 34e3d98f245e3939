package observations

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/school"
)

// Lesson is an open lesson (公开课) as the API shows it: who gives it, when and where, who signed up to
// observe it (Observers counts them, SignedUp says whether the caller did) and who has filed an observation
// of it (Observations counts them). Scores stay with the observations, visible to whom they concern.
type Lesson struct {
	ID           string        `json:"id"`
	Teacher      service.Ref   `json:"teacher"`
	ClassID      *string       `json:"class_id"`
	Class        string        `json:"class"`
	Subject      string        `json:"subject"`
	Topic        string        `json:"topic"`
	Date         string        `json:"date"`
	Period       int           `json:"period"`
	Kind         string        `json:"kind"`
	Room         string        `json:"room"`
	AnnouncedBy  service.Ref   `json:"announced_by"`
	Observers    int           `json:"observers"`
	SignedUp     bool          `json:"signed_up"`
	Signups      []service.Ref `json:"signups"`
	Observations int           `json:"observations"`
	ObservedBy   []service.Ref `json:"observed_by"`
	CreatedAt    time.Time     `json:"created_at"`
}

// LessonInput is POST /observations/lessons. TeacherID defaults to the caller.
type LessonInput struct {
	TeacherID, ClassID, Subject, Topic, Date string
	Period                                   int
	Kind, Room                               string
}

// CreateLesson announces an open lesson: a leader for any teacher of the school, a teacher for their own
// lesson (another's is 403). The date is today or later; a teacher gives one announced lesson per date and
// period (409 conflict).
func (s *Service) CreateLesson(ctx context.Context, a *service.Actor, in LessonInput) (Lesson, error) {
	if err := a.RequireStaff(); err != nil {
		return Lesson{}, err
	}
	if in.TeacherID == "" {
		in.TeacherID = a.StaffID
	}
	if in.TeacherID != a.StaffID && !a.IsLeader() {
		return Lesson{}, service.ForbiddenBecause("教师只能发布自己的公开课")
	}
	v := service.Invalid{}
	v.ID("teacher_id", in.TeacherID)
	v.ID("class_id", in.ClassID)
	in.Subject = v.Name("subject", in.Subject, 20)
	in.Topic = v.Name("topic", in.Topic, 100)
	v.Date("date", in.Date)
	v.Range("period", in.Period, 1, maxPeriod)
	v.OneOf("kind", in.Kind, false, LessonKinds...)
	in.Room = v.OptName("room", in.Room, 30)
	if err := v.Err(); err != nil {
		return Lesson{}, err
	}
	row := model.ObservationLesson{ID: model.NewID(), SchoolID: a.SchoolID, TeacherID: in.TeacherID,
		Subject: in.Subject, Topic: in.Topic, Date: in.Date, Period: in.Period, Kind: in.Kind, Room: in.Room,
		AnnouncedBy: a.StaffID}
	row.SlotKey = fmt.Sprintf("%s-%02d-%s", row.Date, row.Period, row.ID)
	if in.ClassID != "" {
		row.ClassID = &in.ClassID
	}
	var si *school.Info
	err := s.Tx(ctx, func(tx *service.Tx) error {
		var err error
		if si, err = school.Load(tx.DB, a.SchoolID); err != nil {
			return err
		}
		if in.Date < si.Today(tx.Now) {
			return service.Invalid{"date": "公开课日期不能早于今天"}.Err()
		}
		if _, err := activeStaff(tx.DB, a.SchoolID, row.TeacherID); err != nil {
			return err
		}
		if row.ClassID != nil {
			if _, err := school.FindClass(tx.DB, a.SchoolID, *row.ClassID); err != nil {
				return err
			}
		}
		var n int64
		if err := tx.Model(&model.ObservationLesson{}).Scopes(a.Scope()).
			Where("teacher_id = ? AND date = ? AND period = ?", row.TeacherID, row.Date, row.Period).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return service.Conflict("conflict", "这位老师这一节已发布过公开课")
		}
		row.CreatedAt = tx.Now
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return evidence.Created(tx, a, a.SchoolID, evidence.Lesson, row.ID, map[string]any{"teacher_id": row.TeacherID,
			"class_id": row.ClassID, "subject": row.Subject, "topic": row.Topic, "date": row.Date,
			"period": row.Period, "kind": row.Kind, "room": row.Room})
	})
	if err != nil {
		return Lesson{}, err
	}
	return s.lessonOut(ctx, a, si, row)
}

// LessonQuery filters GET /observations/lessons; without from and to it lists the coming lessons (from
// today).
type LessonQuery struct {
	From, To, TeacherID string
	Page                service.PageQuery
}

// ListLessons lists the school's open lessons in the order they are given (staff).
func (s *Service) ListLessons(ctx context.Context, a *service.Actor, q LessonQuery) (service.Page[Lesson], error) {
	if err := a.RequireStaff(); err != nil {
		return service.Page[Lesson]{}, err
	}
	v := service.Invalid{}
	v.Span("from", q.From, "to", q.To, 0)
	v.ID("teacher_id", q.TeacherID)
	if err := v.Err(); err != nil {
		return service.Page[Lesson]{}, err
	}
	db := s.Read(ctx)
	si, err := school.Load(db, a.SchoolID)
	if err != nil {
		return service.Page[Lesson]{}, err
	}
	if q.From == "" && q.To == "" {
		q.From = si.Today(s.Now())
	}
	list := db.Scopes(a.Scope(), service.Dates("date", q.From, q.To))
	if q.TeacherID != "" {
		list = list.Where("teacher_id = ?", q.TeacherID)
	}
	return service.List(list, q.Page, "slot_key", false, func(r *model.ObservationLesson) string { return r.SlotKey },
		func(rows []model.ObservationLesson) ([]Lesson, error) { return s.lessonViews(ctx, a, si, rows) })
}

// GetLesson reads one open lesson with its sign-ups and observations (staff).
func (s *Service) GetLesson(ctx context.Context, a *service.Actor, id string) (Lesson, error) {
	l, err := findLesson(s.Read(ctx), a, id)
	if err != nil {
		return Lesson{}, err
	}
	return s.lessonOut(ctx, a, nil, l)
}

// Attend signs the caller up to observe an open lesson (staff, once; not the teacher giving it, 422
// self_observation; not after the lesson's day, 422 too_late).
func (s *Service) Attend(ctx context.Context, a *service.Actor, id string) (Lesson, error) {
	var l model.ObservationLesson
	var si *school.Info
	err := s.Tx(ctx, func(tx *service.Tx) error {
		var err error
		if l, err = findLesson(tx.DB, a, id); err != nil {
			return err
		}
		if si, err = school.Load(tx.DB, a.SchoolID); err != nil {
			return err
		}
		switch {
		case l.TeacherID == a.StaffID:
			return service.Rule("self_observation", "不能报名听自己的课")
		case l.Date < si.Today(tx.Now):
			return service.Rule("too_late", "这节公开课已经结束")
		}
		if err := tx.Create(&model.ObservationSignup{SchoolID: a.SchoolID, LessonID: l.ID, StaffID: a.StaffID,
			CreatedAt: tx.Now}).Error; err != nil {
			if model.IsDuplicate(err) {
				return service.Conflict("already_signed_up", "您已报名听这节课")
			}
			return err
		}
		return evidence.Record(tx, a, a.SchoolID, evidence.ActionUpdate, evidence.Lesson, l.ID,
			evidence.Changes{"signup": {From: nil, To: a.StaffID}})
	})
	if err != nil {
		return Lesson{}, err
	}
	return s.lessonOut(ctx, a, si, l)
}

func (s *Service) lessonOut(ctx context.Context, a *service.Actor, si *school.Info, l model.ObservationLesson) (Lesson, error) {
	return one(ctx, s, a, si, l.SchoolID, l, s.lessonViews)
}

// lessonViews converts a page of lessons with their sign-ups and observers, in one query each.
func (s *Service) lessonViews(ctx context.Context, a *service.Actor, si *school.Info, rows []model.ObservationLesson) ([]Lesson, error) {
	db := s.Read(ctx)
	ids := make([]string, 0, len(rows))
	staff, classes := []string{}, []*string{}
	for _, r := range rows {
		ids, staff, classes = append(ids, r.ID), append(staff, r.TeacherID, r.AnnouncedBy), append(classes, r.ClassID)
	}
	signups, observed, err := lessonPeople(db, si.School.ID, ids)
	if err != nil {
		return nil, err
	}
	for _, m := range []map[string][]string{signups, observed} {
		for _, people := range m {
			staff = append(staff, people...)
		}
	}
	n, err := loadNames(db, si.School.ID, staff, classes)
	if err != nil {
		return nil, err
	}
	refs := func(people []string) []service.Ref {
		out := make([]service.Ref, 0, len(people))
		for _, id := range people {
			out = append(out, n.ref(id))
		}
		return out
	}
	out := make([]Lesson, 0, len(rows))
	for _, r := range rows {
		l := Lesson{ID: r.ID, Teacher: n.ref(r.TeacherID), ClassID: r.ClassID, Class: n.class(r.ClassID),
			Subject: r.Subject, Topic: r.Topic, Date: r.Date, Period: r.Period, Kind: r.Kind, Room: r.Room,
			AnnouncedBy: n.ref(r.AnnouncedBy), Signups: refs(signups[r.ID]), ObservedBy: refs(observed[r.ID]),
			CreatedAt: r.CreatedAt.In(si.Loc)}
		l.Observers, l.Observations = len(l.Signups), len(l.ObservedBy)
		for _, p := range signups[r.ID] {
			l.SignedUp = l.SignedUp || p == a.StaffID
		}
		out = append(out, l)
	}
	return out, nil
}

// lessonPeople lists, per lesson, who signed up and who filed an observation of it, in the order they did.
func lessonPeople(db *gorm.DB, schoolID string, lessonIDs []string) (signups, observed map[string][]string, err error) {
	signups, observed = map[string][]string{}, map[string][]string{}
	if len(lessonIDs) == 0 {
		return signups, observed, nil
	}
	var su []model.ObservationSignup
	if err := db.Scopes(model.InSchool(schoolID)).Where("lesson_id IN ?", lessonIDs).Order("created_at, staff_id").
		Find(&su).Error; err != nil {
		return nil, nil, service.WrapDB(err)
	}
	for _, r := range su {
		signups[r.LessonID] = append(signups[r.LessonID], r.StaffID)
	}
	var obs []model.Observation
	if err := db.Scopes(model.InSchool(schoolID)).Select("lesson_id", "observer_id").Where("lesson_id IN ?", lessonIDs).
		Order("id").Find(&obs).Error; err != nil {
		return nil, nil, service.WrapDB(err)
	}
	for _, r := range obs {
		observed[*r.LessonID] = append(observed[*r.LessonID], r.ObserverID)
	}
	return signups, observed, nil
}
