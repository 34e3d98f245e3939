package app

import (
	"context"

	"schoolcheck/service/attendance"
	"schoolcheck/service/inspections"
	"schoolcheck/service/meals"
	"schoolcheck/service/observations"
	"schoolcheck/service/phones"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// inspectionSources hands the inspection module each module's figures, computed by that module's Summaries —
// the code of its own report, for all the overview's schools at once — so that the overview and the module
// reports cannot disagree.
func (a *App) inspectionSources() inspections.Sources {
	return inspections.Sources{
		Attendance: batched(a.Attendance.Summaries, func(s attendance.Summary) inspections.AttendanceFigures {
			return inspections.AttendanceFigures{Workdays: s.Workdays, Present: s.Present, Rate: s.Rate}
		}),
		Meals: batched(a.Meals.Summaries, func(s meals.Summary) inspections.MealFigures {
			return inspections.MealFigures{Served: s.Served, Covered: s.Covered, Coverage: s.Coverage,
				FeedbackReceived: s.Feedback.Received, FeedbackOpen: s.Feedback.Open,
				MedianReplyHours: s.Feedback.MedianReplyHours}
		}),
		Phones: batched(a.Phones.Summaries, func(s phones.Summary) inspections.PhoneFigures {
			return inspections.PhoneFigures{Due: s.CollectDue + s.ReturnDue, Done: s.CollectDays + s.ReturnDays,
				Coverage: s.Coverage}
		}),
		Observations: batched(a.Observations.Summaries, func(s observations.Summary) inspections.ObservationFigures {
			return inspections.ObservationFigures{Observations: s.Observations, Staff: s.Staff, PerTeacher: s.PerTeacher,
				QuotaSum: s.QuotaSum, QuotaMet: s.QuotaMet}
		}),
		Records: []func(context.Context, *school.Info, report.Period) (report.Records, error){
			a.Attendance.Records, a.Meals.Records, a.Meals.FeedbackRecords, a.Phones.Records, a.Observations.Records},
	}
}

// batched turns a module's Summaries into the inspection module's figures, school by school.
func batched[S, F any](summaries func(context.Context, report.Targets) (map[string]S, error), figures func(S) F) func(context.Context, report.Targets) (map[string]F, error) {
	return func(ctx context.Context, ts report.Targets) (map[string]F, error) {
		sums, err := summaries(ctx, ts)
		if err != nil {
			return nil, err
		}
		out := make(map[string]F, len(sums))
		for id, s := range sums {
			out[id] = figures(s)
		}
		return out, nil
	}
}
