// Package inspections is the inspection module (督查考核): the district bureaus' yearly inspection and the
// monthly 责任督学 visits read every school of their region — and of the regions below it — through the
// overview of all the modules, the problems they find (问题清单) closed out one by one once the school has
// fixed them (销号管理), and the evidence pack an inspector files as it is.
//
// Who may do what:
//   - an inspector of a region reads every school in its subtree (a city's inspector reads its districts'
//     schools); a school or region outside it is 404; inspectors record findings and verify the answers;
//   - a school's principal and leaders read their own school (one row of the overview, its findings, its
//     evidence pack) and answer its findings; they never verify;
//   - everyone else (teachers, parents) is 403.
//
// The module never imports another module: every figure of the overview comes from the module that owns
// it, through Sources, which the app wires to each module's Summary — the same code as that module's own
// report, so that the overview and the report cannot disagree.
package inspections

import (
	"context"

	"schoolcheck/service"
	"schoolcheck/service/notify"
	"schoolcheck/service/photos"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// Service is the inspection module.
type Service struct {
	service.Core
	photos *photos.Service
	notify *notify.Service
	src    Sources
}

// New builds the module over the photo pipeline, the outbox and the modules' figures.
func New(core service.Core, ph *photos.Service, nt *notify.Service, src Sources) *Service {
	return &Service{Core: core, photos: ph, notify: nt, src: src}
}

// Sources are the modules' figures for one school and period, each computed by the module's own report
// code (app wires them to attendance.Summary, meals.Summary, phones.Summary and observations.Summary), and
// their records for the evidence pack.
type Sources struct {
	Attendance   func(ctx context.Context, si *school.Info, p report.Period) (AttendanceFigures, error)
	Meals        func(ctx context.Context, si *school.Info, p report.Period) (MealFigures, error)
	Phones       func(ctx context.Context, si *school.Info, p report.Period) (PhoneFigures, error)
	Observations func(ctx context.Context, si *school.Info, p report.Period) (ObservationFigures, error)
	// Records are the modules' record sheets of a period, in the order the evidence pack prints them.
	Records []func(ctx context.Context, si *school.Info, p report.Period) (report.Records, error)
}

// AttendanceFigures are a school's office sign-in figures: days due, days present and their ratio.
type AttendanceFigures struct {
	Workdays int     `json:"workdays"`
	Present  int     `json:"present"`
	Rate     float64 `json:"rate"`
}

// MealFigures are a school's 陪餐 figures: meals served and covered by a leader, and parent feedback.
type MealFigures struct {
	Served           int      `json:"served"`
	Covered          int      `json:"covered"`
	Coverage         float64  `json:"coverage"`
	FeedbackReceived int      `json:"feedback_received"`
	FeedbackOpen     int      `json:"feedback_open"`
	MedianReplyHours *float64 `json:"median_reply_hours"`
}

// PhoneFigures are a school's phone-custody figures: collect and return checks due and made.
type PhoneFigures struct {
	Due      int     `json:"due"`
	Done     int     `json:"done"`
	Coverage float64 `json:"coverage"`
}

// ObservationFigures are a school's lesson-observation figures: observations filed, staff, observations per
// staff member, the staff's quotas added up and the share of them met.
type ObservationFigures struct {
	Observations int     `json:"observations"`
	Staff        int     `json:"staff"`
	PerTeacher   float64 `json:"per_teacher"`
	QuotaSum     int     `json:"quota_sum"`
	QuotaMet     float64 `json:"quota_met"`
}
