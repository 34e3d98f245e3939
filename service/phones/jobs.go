package phones

import (
	"context"
	"strings"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/jobs"
	"schoolcheck/service/notify"
	"schoolcheck/service/school"
)

// ReminderPhoneCollect is the module's reminder (API.md "Reminders"): a class that calls for a morning
// collection (phones registered that day, the rule of the report) and has no collect record by
// phones.collect_by on a school day → its head teacher. It is over when phones go home (phones.return_from).
const ReminderPhoneCollect = "phone_collect"

// Jobs are the module's scheduled work: the collection reminder, run by the scheduler once per school day
// across every instance.
func (s *Service) Jobs() []jobs.Job {
	return []jobs.Job{{Name: "phones." + ReminderPhoneCollect, Occasions: collectOccasions, RunAll: s.remindCollect}}
}

// collectOccasions is a school day's collection: due at phones.collect_by, over at phones.return_from.
func collectOccasions(si *school.Info, day school.DayPlan) []jobs.Occasion {
	if !si.Settings.Reminders.PhoneCollect.Enabled || !day.Workday {
		return nil
	}
	ph := si.Settings.Phones
	at, until := service.At(day.Date, ph.CollectBy, si.Loc), service.At(day.Date, ph.ReturnFrom, si.Loc)
	if !until.After(at) {
		until = service.DayEnd(day.Date, si.Loc)
	}
	return []jobs.Occasion{{Key: "collect", At: at, Until: until}}
}

// remindCollect is one date's collection across the schools due: the classes with a head teacher and
// phones registered that day and no collect record, each reminding its head teacher. Four reads for all
// the schools, whatever their number.
func (s *Service) remindCollect(ctx context.Context, slots []jobs.Slot) error {
	db := s.Read(ctx)
	date := slots[0].Day.Date
	ids := jobs.SchoolIDs(slots)
	var classes []model.Class
	if err := db.Select("id", "school_id", "grade", "name", "head_teacher_id", "created_at").
		Where("school_id IN ? AND head_teacher_id IS NOT NULL", ids).Order("created_at, id").Find(&classes).Error; err != nil {
		return service.WrapDB(err)
	}
	var steps []model.PhoneRegistration
	if err := db.Select("class_id", "from_date", "count").Where("school_id IN ? AND from_date <= ?", ids, date).
		Order("class_id, from_date").Find(&steps).Error; err != nil {
		return service.WrapDB(err)
	}
	hist := history{}
	for _, r := range steps {
		hist[r.ClassID] = append(hist[r.ClassID], r)
	}
	var collected []string
	if err := db.Model(&model.PhoneCheck{}).Where("school_id IN ? AND date = ? AND kind = ?", ids, date, KindCollect).
		Pluck("class_id", &collected).Error; err != nil {
		return service.WrapDB(err)
	}
	done := make(map[string]bool, len(collected))
	for _, id := range collected {
		done[id] = true
	}
	slotOf := jobs.BySchool(slots)
	var due []model.Class
	var heads, schools []string
	for _, c := range classes {
		sl := slotOf[c.SchoolID]
		if done[c.ID] || hist.on(c.ID, date) == 0 || service.LocalDate(c.CreatedAt, sl.School.Loc) > date {
			continue
		}
		due = append(due, c)
		heads, schools = append(heads, *c.HeadTeacherID), append(schools, c.SchoolID)
	}
	staff, err := school.Reachable(db, schools, heads)
	if err != nil {
		return err
	}
	r := notify.Reminder{Name: ReminderPhoneCollect, Slot: slots[0].Key, Schools: len(slots)}
	for _, c := range due {
		st, ok := staff.In(c.SchoolID, *c.HeadTeacherID)
		if !ok {
			r.Unreachable++
			continue
		}
		sl := slotOf[c.SchoolID]
		until := sl.Until
		r.Messages = append(r.Messages, notify.Message{SchoolID: c.SchoolID, AccountID: st.AccountID,
			Template: notify.TemplatePhoneReminder,
			Page:     "pages/phones/check?class_id=" + c.ID + "&kind=collect&date=" + date,
			Key:      strings.Join([]string{ReminderPhoneCollect, c.SchoolID, date, c.ID, st.StaffID}, ":"),
			Expires:  &until,
			Data: map[string]string{"class": school.ClassLabel(c), "date": date,
				"due": sl.School.Settings.Phones.CollectBy, "tip": "今日手机尚未登记收存，请清点后记录"}})
	}
	return s.notify.Remind(ctx, r)
}
