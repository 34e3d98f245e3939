package attendance

import (
	"context"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/school"
)

// Day statuses of office sign-in, the same for the personal view and the monthly report.
const (
	DayNormal         = "normal"
	DayLate           = "late"
	DayEarlyLeave     = "early_leave"
	DayLateEarlyLeave = "late_early_leave"
	DayAbsent         = "absent"
	DayMissingOut     = "missing_out"
	DayOnLeave        = "on_leave"
	DayRest           = "rest"
	DayUpcoming       = "upcoming"
	// DayNotJoined is a date before the person joined the school's roster: neither a rest day nor an
	// absence, and counted nowhere (the sheet leaves it "—").
	DayNotJoined = "not_joined"
)

// AttendanceDay is one date of a staff member's month (GET /attendance/days).
type AttendanceDay struct {
	Date    string `json:"date"`
	Workday bool   `json:"workday"`
	In      *Punch `json:"in"`
	Out     *Punch `json:"out"`
	Status  string `json:"status"`
}

// dayInputs is everything the status of one staff member's days depends on.
type dayInputs struct {
	plans   []school.DayPlan
	punches []model.AttendancePunch // this staff member's, any order
	leaves  []model.AttendanceRequest
	joined  string // local date the staff member joined the roster: earlier days are not theirs to attend
}

// attendanceDays computes every day's status. The rules, in order:
//   - a date before the person joined the roster → not_joined (no duty yet: neither rest nor absence);
//   - not a workday by the calendar (weekend, holiday, a weekday without a window) → rest;
//   - an approved leave covering the date → on_leave, future dates included (the leave is granted);
//   - a future date → upcoming;
//   - today, nothing punched: upcoming until the window's end, then absent; today with only an "in":
//     normal or late as the "in" says (the day is not over, so not missing_out yet);
//   - otherwise: no punch → absent; one of the two → missing_out (漏卡); both → normal, late, early_leave or
//     late_early_leave from the punches' own statuses (an approved correction is an on-time punch).
func attendanceDays(si *school.Info, in dayInputs, now time.Time) []AttendanceDay {
	byDate := map[string][2]*model.AttendancePunch{}
	for i := range in.punches {
		p := &in.punches[i]
		pair := byDate[p.Date]
		if p.Kind == PunchIn {
			pair[0] = p
		} else {
			pair[1] = p
		}
		byDate[p.Date] = pair
	}
	local := now.In(si.Loc)
	today := local.Format(time.DateOnly)
	out := make([]AttendanceDay, 0, len(in.plans))
	for _, plan := range in.plans {
		pair := byDate[plan.Date]
		d := AttendanceDay{Date: plan.Date, Workday: plan.Workday}
		if pair[0] != nil {
			p := punchOut(*pair[0], si.Loc)
			d.In = &p
		}
		if pair[1] != nil {
			p := punchOut(*pair[1], si.Loc)
			d.Out = &p
		}
		d.Status = dayStatus(si, plan, d.In, d.Out, onLeave(in.leaves, plan.Date), plan.Date < in.joined, today, local)
		out = append(out, d)
	}
	return out
}

func dayStatus(si *school.Info, plan school.DayPlan, in, out *Punch, leave, beforeJoining bool, today string, now time.Time) string {
	switch {
	case beforeJoining:
		return DayNotJoined
	case !plan.Workday || plan.Window == nil:
		return DayRest
	case leave:
		return DayOnLeave
	case plan.Date > today:
		return DayUpcoming
	case plan.Date == today && in == nil && out == nil:
		if now.Before(service.At(plan.Date, plan.Window.Out, si.Loc)) {
			return DayUpcoming
		}
		return DayAbsent
	case plan.Date == today && out == nil:
		if in.Status == StatusLate {
			return DayLate
		}
		return DayNormal
	case in == nil && out == nil:
		return DayAbsent
	case in == nil || out == nil:
		return DayMissingOut
	}
	late, early := in.Status == StatusLate, out.Status == StatusEarlyLeave
	switch {
	case late && early:
		return DayLateEarlyLeave
	case late:
		return DayLate
	case early:
		return DayEarlyLeave
	}
	return DayNormal
}

// onLeave reports whether an approved leave covers the date (both ends inclusive).
func onLeave(leaves []model.AttendanceRequest, date string) bool {
	for _, l := range leaves {
		if l.FromDate <= date && date <= l.ToDate {
			return true
		}
	}
	return false
}

// AttendanceDaysQuery names a month and optionally whose (leaders may name any staff of their school).
type AttendanceDaysQuery struct {
	Month  string
	UserID string
}

// AttendanceDays lists every day of a month with its punches and status: the actor's own, or (leaders) any
// staff member's of the school. A teacher naming a colleague is 403; a staff id of another school is 404.
func (s *Service) AttendanceDays(ctx context.Context, a *service.Actor, q AttendanceDaysQuery) ([]AttendanceDay, error) {
	if err := a.RequireStaff(); err != nil {
		return nil, err
	}
	v := service.Invalid{}
	first, last := v.Month("month", q.Month)
	v.ID("user_id", q.UserID)
	if err := v.Err(); err != nil {
		return nil, err
	}
	db := s.Read(ctx)
	staffID := a.StaffID
	if q.UserID != "" {
		staffID = q.UserID
	}
	st, err := school.FindStaff(db, a.SchoolID, staffID)
	if err != nil {
		return nil, err
	}
	if staffID != a.StaffID && !a.IsLeader() {
		return nil, service.Forbidden()
	}
	si, err := school.Load(db, a.SchoolID)
	if err != nil {
		return nil, err
	}
	inputs, err := loadDayInputs(db, si, first, last, staffID)
	if err != nil {
		return nil, err
	}
	in := inputs.of(staffID)
	in.joined = st.CreatedAt.In(si.Loc).Format(time.DateOnly)
	return attendanceDays(si, in, s.Now()), nil
}

// monthInputs are a month's plans with the punches and approved leaves of each staff member.
type monthInputs struct {
	plans   []school.DayPlan
	punches map[string][]model.AttendancePunch
	leaves  map[string][]model.AttendanceRequest
}

// of is one staff member's inputs (joined is left for the caller).
func (m monthInputs) of(staffID string) dayInputs {
	return dayInputs{plans: m.plans, punches: m.punches[staffID], leaves: m.leaves[staffID]}
}

// staffDay is one staff member's punches of a date, as the database pairs them: the status of the in and
// of the out ("" for none).
type staffDay struct {
	StaffID   string
	Date      string
	InStatus  string
	OutStatus string
}

// staffDays reads the punches of q one row per staff member and date, as the punches the day rules take
// (kind and status only: what a school's sheet shows).
func staffDays(q *gorm.DB) ([]model.AttendancePunch, error) {
	var rows []staffDay
	if err := q.Model(&model.AttendancePunch{}).Select(`staff_id, date,
		MAX(CASE WHEN kind = 'in' THEN status ELSE '' END) AS in_status,
		MAX(CASE WHEN kind = 'out' THEN status ELSE '' END) AS out_status`).Group("staff_id, date").Scan(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	out := make([]model.AttendancePunch, 0, 2*len(rows))
	for _, r := range rows {
		if r.InStatus != "" {
			out = append(out, model.AttendancePunch{StaffID: r.StaffID, Date: r.Date, Kind: PunchIn, Status: r.InStatus})
		}
		if r.OutStatus != "" {
			out = append(out, model.AttendancePunch{StaffID: r.StaffID, Date: r.Date, Kind: PunchOut, Status: r.OutStatus})
		}
	}
	return out, nil
}

// loadDayInputs reads the month's plans, punches and approved leaves of one staff member (or of the whole
// school when staffID is empty) in three queries.
func loadDayInputs(db *gorm.DB, si *school.Info, first, last, staffID string) (monthInputs, error) {
	plans, err := school.Plans(db, si, first, last)
	if err != nil {
		return monthInputs{}, err
	}
	scope := model.InSchool(si.School.ID)
	pq := db.Scopes(scope).Where("date >= ? AND date <= ?", first, last)
	lq := db.Scopes(scope).Where("category = ? AND status = ? AND from_date <= ? AND to_date >= ?",
		RequestLeave, RequestApproved, last, first)
	if staffID != "" {
		pq, lq = pq.Where("staff_id = ?", staffID), lq.Where("staff_id = ?", staffID)
	}
	out := monthInputs{plans: plans, punches: map[string][]model.AttendancePunch{},
		leaves: map[string][]model.AttendanceRequest{}}
	var punches []model.AttendancePunch
	if staffID == "" {
		// A school's month (the report, the overview): the day rules need only which punches each staff
		// member has on each date and their statuses, which the database pairs up per staff-day.
		var err error
		if punches, err = staffDays(pq); err != nil {
			return out, err
		}
	} else if err := pq.Find(&punches).Error; err != nil {
		return out, service.WrapDB(err)
	}
	var leaves []model.AttendanceRequest
	if err := lq.Find(&leaves).Error; err != nil {
		return out, service.WrapDB(err)
	}
	for _, p := range punches {
		out.punches[p.StaffID] = append(out.punches[p.StaffID], p)
	}
	for _, l := range leaves {
		out.leaves[l.StaffID] = append(out.leaves[l.StaffID], l)
	}
	return out, nil
}
