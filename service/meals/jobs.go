package meals

import (
	"context"
	"errors"
	"fmt"
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

// Jobs are the meals module's scheduled work: asking WeChat again about feedback stored while it was down,
// and its two reminders, meal_unrecorded and feedback_overdue.
func (s *Service) Jobs(every time.Duration) []jobs.Job {
	return []jobs.Job{moderation.RecheckJob("meals", every, s.RecheckModeration),
		{Name: "meals." + ReminderMealUnrecorded, Occasions: mealOccasions, RunAll: s.remindMeals},
		{Name: "meals." + ReminderFeedbackOverdue, Occasions: feedbackOccasions, RunAll: s.remindFeedback},
	}
}

// RecheckModeration asks WeChat about feedback and replies stored while it was down. Risky text is then
// hidden from the school ("rejected"); review is flagged. Updates are conditional on "pending", so instances
// running it together agree.
func (s *Service) RecheckModeration(ctx context.Context) (int, error) {
	db := model.CrossSchool(s.Read(ctx)).Session(&gorm.Session{}) // every school's pending texts, by design
	var fbs []model.Feedback
	if err := db.Where("moderation = ?", moderation.Pending).Order("created_at").Limit(moderation.Batch).
		Find(&fbs).Error; err != nil {
		return 0, service.WrapDB(err)
	}
	var replies []model.FeedbackReply
	if err := db.Where("moderation = ?", moderation.Pending).Order("created_at").Limit(moderation.Batch).
		Find(&replies).Error; err != nil {
		return 0, service.WrapDB(err)
	}
	table := map[string]string{}
	var items []moderation.Item
	for _, f := range fbs {
		openID, err := s.openIDOf(db, f.AccountID, "")
		if err != nil {
			return 0, err
		}
		table[f.ID] = "feedback"
		items = append(items, moderation.Item{ID: f.ID, OpenID: openID, Text: f.Content})
	}
	for _, r := range replies {
		acct, staff := "", r.AuthorID
		if r.AuthorRole == CompanionParent { // a parent's reply carries a pseudonym: the account is the link's
			var links []string
			if err := db.Model(&model.ParentLink{}).Where("author_id = ?", r.AuthorID).Pluck("account_id", &links).Error; err != nil {
				return 0, service.WrapDB(err)
			}
			acct, staff = "", ""
			if len(links) > 0 {
				acct = links[0]
			}
		}
		openID, err := s.openIDOf(db, acct, staff)
		if err != nil {
			return 0, err
		}
		table[r.ID] = "feedback_replies"
		items = append(items, moderation.Item{ID: r.ID, OpenID: openID, Text: r.Content})
	}
	n := 0
	_, err := s.check.Recheck(ctx, items, func(id, outcome string) error {
		res := db.Table(table[id]).Where("id = ? AND moderation = ?", id, moderation.Pending).Update("moderation", outcome)
		n += int(res.RowsAffected)
		return service.WrapDB(res.Error)
	})
	return n, err
}

// openIDOf finds the WeChat openid of a parent account or of a staff member's bound account ("" if none).
func (s *Service) openIDOf(db *gorm.DB, accountID, staffID string) (string, error) {
	if accountID == "" && staffID != "" {
		var st model.Staff
		if err := db.Where("id = ?", staffID).Take(&st).Error; err != nil {
			if model.IsNotFound(err) {
				return "", nil
			}
			return "", service.WrapDB(err)
		}
		if st.AccountID == nil {
			return "", nil
		}
		accountID = *st.AccountID
	}
	var acct model.Account
	if err := db.Where("id = ?", accountID).Take(&acct).Error; err != nil {
		if model.IsNotFound(err) || errors.Is(err, gorm.ErrRecordNotFound) {
			return "", nil
		}
		return "", service.WrapDB(err)
	}
	return acct.OpenID, nil
}

// The module's reminders (API.md "Reminders"), each a per-school job that the scheduler runs on the school
// days of each school's calendar, in its time zone, once per occasion across every instance. A run queues
// one outbox message per person and occasion, keyed so that it is never queued twice, and expiring when the
// occasion is over: the drainer sends it against one of the person's consents, or drops it.
const (
	// ReminderMealUnrecorded: a served meal without a leader's record by its reminders.meal_unrecorded.after
	// time → the meal's duty leader, or every leader (principals included) when nobody is on duty.
	ReminderMealUnrecorded = "meal_unrecorded"
	// ReminderFeedbackOverdue: feedback still open reminders.feedback_overdue.after_hours after it was
	// written → the principals, once per feedback.
	ReminderFeedbackOverdue = "feedback_overdue"
)

// mealOccasions are the meals a school day serves, each due at its reminder time until the day ends.
func mealOccasions(si *school.Info, day school.DayPlan) []jobs.Occasion {
	rm := si.Settings.Reminders.MealUnrecorded
	if !rm.Enabled || !day.Workday {
		return nil
	}
	var out []jobs.Occasion
	end := service.DayEnd(day.Date, si.Loc)
	for _, meal := range day.Meals {
		if after, ok := rm.After[meal]; ok {
			out = append(out, jobs.Occasion{Key: meal, At: service.At(day.Date, after, si.Loc), Until: end})
		}
	}
	return out
}

// remindMeals is one meal of one date across the schools due: the schools with a leader's record are left
// out; the others' duty leader, or every leader where nobody is on duty, is reminded.
func (s *Service) remindMeals(ctx context.Context, slots []jobs.Slot) error {
	db := s.Read(ctx)
	date, meal := slots[0].Day.Date, slots[0].Occasion
	ids := jobs.SchoolIDs(slots)
	var recorded []string
	if err := db.Model(&model.Meal{}).Distinct("school_id").
		Where("school_id IN ? AND date = ? AND meal = ? AND role = ?", ids, date, meal, CompanionLeader).
		Pluck("school_id", &recorded).Error; err != nil {
		return service.WrapDB(err)
	}
	var duties []model.MealDuty
	if err := db.Select("school_id", "leader_id").Where("school_id IN ? AND date = ? AND meal = ?", ids, date, meal).
		Find(&duties).Error; err != nil {
		return service.WrapDB(err)
	}
	onDuty := map[string]string{}
	dutyIDs := make([]string, 0, len(duties))
	for _, d := range duties {
		onDuty[d.SchoolID] = d.LeaderID
		dutyIDs = append(dutyIDs, d.LeaderID)
	}
	done := make(map[string]bool, len(recorded))
	for _, id := range recorded {
		done[id] = true
	}
	due := slices.DeleteFunc(slices.Clone(slots), func(sl jobs.Slot) bool { return done[sl.School.School.ID] })
	staff, err := school.Reachable(db, jobs.SchoolIDs(due), dutyIDs, service.RolePrincipal, service.RoleLeader)
	if err != nil {
		return err
	}
	leaders := bySchool(staff, service.RolePrincipal, service.RoleLeader)
	r := notify.Reminder{Name: ReminderMealUnrecorded, Slot: slots[0].Key, Schools: len(slots)}
	for _, sl := range due {
		sid := sl.School.School.ID
		to := leaders[sid]
		if id, ok := onDuty[sid]; ok {
			to = nil
			if st, ok := staff.In(sid, id); ok {
				to = []school.Recipient{st}
			}
		}
		if len(to) == 0 {
			r.Unreachable++
		}
		after := sl.School.Settings.Reminders.MealUnrecorded.After[meal]
		until := sl.Until
		for _, st := range to {
			r.Messages = append(r.Messages, notify.Message{SchoolID: sid, AccountID: st.AccountID,
				Template: notify.TemplateMealReminder, Page: "pages/meals/new?date=" + date + "&meal=" + meal,
				Key:     strings.Join([]string{ReminderMealUnrecorded, sid, date, meal, st.StaffID}, ":"),
				Expires: &until,
				Data: map[string]string{"meal": mealNames[meal] + "陪餐", "date": date, "due": after,
					"tip": mealNames[meal] + "尚无领导陪餐记录，请及时填写"}})
		}
	}
	return s.notify.Remind(ctx, r)
}

// bySchool groups the recipients holding one of roles by school, in name order.
func bySchool(staff school.Recipients, roles ...string) map[string][]school.Recipient {
	out := map[string][]school.Recipient{}
	for _, st := range staff {
		if st.Has(roles...) {
			out[st.SchoolID] = append(out[st.SchoolID], st)
		}
	}
	for _, list := range out {
		slices.SortFunc(list, func(a, b school.Recipient) int { return strings.Compare(a.Name+a.StaffID, b.Name+b.StaffID) })
	}
	return out
}

// feedbackOccasions are the hours of a school day's sign-in window (its start, then every full hour up
// to its end): feedback is looked at once an hour while the school works.
func feedbackOccasions(si *school.Info, day school.DayPlan) []jobs.Occasion {
	if !si.Settings.Reminders.FeedbackOverdue.Enabled || !day.Workday || day.Window == nil {
		return nil
	}
	return workingHours(si, day)
}

// workingHours are the occasions of a day's window: its start, then each full hour up to its end, each
// due for an hour (or until the day ends).
func workingHours(si *school.Info, day school.DayPlan) []jobs.Occasion {
	end := service.DayEnd(day.Date, si.Loc)
	times := []string{day.Window.In}
	for h := 0; h < 24; h++ {
		if hhmm := fmt.Sprintf("%02d:00", h); hhmm > day.Window.In && hhmm <= day.Window.Out {
			times = append(times, hhmm)
		}
	}
	out := make([]jobs.Occasion, 0, len(times))
	for _, t := range times {
		at := service.At(day.Date, t, si.Loc)
		out = append(out, jobs.Occasion{Key: t, At: at, Until: minTime(at.Add(time.Hour), end)})
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// remindFeedback looks, across the schools due, for feedback still open after the school's after_hours
// (hidden feedback, found risky, is nobody's to answer) and reminds each principal of each, once.
func (s *Service) remindFeedback(ctx context.Context, slots []jobs.Slot) error {
	db := s.Read(ctx)
	now := s.Now().UTC()
	bySchoolID := jobs.BySchool(slots)
	hours := jobs.Least(slots, func(si *school.Info) int { return si.Settings.Reminders.FeedbackOverdue.AfterHours })
	var rows []model.Feedback
	if err := db.Select("id", "school_id", "label", "category", "content", "moderation", "created_at").
		Where("school_id IN ? AND status = ? AND moderation <> ? AND created_at <= ? AND created_at >= ?", jobs.SchoolIDs(slots),
			FeedbackOpen, moderation.Rejected, now.Add(-time.Duration(hours)*time.Hour), now.Add(-notify.ReminderWindow)).
		Order("created_at, id").Find(&rows).Error; err != nil {
		return service.WrapDB(err)
	}
	rows = slices.DeleteFunc(rows, func(f model.Feedback) bool {
		h := bySchoolID[f.SchoolID].School.Settings.Reminders.FeedbackOverdue.AfterHours
		return f.CreatedAt.After(now.Add(-time.Duration(h) * time.Hour))
	})
	var schools []string
	for _, f := range rows {
		schools = append(schools, f.SchoolID)
	}
	staff, err := school.Reachable(db, schools, nil, service.RolePrincipal)
	if err != nil {
		return err
	}
	principals := bySchool(staff, service.RolePrincipal)
	r := notify.Reminder{Name: ReminderFeedbackOverdue, Slot: slots[0].Key, Schools: len(slots)}
	for _, f := range rows {
		sl := bySchoolID[f.SchoolID]
		si := sl.School
		if len(principals[f.SchoolID]) == 0 {
			r.Unreachable++
		}
		content := FeedbackCategories[f.Category]
		if f.Moderation == moderation.Pass { // text WeChat has not passed stays out of its messages
			content = f.Content
		}
		end := service.DayEnd(sl.Day.Date, si.Loc)
		for _, st := range principals[f.SchoolID] {
			r.Messages = append(r.Messages, notify.Message{SchoolID: f.SchoolID, AccountID: st.AccountID,
				Template: notify.TemplateFeedbackOverdue, Page: "pages/feedback/detail?id=" + f.ID,
				Key:     strings.Join([]string{ReminderFeedbackOverdue, f.SchoolID, f.ID, st.StaffID}, ":"),
				Expires: &end,
				Data: map[string]string{"from": f.Label, "category": FeedbackCategories[f.Category], "content": content,
					"written_at": f.CreatedAt.In(si.Loc).Format(notify.DateTimeLayout),
					"tip":        fmt.Sprintf("家长反馈已超过%d小时未回复", si.Settings.Reminders.FeedbackOverdue.AfterHours)}})
		}
	}
	return s.notify.Remind(ctx, r)
}
