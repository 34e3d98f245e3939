package school

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
)

// DayPlan is what one date means for a school: workday or not, its sign-in window, the meals served.
// Every module asks the calendar, so a 调休 Saturday or a holiday counts the same everywhere.
type DayPlan struct {
	Date    string   `json:"date"`
	Workday bool     `json:"workday"`
	Note    string   `json:"note"`
	Meals   []string `json:"meals"`
	// Window is the sign-in window of a workday (nil on rest days).
	Window *Window `json:"window,omitempty"`
	// Override is true when the day was set by PUT /calendar/{date}.
	Override bool `json:"override"`
}

// Plans computes the plans of every date from..to inclusive ("YYYY-MM-DD"), weekday defaults overlaid with
// the school's calendar overrides, in one query.
func Plans(db *gorm.DB, si *Info, from, to string) ([]DayPlan, error) {
	overrides, err := Overrides(db, []string{si.School.ID}, from, to)
	if err != nil {
		return nil, err
	}
	return si.PlansOf(from, to, overrides[si.School.ID])
}

// Overrides reads the calendar overrides of several schools from..to in one query, by school and date.
func Overrides(db *gorm.DB, schoolIDs []string, from, to string) (map[string]map[string]model.CalendarDay, error) {
	out := map[string]map[string]model.CalendarDay{}
	if len(schoolIDs) == 0 {
		return out, nil
	}
	var rows []model.CalendarDay
	if err := db.Scopes(model.InSchools(schoolIDs)).Where("date >= ? AND date <= ?", from, to).
		Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	for _, o := range rows {
		if out[o.SchoolID] == nil {
			out[o.SchoolID] = map[string]model.CalendarDay{}
		}
		out[o.SchoolID][o.Date] = o
	}
	return out, nil
}

// PlansOf computes the plans of every date from..to inclusive from the school's overrides (by date; others
// are ignored).
func (si *Info) PlansOf(from, to string, byDate map[string]model.CalendarDay) ([]DayPlan, error) {
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, err
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, err
	}
	var out []DayPlan
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		out = append(out, si.PlanOf(d, byDate))
	}
	return out, nil
}

// PlanOf is one day's plan from the settings and the school's overrides (any that are not of d are ignored).
func (si *Info) PlanOf(d time.Time, overrides map[string]model.CalendarDay) DayPlan {
	date := d.Format(time.DateOnly)
	wk := WeekdayKeys[d.Weekday()]
	st := si.Settings
	p := DayPlan{Date: date, Meals: []string{}}
	if w, ok := st.Attendance.Windows[wk]; ok {
		p.Workday, p.Window = true, &w
	}
	if meals, ok := st.Meals.Served[wk]; ok && p.Workday {
		p.Meals = append(p.Meals, meals...)
	}
	o, ok := overrides[date]
	if !ok {
		return p
	}
	p.Override, p.Workday, p.Note = true, o.Workday, o.Note
	switch {
	case !o.Workday:
		p.Window = nil
	case o.WindowIn != "":
		p.Window = &Window{In: o.WindowIn, Out: o.WindowOut}
	case p.Window == nil:
		// A rest weekday made a workday (调休) follows Monday's window, and Monday's meals.
		if w, ok := st.Attendance.Windows["mon"]; ok {
			p.Window = &w
		} else {
			p.Window = &Window{In: "08:00", Out: "17:00"}
		}
		p.Meals = append([]string{}, st.Meals.Served["mon"]...)
	}
	switch {
	case o.Meals != nil:
		p.Meals = []string{}
		_ = json.Unmarshal([]byte(*o.Meals), &p.Meals)
	case !o.Workday:
		p.Meals = []string{}
	}
	return p
}

// CheckMeals checks a list of meals served on a day: known kinds, each once (a meal named twice would be
// counted twice in every report).
func CheckMeals(v service.Invalid, field string, meals []string) {
	seen := map[string]bool{}
	for _, m := range meals {
		if v.OneOf(field, m, false, MealKinds...) && seen[m] {
			v.Add(field, "同一餐不能重复")
		}
		seen[m] = true
	}
}

// Plan is the plan of a single date.
func Plan(db *gorm.DB, si *Info, date string) (DayPlan, error) {
	plans, err := Plans(db, si, date, date)
	if err != nil {
		return DayPlan{}, err
	}
	return plans[0], nil
}

// Calendar lists every day of a month ("YYYY-MM") for the actor's school (any staff member).
func (s *Service) Calendar(ctx context.Context, a *service.Actor, month string) ([]DayPlan, error) {
	if err := a.RequireStaff(); err != nil {
		return nil, err
	}
	v := service.Invalid{}
	first, last := v.Month("month", month)
	if err := v.Err(); err != nil {
		return nil, err
	}
	si, err := Load(s.Read(ctx), a.SchoolID)
	if err != nil {
		return nil, err
	}
	return Plans(s.Read(ctx), si, first, last)
}

// CalendarDayInput overrides one date. Meals nil means the weekday default; Window is optional.
type CalendarDayInput struct {
	Workday bool
	Note    string
	Meals   *[]string
	Window  *Window
}

// SetCalendarDay overrides one date (principal): a holiday, or a 调休 workday. The date lies within the
// school's horizon (a year either side of today, or the current term); the note is a label that the
// calendar and the printed sheets show, so it refuses invisible characters; a meal is named once.
func (s *Service) SetCalendarDay(ctx context.Context, a *service.Actor, date string, in CalendarDayInput) (DayPlan, error) {
	if err := a.Require(service.RolePrincipal); err != nil {
		return DayPlan{}, err
	}
	v := service.Invalid{}
	_, okDate := v.Date("date", date)
	note := v.OptName("note", in.Note, 50)
	row := model.CalendarDay{SchoolID: a.SchoolID, Date: date, Workday: in.Workday, Note: note}
	if in.Meals != nil {
		CheckMeals(v, "meals", *in.Meals)
		raw, _ := json.Marshal(*in.Meals)
		str := string(raw)
		row.Meals = &str
	}
	if in.Window != nil {
		if !HHMM.MatchString(in.Window.In) || !HHMM.MatchString(in.Window.Out) || in.Window.In >= in.Window.Out {
			v.Add("window", "时间格式为 HH:MM，且签到早于签退")
		}
		row.WindowIn, row.WindowOut = in.Window.In, in.Window.Out
	}
	if err := v.Err(); err != nil {
		return DayPlan{}, err
	}
	var plan DayPlan
	err := s.Tx(ctx, func(tx *service.Tx) error {
		si, err := Load(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		if lo, hi := si.Horizon(tx.Now); okDate && !v.Between("date", date, lo, hi) {
			return v.Err()
		}
		before, err := Plan(tx.DB, si, date)
		if err != nil {
			return err
		}
		if err := tx.Scopes(a.Scope()).Where("date = ?", date).Delete(&model.CalendarDay{}).Error; err != nil {
			return err
		}
		row.UpdatedAt = tx.Now
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := Touch(tx.DB, a.SchoolID); err != nil {
			return err
		}
		if plan, err = Plan(tx.DB, si, date); err != nil {
			return err
		}
		_, err = evidence.Updated(tx, a, a.SchoolID, evidence.Calendar, date, before, plan)
		return err
	})
	return plan, err
}

// ClearCalendarDay removes a date's override, so the weekday default applies again (principal).
func (s *Service) ClearCalendarDay(ctx context.Context, a *service.Actor, date string) error {
	if err := a.Require(service.RolePrincipal); err != nil {
		return err
	}
	v := service.Invalid{}
	v.Date("date", date)
	if err := v.Err(); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *service.Tx) error {
		si, err := Load(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		before, err := Plan(tx.DB, si, date)
		if err != nil {
			return err
		}
		res := tx.Scopes(a.Scope()).Where("date = ?", date).Delete(&model.CalendarDay{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return service.NotFound("日历调整")
		}
		if err := Touch(tx.DB, a.SchoolID); err != nil {
			return err
		}
		return evidence.Deleted(tx, a, a.SchoolID, evidence.Calendar, date, before, "")
	})
}
