package app

import (
	"context"

	"schoolcheck/service/inspections"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// inspectionSources hands the inspection module each module's figures, computed by that module's Summary —
// the code of its own report — so that the overview and the module reports cannot disagree.
func (a *App) inspectionSources() inspections.Sources {
	return inspections.Sources{
		Attendance: func(ctx context.Context, si *school.Info, p report.Period) (inspections.AttendanceFigures, error) {
			s, err := a.Attendance.Summary(ctx, si, p)
			return inspections.AttendanceFigures{Workdays: s.Workdays, Present: s.Present, Rate: s.Rate}, err
		},
		Meals: func(ctx context.Context, si *school.Info, p report.Period) (inspections.MealFigures, error) {
			s, err := a.Meals.Summary(ctx, si, p)
			return inspections.MealFigures{Served: s.Served, Covered: s.Covered, Coverage: s.Coverage,
				FeedbackReceived: s.Feedback.Received, FeedbackOpen: s.Feedback.Open,
				MedianReplyHours: s.Feedback.MedianReplyHours}, err
		},
		Phones: func(ctx context.Context, si *school.Info, p report.Period) (inspections.PhoneFigures, error) {
			s, err := a.Phones.Summary(ctx, si, p)
			return inspections.PhoneFigures{Due: s.CollectDue + s.ReturnDue, Done: s.CollectDays + s.ReturnDays,
				Coverage: s.Coverage}, err
		},
		Observations: func(ctx context.Context, si *school.Info, p report.Period) (inspections.ObservationFigures, error) {
			s, err := a.Observations.Summary(ctx, si, p)
			return inspections.ObservationFigures{Observations: s.Observations, Staff: s.Staff, PerTeacher: s.PerTeacher,
				QuotaSum: s.QuotaSum, QuotaMet: s.QuotaMet}, err
		},
		Records: []func(context.Context, *school.Info, report.Period) (report.Records, error){
			a.Attendance.Records, a.Meals.Records, a.Meals.FeedbackRecords, a.Phones.Records, a.Observations.Records},
	}
}
