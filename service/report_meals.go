package service

import (
	"context"
	"math"
	"slices"
	"sort"
	"time"

	"schoolcheck/model"
)

// MealReport is a school's 陪餐 month (GET /reports/meals). Served counts the meals the calendar serves
// from the first of the month up to today (never future ones); covered those with at least one leader's
// record; coverage is covered/served (0 when nothing was served). Items has one row per served meal.
type MealReport struct {
	School      Ref             `json:"school"`
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
	Date       string `json:"date"`
	Meal       string `json:"meal"`
	DutyLeader *Ref   `json:"duty_leader"`
}

// MealCoverage is one served meal: who was on duty, which leaders came, how many parents.
type MealCoverage struct {
	Date       string   `json:"date"`
	Meal       string   `json:"meal"`
	DutyLeader *Ref     `json:"duty_leader"`
	Leaders    []string `json:"leaders"`
	Parents    int      `json:"parents"`
	Covered    bool     `json:"covered"`
}

// FeedbackStats are about feedback received in the month: how many, how many still wait for the school
// (status open), and the median hours to the school's first reply (null when none was answered).
type FeedbackStats struct {
	Received         int      `json:"received"`
	Open             int      `json:"open"`
	MedianReplyHours *float64 `json:"median_reply_hours"`
}

// MealReport computes the month (leaders: their school; inspectors: a school of their region).
func (s *Service) MealReport(ctx context.Context, a *Actor, month, schoolID string) (MealReport, error) {
	first, last, err := monthRange(month)
	if err != nil {
		return MealReport{}, err
	}
	si, err := s.reportSchool(ctx, a, schoolID)
	if err != nil {
		return MealReport{}, err
	}
	rep := MealReport{School: Ref{ID: si.School.ID, Name: si.School.Name}, Month: month,
		Uncovered: []UncoveredMeal{}, Items: []MealCoverage{}}
	db := s.read(ctx)
	end := min(last, si.Today(s.now()))
	if first <= end {
		plans, err := dayPlans(db, si, first, end)
		if err != nil {
			return MealReport{}, err
		}
		var meals []model.Meal
		if err := db.Scopes(model.InSchool(si.School.ID)).Select("date", "meal", "role", "label").
			Where("date >= ? AND date <= ?", first, end).Order("created_at").Find(&meals).Error; err != nil {
			return MealReport{}, wrapDB(err)
		}
		duties, err := s.duties(db, si.School.ID, first, end)
		if err != nil {
			return MealReport{}, err
		}
		tallyMeals(&rep, plans, meals, duties)
	}
	var fbs []model.Feedback
	if err := db.Scopes(model.InSchool(si.School.ID)).Select("status", "created_at", "first_reply_at").
		Where("created_date >= ? AND created_date <= ?", first, last).Find(&fbs).Error; err != nil {
		return MealReport{}, wrapDB(err)
	}
	rep.Feedback = feedbackStats(fbs)
	return rep, nil
}

// tallyMeals fills the coverage figures from the served meals, the records and the roster.
func tallyMeals(rep *MealReport, plans []DayPlan, meals []model.Meal, duties []MealDuty) {
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
	duty := map[key]*Ref{}
	for _, d := range duties {
		duty[key{d.Date, d.Meal}] = d.Leader
	}
	for _, p := range plans {
		served := slices.Clone(p.Meals)
		sort.Slice(served, func(i, j int) bool {
			return slices.Index(MealKinds, served[i]) < slices.Index(MealKinds, served[j])
		})
		for _, m := range served {
			k := key{p.Date, m}
			row := MealCoverage{Date: p.Date, Meal: m, DutyLeader: duty[k], Leaders: leaders[k], Parents: parents[k]}
			if row.Leaders == nil {
				row.Leaders = []string{}
			}
			row.Covered = len(row.Leaders) > 0
			rep.Served++
			if row.Covered {
				rep.Covered++
			} else {
				rep.Uncovered = append(rep.Uncovered, UncoveredMeal{Date: p.Date, Meal: m, DutyLeader: duty[k]})
			}
			rep.Items = append(rep.Items, row)
		}
	}
	if rep.Served > 0 {
		rep.Coverage = math.Round(float64(rep.Covered)/float64(rep.Served)*10000) / 10000
	}
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
