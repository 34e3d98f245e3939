package attendance

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/school"
)

// Request categories and states of leave (请假) and make-up punch (补卡) requests.
const (
	RequestLeave      = "leave"
	RequestCorrection = "correction"

	RequestPending  = "pending"
	RequestApproved = "approved"
	RequestRejected = "rejected"
)

// LeaveTypes are the kinds of leave a staff member may ask for.
var LeaveTypes = []string{"sick", "personal", "official", "other"}

const (
	maxLeaveDays       = 60 // a leave covers at most this many calendar days, ends included
	correctionLookback = 31 // a make-up punch may be asked for up to this many days back
)

// AttendanceRequest is a leave or make-up punch request as the API shows it. A leave has type, from and to;
// a correction has date and kind.
type AttendanceRequest struct {
	ID          string       `json:"id"`
	RequestType string       `json:"request_type"`
	Type        string       `json:"type,omitempty"`
	From        string       `json:"from,omitempty"`
	To          string       `json:"to,omitempty"`
	Date        string       `json:"date,omitempty"`
	Kind        string       `json:"kind,omitempty"`
	Reason      string       `json:"reason"`
	Status      string       `json:"status"`
	Requester   service.Ref  `json:"requester"`
	DecidedBy   *service.Ref `json:"decided_by"`
	Comment     string       `json:"comment"`
	DecidedAt   *time.Time   `json:"decided_at"`
	CreatedAt   time.Time    `json:"created_at"`
}

func requestOut(m model.AttendanceRequest, loc *time.Location) AttendanceRequest {
	r := AttendanceRequest{ID: m.ID, RequestType: m.Category, Reason: m.Reason, Status: m.Status,
		Requester: service.Ref{ID: m.StaffID, Name: m.StaffName}, Comment: m.Comment, DecidedAt: service.InZone(m.DecidedAt, loc), CreatedAt: service.Local(m.CreatedAt, loc)}
	if m.Category == RequestLeave {
		r.Type, r.From, r.To = m.LeaveType, m.FromDate, m.ToDate
	} else {
		r.Date, r.Kind = m.FromDate, m.PunchKind
	}
	if m.DeciderID != "" {
		r.DecidedBy = &service.Ref{ID: m.DeciderID, Name: m.DeciderName}
	}
	return r
}

// LeaveInput asks for leave from one date to another, both included.
type LeaveInput struct {
	Type, From, To, Reason string
}

func checkReason(v service.Invalid, reason string) string {
	return v.Content("reason", reason, 1, 200)
}

// RequestLeave files a leave request (any staff member). The range is inclusive: a leave from Friday to
// Monday covers four dates, of which only the workdays become on_leave once approved. Both dates lie within
// the school's horizon (a year either side of today, or the current term: 400 naming the field); an
// overlapping pending or approved leave of the same person is 409.
func (s *Service) RequestLeave(ctx context.Context, a *service.Actor, in LeaveInput) (AttendanceRequest, error) {
	if err := a.RequireStaff(); err != nil {
		return AttendanceRequest{}, err
	}
	v := service.Invalid{}
	v.OneOf("type", in.Type, false, LeaveTypes...)
	_, okF := v.Date("from", in.From)
	_, okT := v.Date("to", in.To)
	if okF && okT {
		v.Span("from", in.From, "to", in.To, maxLeaveDays)
	}
	reason := checkReason(v, in.Reason)
	if err := v.Err(); err != nil {
		return AttendanceRequest{}, err
	}
	row := model.AttendanceRequest{ID: model.NewID(), SchoolID: a.SchoolID, StaffID: a.StaffID, StaffName: a.Name,
		Category: RequestLeave, LeaveType: in.Type, FromDate: in.From, ToDate: in.To, Reason: reason,
		Status: RequestPending}
	return s.file(ctx, a, row, func(tx *service.Tx, si *school.Info) error {
		lo, hi := si.Horizon(tx.Now)
		if bad := (service.Invalid{}); !bad.Between("from", in.From, lo, hi) || !bad.Between("to", in.To, lo, hi) {
			return bad.Err()
		}
		var n int64
		if err := tx.Model(&model.AttendanceRequest{}).Scopes(a.Scope()).
			Where("staff_id = ? AND category = ? AND status IN ? AND from_date <= ? AND to_date >= ?",
				a.StaffID, RequestLeave, []string{RequestPending, RequestApproved}, in.To, in.From).
			Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return service.Conflict("conflict", "这段时间已有请假申请")
		}
		return nil
	})
}

// checkJoined refuses a make-up punch for a date before the requester joined the roster: that day is not
// theirs to attend (not_joined on the sheet), so there is nothing to make up.
func checkJoined(tx *service.Tx, si *school.Info, a *service.Actor, date string) error {
	st, err := school.FindStaff(tx.DB, a.SchoolID, a.StaffID)
	if err != nil {
		return err
	}
	if joined := service.LocalDate(st.CreatedAt, si.Loc); date < joined {
		return service.Rule("not_joined", "您在 "+joined+" 加入本校，此前的日期无需补卡").
			Field("date", "不能早于入职日期 "+joined)
	}
	return nil
}

// file stores a new request in one transaction, after check has passed on the school's settings as they are
// now; the request is audited as created.
func (s *Service) file(ctx context.Context, a *service.Actor, row model.AttendanceRequest,
	check func(tx *service.Tx, si *school.Info) error) (AttendanceRequest, error) {
	loc := service.Beijing()
	err := s.Tx(ctx, func(tx *service.Tx) error {
		si, err := school.Load(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		loc, row.CreatedAt = si.Loc, tx.Now
		if err := check(tx, si); err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return evidence.Created(tx, a, a.SchoolID, evidence.AttendanceRequest, row.ID, requestOut(row, loc))
	})
	return requestOut(row, loc), err
}

// CorrectionInput asks for a make-up punch (补卡) of one kind on one date.
type CorrectionInput struct {
	Date, Kind, Reason string
}

// RequestCorrection files a make-up punch request (any staff member): for a workday, not in the future and
// at most 31 days back (else 422 too_late), not before the person joined the roster (422 not_joined: such a
// day is not theirs to attend), at most one per date and kind (409), and at most the school's
// monthly cap (attendance.max_corrections_per_month, counted per month of the corrected date, pending and
// approved ones) — over it, 422 too_many_corrections.
func (s *Service) RequestCorrection(ctx context.Context, a *service.Actor, in CorrectionInput) (AttendanceRequest, error) {
	if err := a.RequireStaff(); err != nil {
		return AttendanceRequest{}, err
	}
	v := service.Invalid{}
	v.Date("date", in.Date)
	v.OneOf("kind", in.Kind, false, PunchIn, PunchOut)
	reason := checkReason(v, in.Reason)
	if err := v.Err(); err != nil {
		return AttendanceRequest{}, err
	}
	row := model.AttendanceRequest{ID: model.NewID(), SchoolID: a.SchoolID, StaffID: a.StaffID, StaffName: a.Name,
		Category: RequestCorrection, PunchKind: in.Kind, FromDate: in.Date, ToDate: in.Date, Reason: reason,
		Status: RequestPending}
	return s.file(ctx, a, row, func(tx *service.Tx, si *school.Info) error {
		today := tx.Now.In(si.Loc)
		if in.Date > today.Format(time.DateOnly) || in.Date < today.AddDate(0, 0, -correctionLookback).Format(time.DateOnly) {
			return service.Rule("too_late", fmt.Sprintf("只能为今天及之前 %d 天内的日期补卡", correctionLookback)).
				Field("date", fmt.Sprintf("应为今天及之前 %d 天内", correctionLookback))
		}
		if err := checkJoined(tx, si, a, in.Date); err != nil {
			return err
		}
		plan, err := school.Plan(tx.DB, si, in.Date)
		if err != nil {
			return err
		}
		if !plan.Workday {
			return service.Rule("not_a_workday", "该日不是工作日，无需补卡").Field("date", "不是工作日")
		}
		mine := tx.Model(&model.AttendanceRequest{}).Scopes(a.Scope()).
			Where("staff_id = ? AND category = ? AND status IN ?", a.StaffID, RequestCorrection,
				[]string{RequestPending, RequestApproved})
		var same, inMonth int64
		if err := mine.Session(&gorm.Session{}).Where("from_date = ? AND punch_kind = ?", in.Date, in.Kind).
			Count(&same).Error; err != nil {
			return err
		}
		if same > 0 {
			return service.Conflict("conflict", "该日已有同类补卡申请")
		}
		first, last := service.Invalid{}.Month("date", in.Date[:7])
		if err := mine.Session(&gorm.Session{}).Where("from_date >= ? AND from_date <= ?", first, last).
			Count(&inMonth).Error; err != nil {
			return err
		}
		if limit := si.Settings.Attendance.MaxCorrections(); int(inMonth) >= limit {
			return service.Rule("too_many_corrections", fmt.Sprintf("每月最多补卡 %d 次，本月已用完", limit))
		}
		return nil
	})
}
