package attendance

import (
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/school"
)

// punchRow is a school with the calendar override of one date, if any.
type punchRow struct {
	model.School
	CalDate      *string
	CalWorkday   *bool
	CalNote      *string
	CalMeals     *string
	CalWindowIn  *string
	CalWindowOut *string
}

// punchDay reads the school and today's plan for a punch in one statement (the school row LEFT JOINed with
// the calendar override of its local date), then lets the calendar's own rules (schoolInfo.plan) decide
// what the day is, exactly as dayPlan would.
func punchDay(db *gorm.DB, schoolID string, now time.Time) (*school.Info, school.DayPlan, error) {
	// Guess the local date in Beijing time (nearly every school's zone) so one statement reads the school and
	// that date's calendar; a school elsewhere whose date differs costs one more query below.
	date := now.In(service.Beijing()).Format(time.DateOnly)
	var row punchRow
	err := db.Table("schools").
		Select("schools.*, calendar_days.date AS cal_date, calendar_days.workday AS cal_workday, "+
			"calendar_days.note AS cal_note, calendar_days.meals AS cal_meals, "+
			"calendar_days.window_in AS cal_window_in, calendar_days.window_out AS cal_window_out").
		Joins("LEFT JOIN calendar_days ON calendar_days.school_id = schools.id AND calendar_days.date = ?", date).
		Where("schools.id = ?", schoolID).Take(&row).Error
	if model.IsNotFound(err) {
		return nil, school.DayPlan{}, service.NotFound("学校")
	}
	if err != nil {
		return nil, school.DayPlan{}, service.WrapDB(err)
	}
	si, err := school.InfoOf(row.School)
	if err != nil {
		return nil, school.DayPlan{}, err
	}
	local := now.In(si.Loc)
	if local.Format(time.DateOnly) != date {
		plan, err := school.Plan(db, si, local.Format(time.DateOnly))
		return si, plan, err
	}
	overrides := map[string]model.CalendarDay{}
	if row.CalDate != nil {
		o := model.CalendarDay{SchoolID: schoolID, Date: *row.CalDate, Workday: row.CalWorkday != nil && *row.CalWorkday,
			Meals: row.CalMeals}
		if row.CalNote != nil {
			o.Note = *row.CalNote
		}
		if row.CalWindowIn != nil && row.CalWindowOut != nil {
			o.WindowIn, o.WindowOut = *row.CalWindowIn, *row.CalWindowOut
		}
		overrides[date] = o
	}
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	return si, si.PlanOf(day, overrides), nil
}
