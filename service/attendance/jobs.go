package attendance

import (
	"context"
	"strings"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/jobs"
	"schoolcheck/service/notify"
	"schoolcheck/service/school"
)

// ReminderSignout is the module's reminder (API.md "Reminders"): a staff member who signed in on a school
// day and has not signed out reminders.signout.after_min minutes after the day's window ends → that person.
// It is over when the day ends.
const ReminderSignout = "signout"

// Jobs are the module's scheduled work: the sign-out reminder, run by the scheduler once per school day
// across every instance.
func (s *Service) Jobs() []jobs.Job {
	return []jobs.Job{{Name: "attendance." + ReminderSignout, Occasions: signoutOccasions, RunAll: s.remindSignout}}
}

// signoutOccasions is a school day's sign-out reminder, after_min after its window ends (none when that
// falls on the next day).
func signoutOccasions(si *school.Info, day school.DayPlan) []jobs.Occasion {
	rm := si.Settings.Reminders.Signout
	if !rm.Enabled || !day.Workday || day.Window == nil {
		return nil
	}
	at := service.At(day.Date, day.Window.Out, si.Loc).Add(time.Duration(rm.AfterMin) * time.Minute)
	end := service.DayEnd(day.Date, si.Loc)
	if !at.Before(end) {
		return nil
	}
	return []jobs.Occasion{{Key: "signout", At: at, Until: end}}
}

// remindSignout is one date across the schools due: everyone with an "in" and no "out" punch that day is
// reminded, once. Two reads for all the schools.
func (s *Service) remindSignout(ctx context.Context, slots []jobs.Slot) error {
	db := s.Read(ctx)
	date := slots[0].Day.Date
	ids := jobs.SchoolIDs(slots)
	outs := db.Model(&model.AttendancePunch{}).Select("staff_id").
		Where("school_id IN ? AND date = ? AND kind = ?", ids, date, PunchOut)
	var ins []model.AttendancePunch
	if err := db.Select("id", "school_id", "staff_id", "at").
		Where("school_id IN ? AND date = ? AND kind = ? AND staff_id NOT IN (?)", ids, date, PunchIn, outs).
		Order("at, id").Find(&ins).Error; err != nil {
		return service.WrapDB(err)
	}
	staffIDs, schools := make([]string, len(ins)), make([]string, len(ins))
	for i, p := range ins {
		staffIDs[i], schools[i] = p.StaffID, p.SchoolID
	}
	staff, err := school.Reachable(db, schools, staffIDs)
	if err != nil {
		return err
	}
	slotOf := jobs.BySchool(slots)
	r := notify.Reminder{Name: ReminderSignout, Slot: slots[0].Key, Schools: len(slots)}
	for _, p := range ins {
		st, ok := staff.In(p.SchoolID, p.StaffID)
		if !ok {
			r.Unreachable++
			continue
		}
		sl := slotOf[p.SchoolID]
		until := sl.Until
		r.Messages = append(r.Messages, notify.Message{SchoolID: p.SchoolID, AccountID: st.AccountID,
			Template: notify.TemplateSignoutReminder, Page: "pages/attendance/punch?kind=out&in_id=" + p.ID,
			Key:     strings.Join([]string{ReminderSignout, p.SchoolID, date, p.StaffID}, ":"),
			Expires: &until,
			Data: map[string]string{"name": st.Name, "signed_in": p.At.In(sl.School.Loc).Format(notify.DateTimeLayout),
				"window_end": sl.Day.Window.Out, "tip": "您今天已签到，尚未签退"}})
	}
	return s.notify.Remind(ctx, r)
}
