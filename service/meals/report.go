package meals

import (
	"context"
	"math"
	"slices"
	"sort"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/report"
	"schoolcheck/service/school"

	"gorm.io/gorm"
)

// MealReport is a school's 陪餐 month (GET /reports/meals). Served counts the meals the calendar serves
// from the first of the month, or the day the school started using schoolcheck, up to today; a meal of
// today counts only once it is due (its reminders.meal_unrecorded.after time, see school.Settings.MealDue)
// or once a leader recorded it, so today's lunch is never "uncovered" at 03:00. Covered counts those with
// at least one leader's record; coverage is covered/served (0 when nothing was served). Items has one row
// per counted meal.
type MealReport struct {
	School      service.Ref     `json:"school"`
	Month       string          `json:"month"`
	Served      int             `json:"served"`
	Covered     int             `json:"covered"`
	Coverage    float64         `json:"coverage"`
	Uncovered   []UncoveredMeal `json:"uncovered"`
	ParentMeals int             `json:"parent_meals"`
	Feedback    FeedbackStats   `json:"feedback"`
	Items       []MealCoverage  `json:"items"`
}

// UncoveredMeal is a served meal no leader recorded, with the leader who was on duty (null if none).
type UncoveredMeal struct {
	Date       string       `json:"date"`
	Meal       string       `json:"meal"`
	DutyLeader *service.Ref `json:"duty_leader"`
}

// MealCoverage is one served meal: who was on duty, which leaders came, how many parents.
type MealCoverage struct {
	Date       string       `json:"date"`
	Meal       string       `json:"meal"`
	DutyLeader *service.Ref `json:"duty_leader"`
	Leaders    []string     `json:"leaders"`
	Parents    int          `json:"parents"`
	Covered    bool         `json:"covered"`
}

// FeedbackStats are about feedback received in the month: how many, how many still wait for the school
// (status open), and the median hours to the school's first reply (null when none was answered).
type FeedbackStats struct {
	Received         int      `json:"received"`
	Open             int      `json:"open"`
	MedianReplyHours *float64 `json:"median_reply_hours"`
}

// Report computes the month (leaders: their school; inspectors: a school of their region).
func (s *Service) Report(ctx context.Context, a *service.Actor, q report.Query) (MealReport, error) {
	db := s.Read(ctx)
	si, err := report.School(db, a, q.SchoolID)
	if err != nil {
		return MealReport{}, err
	}
	p, err := report.MonthPeriod(q, si, s.Now())
	if err != nil {
		return MealReport{}, err
	}
	return s.report(db, si, p, s.Now())
}

// report is the meals figures of a school and period at now; the overview uses it for its meal coverage.
func (s *Service) report(db *gorm.DB, si *school.Info, p report.Period, now time.Time) (MealReport, error) {
	rep := MealReport{School: si.Ref(), Month: p.Month, Uncovered: []UncoveredMeal{}, Items: []MealCoverage{}}
	if !p.Empty() {
		plans, err := school.Plans(db, si, p.Since, p.Upto)
		if err != nil {
			return MealReport{}, err
		}
		var meals []model.Meal
		if err := db.Scopes(model.InSchool(si.School.ID)).Select("date", "meal", "role", "label").
			Where("date >= ? AND date <= ?", p.Since, p.Upto).Order("created_at").Find(&meals).Error; err != nil {
			return MealReport{}, service.WrapDB(err)
		}
		roster, err := duties(db, si.School.ID, p.Since, p.Upto)
		if err != nil {
			return MealReport{}, err
		}
		today := si.Today(now)
		due := func(date, meal string) bool {
			return date < today || !now.Before(service.At(date, si.Settings.MealDue(meal), si.Loc))
		}
		tallyMeals(&rep, plans, meals, roster, due)
	}
	var fbs []model.Feedback
	if err := db.Scopes(model.InSchool(si.School.ID)).Select("status", "created_at", "first_reply_at").
		Where("created_date >= ? AND created_date <= ?", p.From, p.To).Find(&fbs).Error; err != nil {
		return MealReport{}, service.WrapDB(err)
	}
	rep.Feedback = feedbackStats(fbs)
	return rep, nil
}

// Summary is a school's 陪餐 figures for a period, the ones the inspections overview shows, computed by the
// code of GET /reports/meals: meals served and covered by a leader, coverage, parent 陪餐 and the feedback
// figures.
type Summary struct {
	Served      int           `json:"served"`
	Covered     int           `json:"covered"`
	Coverage    float64       `json:"coverage"`
	ParentMeals int           `json:"parent_meals"`
	Feedback    FeedbackStats `json:"feedback"`
}

// Summary is the school's figures for a period (for the inspections overview).
func (s *Service) Summary(ctx context.Context, si *school.Info, p report.Period) (Summary, error) {
	rep, err := s.report(s.Read(ctx), si, p, s.Now())
	if err != nil {
		return Summary{}, err
	}
	return Summary{Served: rep.Served, Covered: rep.Covered, Coverage: rep.Coverage, ParentMeals: rep.ParentMeals,
		Feedback: rep.Feedback}, nil
}

// tallyMeals fills the coverage figures from the served meals, the records and the roster; a meal that is
// not due yet and has no leader's record is left out.
func tallyMeals(rep *MealReport, plans []school.DayPlan, meals []model.Meal, duties []MealDuty, due func(date, meal string) bool) {
	type key struct{ date, meal string }
	leaders, parents := map[key][]string{}, map[key]int{}
	for _, m := range meals {
		k := key{m.Date, m.Meal}
		if m.Role == CompanionLeader {
			leaders[k] = append(leaders[k], m.Label)
		} else {
			parents[k]++
			rep.ParentMeals++
		}
	}
	duty := map[key]*service.Ref{}
	for _, d := range duties {
		duty[key{d.Date, d.Meal}] = d.Leader
	}
	for _, p := range plans {
		served := slices.Clone(p.Meals)
		sort.Slice(served, func(i, j int) bool {
			return slices.Index(school.MealKinds, served[i]) < slices.Index(school.MealKinds, served[j])
		})
		for _, m := range served {
			k := key{p.Date, m}
			row := MealCoverage{Date: p.Date, Meal: m, DutyLeader: duty[k], Leaders: leaders[k], Parents: parents[k]}
			if row.Leaders == nil {
				row.Leaders = []string{}
			}
			row.Covered = len(row.Leaders) > 0
			if !row.Covered && !due(p.Date, m) {
				continue
			}
			rep.Served++
			if row.Covered {
				rep.Covered++
			} else {
				rep.Uncovered = append(rep.Uncovered, UncoveredMeal{Date: p.Date, Meal: m, DutyLeader: duty[k]})
			}
			rep.Items = append(rep.Items, row)
		}
	}
	rep.Coverage = report.Ratio(rep.Covered, rep.Served)
}

func feedbackStats(fbs []model.Feedback) FeedbackStats {
	st := FeedbackStats{Received: len(fbs)}
	var hours []float64
	for _, f := range fbs {
		if f.Status == FeedbackOpen {
			st.Open++
		}
		if f.FirstReplyAt != nil {
			hours = append(hours, f.FirstReplyAt.Sub(f.CreatedAt).Hours())
		}
	}
	if len(hours) > 0 {
		slices.Sort(hours)
		mid := len(hours) / 2
		m := hours[mid]
		if len(hours)%2 == 0 {
			m = (hours[mid-1] + hours[mid]) / 2
		}
		m = math.Round(m*10) / 10
		st.MedianReplyHours = &m
	}
	return st
}

// mealNames are the meals as a Chinese sheet writes them.
var mealNames = map[string]string{"breakfast": "早餐", "lunch": "午餐", "dinner": "晚餐"}

// weekdayName is "周一" … "周日" for a date.
func weekdayName(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return ""
	}
	return "周" + []string{"日", "一", "二", "三", "四", "五", "六"}[t.Weekday()]
}
