package observations

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/jobs"
	"schoolcheck/service/moderation"
	"schoolcheck/service/notify"
	"schoolcheck/service/school"
)

// Jobs are the module's scheduled work: asking WeChat again about texts stored while it was down, and the
// acknowledgement reminder.
func (s *Service) Jobs(every time.Duration) []jobs.Job {
	return []jobs.Job{moderation.RecheckJob("observations", every, s.RecheckModeration),
		{Name: "observations." + ReminderObservationAck, Occasions: ackOccasions, RunAll: s.remindAck},
	}
}

// RecheckModeration asks WeChat about evaluations (the observer's) and reflections (the teacher's) stored
// while it was down; risky text is then hidden from everyone but its author, review is flagged for
// leaders. Updates are conditional on "pending", so instances running it together agree.
func (s *Service) RecheckModeration(ctx context.Context) (int, error) {
	db := model.CrossSchool(s.Read(ctx)).Session(&gorm.Session{}) // every school's pending texts, by design
	var rows []model.Observation
	if err := db.Where("moderation = ? OR reflection_moderation = ?", moderation.Pending, moderation.Pending).
		Order("created_at").Limit(moderation.Batch).Find(&rows).Error; err != nil {
		return 0, service.WrapDB(err)
	}
	var staffIDs []string
	for _, r := range rows {
		staffIDs = append(staffIDs, r.ObserverID, r.TeacherID)
	}
	openIDs, err := openIDs(db, staffIDs)
	if err != nil {
		return 0, err
	}
	var items []moderation.Item
	for _, r := range rows {
		if r.Moderation == moderation.Pending {
			items = append(items, moderation.Item{ID: "moderation:" + r.ID, OpenID: openIDs[r.ObserverID],
				Text: feedbackText(r.Strengths, r.Suggestions)})
		}
		if r.ReflectionModeration == moderation.Pending {
			items = append(items, moderation.Item{ID: "reflection_moderation:" + r.ID, OpenID: openIDs[r.TeacherID],
				Text: r.Reflection})
		}
	}
	n := 0
	_, err = s.check.Recheck(ctx, items, func(id, outcome string) error {
		col, rowID, _ := strings.Cut(id, ":")
		res := db.Model(&model.Observation{}).Where("id = ? AND "+col+" = ?", rowID, moderation.Pending).
			Update(col, outcome)
		n += int(res.RowsAffected)
		return service.WrapDB(res.Error)
	})
	return n, err
}

// openIDs finds the WeChat openids of staff members' bound accounts (absent when not bound).
func openIDs(db *gorm.DB, staffIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(staffIDs) == 0 {
		return out, nil
	}
	var rows []struct{ ID, OpenID string }
	if err := db.Table("staff").Select("staff.id AS id, accounts.open_id AS open_id").
		Joins("JOIN accounts ON accounts.id = staff.account_id").Where("staff.id IN ?", staffIDs).
		Scan(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	for _, r := range rows {
		out[r.ID] = r.OpenID
	}
	return out, nil
}

// ReminderObservationAck is the module's reminder (API.md "Reminders"): an observation the observed teacher
// has not acknowledged reminders.observation_ack.after_days days after it was recorded → that teacher, once
// per observation, at the start of a school day's window.
const ReminderObservationAck = "observation_ack"

// ackOccasions is a school day's look at unacknowledged observations: when its window opens, until the day
// ends.
func ackOccasions(si *school.Info, day school.DayPlan) []jobs.Occasion {
	if !si.Settings.Reminders.ObservationAck.Enabled || !day.Workday || day.Window == nil {
		return nil
	}
	return []jobs.Occasion{{Key: "ack", At: service.At(day.Date, day.Window.In, si.Loc),
		Until: service.DayEnd(day.Date, si.Loc)}}
}

// remindAck finds, across the schools due, the observations unacknowledged for the school's after_days and
// reminds each observed teacher. Three reads for all the schools.
func (s *Service) remindAck(ctx context.Context, slots []jobs.Slot) error {
	db := s.Read(ctx)
	now := s.Now().UTC()
	slotOf := jobs.BySchool(slots)
	days := jobs.Least(slots, func(si *school.Info) int { return si.Settings.Reminders.ObservationAck.AfterDays })
	age := func(d int) time.Time { return now.Add(-time.Duration(d) * 24 * time.Hour) }
	var rows []model.Observation
	if err := db.Select("id", "school_id", "observer_id", "teacher_id", "subject", "topic", "date", "created_at").
		Where("school_id IN ? AND acknowledged_at IS NULL AND created_at <= ? AND created_at >= ?", jobs.SchoolIDs(slots),
			age(days), now.Add(-notify.ReminderWindow)).
		Order("created_at, id").Find(&rows).Error; err != nil {
		return service.WrapDB(err)
	}
	rows = slices.DeleteFunc(rows, func(o model.Observation) bool {
		return o.CreatedAt.After(age(slotOf[o.SchoolID].School.Settings.Reminders.ObservationAck.AfterDays))
	})
	var schools, teachers, observers []string
	for _, o := range rows {
		schools, teachers, observers = append(schools, o.SchoolID), append(teachers, o.TeacherID), append(observers, o.ObserverID)
	}
	staff, err := school.Reachable(db, schools, teachers)
	if err != nil {
		return err
	}
	names, err := school.StaffNamesIn(db, schools, observers)
	if err != nil {
		return err
	}
	r := notify.Reminder{Name: ReminderObservationAck, Slot: slots[0].Key, Schools: len(slots)}
	for _, o := range rows {
		st, ok := staff.In(o.SchoolID, o.TeacherID)
		if !ok {
			r.Unreachable++
			continue
		}
		until := slotOf[o.SchoolID].Until
		observer, lesson := names[o.ObserverID], o.Subject
		if observer == "" {
			observer = "听课人"
		}
		if o.Topic != "" {
			lesson += "：" + o.Topic
		}
		r.Messages = append(r.Messages, notify.Message{SchoolID: o.SchoolID, AccountID: st.AccountID,
			Template: notify.TemplateObservationAck, Page: "pages/observations/detail?id=" + o.ID,
			Key:     strings.Join([]string{ReminderObservationAck, o.SchoolID, o.ID, st.StaffID}, ":"),
			Expires: &until,
			Data: map[string]string{"observer": observer, "lesson": lesson,
				"date": o.Date, "tip": "听课评价待您确认，请填写教学反思"}})
	}
	return s.notify.Remind(ctx, r)
}
