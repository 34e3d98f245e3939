package service

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
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

// dayPlans computes the plans of every date from..to inclusive ("YYYY-MM-DD"), weekday defaults overlaid
// with the school's calendar overrides, in one query.
func dayPlans(db *gorm.DB, si *schoolInfo, from, to string) ([]DayPlan, error) {
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, err
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, err
	}
	var overrides []model.CalendarDay
	if err := db.Scopes(model.InSchool(si.School.ID)).Where("date >= ? AND date <= ?", from, to).
		Find(&overrides).Error; err != nil {
		return nil, wrapDB(err)
	}
	byDate := make(map[string]model.CalendarDay, len(overrides))
	for _, o := range overrides {
		byDate[o.Date] = o
	}
	var out []DayPlan
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		out = append(out, si.plan(d, byDate))
	}
	return out, nil
}

// plan is one day's plan from the settings and an optional override.
func (si *schoolInfo) plan(d time.Time, overrides map[string]model.CalendarDay) DayPlan {
	date := d.Format(time.DateOnly)
	wk := weekdayKeys[d.Weekday()]
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

// dayPlan is the plan of a single date.
func dayPlan(db *gorm.DB, si *schoolInfo, date string) (DayPlan, error) {
	plans, err := dayPlans(db, si, date, date)
	if err != nil {
		return DayPlan{}, err
	}
	return plans[0], nil
}

// Calendar lists every day of a month ("YYYY-MM") for the actor's school (any staff member).
func (s *Service) Calendar(ctx context.Context, a *Actor, month string) ([]DayPlan, error) {
	if err := a.requireStaff(); err != nil {
		return nil, err
	}
	first, last, err := monthRange(month)
	if err != nil {
		return nil, err
	}
	si, err := loadSchool(s.read(ctx), a.SchoolID)
	if err != nil {
		return nil, err
	}
	return dayPlans(s.read(ctx), si, first, last)
}

// monthRange turns "YYYY-MM" into its first and last dates.
func monthRange(month string) (string, string, error) {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return "", "", invalid{"month": "格式应为 YYYY-MM"}.err()
	}
	return t.Format(time.DateOnly), t.AddDate(0, 1, -1).Format(time.DateOnly), nil
}

// CalendarDayInput overrides one date. Meals nil means the weekday default; Window is optional.
type CalendarDayInput struct {
	Workday bool
	Note    string
	Meals   *[]string
	Window  *Window
}

// SetCalendarDay overrides one date (principal): a holiday, or a 调休 workday.
func (s *Service) SetCalendarDay(ctx context.Context, a *Actor, date string, in CalendarDayInput) (DayPlan, error) {
	if err := a.require(RolePrincipal); err != nil {
		return DayPlan{}, err
	}
	v := invalid{}
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		v.add("date", "格式应为 YYYY-MM-DD")
	}
	if len([]rune(in.Note)) > 50 {
		v.add("note", "不超过 50 个字")
	}
	row := model.CalendarDay{SchoolID: a.SchoolID, Date: date, Workday: in.Workday, Note: strings.TrimSpace(in.Note),
		UpdatedAt: s.now().UTC()}
	if in.Meals != nil {
		for _, m := range *in.Meals {
			if !slices.Contains(MealKinds, m) {
				v.add("meals", "餐次只能是 breakfast、lunch 或 dinner")
			}
		}
		raw, _ := json.Marshal(*in.Meals)
		str := string(raw)
		row.Meals = &str
	}
	if in.Window != nil {
		if !hhmm.MatchString(in.Window.In) || !hhmm.MatchString(in.Window.Out) || in.Window.In >= in.Window.Out {
			v.add("window", "时间格式为 HH:MM，且签到早于签退")
		}
		row.WindowIn, row.WindowOut = in.Window.In, in.Window.Out
	}
	if err := v.err(); err != nil {
		return DayPlan{}, err
	}
	var plan DayPlan
	err := s.tx(ctx, func(tx *gorm.DB) error {
		si, err := loadSchool(tx, a.SchoolID)
		if err != nil {
			return err
		}
		if err := tx.Scopes(a.scope()).Where("date = ?", date).Delete(&model.CalendarDay{}).Error; err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := s.audit(tx, a, a.SchoolID, ActionUpdate, "calendar", date, in); err != nil {
			return err
		}
		plan, err = dayPlan(tx, si, date)
		return err
	})
	return plan, err
}

// ClearCalendarDay removes a date's override, so the weekday default applies again (principal).
func (s *Service) ClearCalendarDay(ctx context.Context, a *Actor, date string) error {
	if err := a.require(RolePrincipal); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Scopes(a.scope()).Where("date = ?", date).Delete(&model.CalendarDay{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return notFound("日历调整")
		}
		return s.audit(tx, a, a.SchoolID, ActionDelete, "calendar", date, nil)
	})
}
