package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
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
	ID          string     `json:"id"`
	RequestType string     `json:"request_type"`
	Type        string     `json:"type,omitempty"`
	From        string     `json:"from,omitempty"`
	To          string     `json:"to,omitempty"`
	Date        string     `json:"date,omitempty"`
	Kind        string     `json:"kind,omitempty"`
	Reason      string     `json:"reason"`
	Status      string     `json:"status"`
	Requester   Ref        `json:"requester"`
	DecidedBy   *Ref       `json:"decided_by"`
	Comment     string     `json:"comment"`
	DecidedAt   *time.Time `json:"decided_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

func requestOut(m model.AttendanceRequest) AttendanceRequest {
	r := AttendanceRequest{ID: m.ID, RequestType: m.Category, Reason: m.Reason, Status: m.Status,
		Requester: Ref{ID: m.StaffID, Name: m.StaffName}, Comment: m.Comment, DecidedAt: m.DecidedAt, CreatedAt: m.CreatedAt}
	if m.Category == RequestLeave {
		r.Type, r.From, r.To = m.LeaveType, m.FromDate, m.ToDate
	} else {
		r.Date, r.Kind = m.FromDate, m.PunchKind
	}
	if m.DeciderID != "" {
		r.DecidedBy = &Ref{ID: m.DeciderID, Name: m.DeciderName}
	}
	return r
}

// LeaveInput asks for leave from one date to another, both included.
type LeaveInput struct {
	Type, From, To, Reason string
}

func checkReason(v invalid, reason string) string {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 200 {
		v.add("reason", "事由为 1–200 个字")
	}
	return reason
}

// RequestLeave files a leave request (any staff member). The range is inclusive: a leave from Friday to
// Monday covers four dates, of which only the workdays become on_leave once approved. An overlapping
// pending or approved leave of the same person is 409.
func (s *Service) RequestLeave(ctx context.Context, a *Actor, in LeaveInput) (AttendanceRequest, error) {
	if err := a.requireStaff(); err != nil {
		return AttendanceRequest{}, err
	}
	v := invalid{}
	if !slices.Contains(LeaveTypes, in.Type) {
		v.add("type", "应为 sick、personal、official 或 other")
	}
	from, err1 := time.Parse(time.DateOnly, in.From)
	to, err2 := time.Parse(time.DateOnly, in.To)
	switch {
	case err1 != nil:
		v.add("from", "格式应为 YYYY-MM-DD")
	case err2 != nil:
		v.add("to", "格式应为 YYYY-MM-DD")
	case to.Before(from):
		v.add("to", "结束日期不能早于开始日期")
	case int(to.Sub(from).Hours()/24)+1 > maxLeaveDays:
		v.add("to", fmt.Sprintf("一次请假不超过 %d 天", maxLeaveDays))
	}
	reason := checkReason(v, in.Reason)
	if err := v.err(); err != nil {
		return AttendanceRequest{}, err
	}
	row := model.AttendanceRequest{ID: model.NewID(), SchoolID: a.SchoolID, StaffID: a.StaffID, StaffName: a.Name,
		Category: RequestLeave, LeaveType: in.Type, FromDate: in.From, ToDate: in.To, Reason: reason,
		Status: RequestPending, CreatedAt: s.now().UTC()}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&model.AttendanceRequest{}).Scopes(a.scope()).
			Where("staff_id = ? AND category = ? AND status IN ? AND from_date <= ? AND to_date >= ?",
				a.StaffID, RequestLeave, []string{RequestPending, RequestApproved}, in.To, in.From).
			Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return conflict("conflict", "这段时间已有请假申请")
		}
		return s.createRequest(tx, a, &row)
	})
	return requestOut(row), err
}

func (s *Service) createRequest(tx *gorm.DB, a *Actor, row *model.AttendanceRequest) error {
	if err := tx.Create(row).Error; err != nil {
		return err
	}
	return s.audit(tx, a, a.SchoolID, ActionCreate, "attendance_request", row.ID, map[string]any{
		"request_type": row.Category, "type": row.LeaveType, "kind": row.PunchKind, "from": row.FromDate,
		"to": row.ToDate, "reason": row.Reason})
}

// CorrectionInput asks for a make-up punch (补卡) of one kind on one date.
type CorrectionInput struct {
	Date, Kind, Reason string
}

// RequestCorrection files a make-up punch request (any staff member): for a workday, not in the future and
// at most 31 days back (else 422 too_late), at most one per date and kind (409), and at most the school's
// monthly cap (attendance.max_corrections_per_month, counted per month of the corrected date, pending and
// approved ones) — over it, 422 too_many_corrections.
func (s *Service) RequestCorrection(ctx context.Context, a *Actor, in CorrectionInput) (AttendanceRequest, error) {
	if err := a.requireStaff(); err != nil {
		return AttendanceRequest{}, err
	}
	v := invalid{}
	if _, err := time.Parse(time.DateOnly, in.Date); err != nil {
		v.add("date", "格式应为 YYYY-MM-DD")
	}
	if in.Kind != PunchIn && in.Kind != PunchOut {
		v.add("kind", "应为 in 或 out")
	}
	reason := checkReason(v, in.Reason)
	if err := v.err(); err != nil {
		return AttendanceRequest{}, err
	}
	row := model.AttendanceRequest{ID: model.NewID(), SchoolID: a.SchoolID, StaffID: a.StaffID, StaffName: a.Name,
		Category: RequestCorrection, PunchKind: in.Kind, FromDate: in.Date, ToDate: in.Date, Reason: reason,
		Status: RequestPending, CreatedAt: s.now().UTC()}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		si, err := loadSchool(tx, a.SchoolID)
		if err != nil {
			return err
		}
		today := s.now().In(si.Loc)
		if in.Date > today.Format(time.DateOnly) || in.Date < today.AddDate(0, 0, -correctionLookback).Format(time.DateOnly) {
			return E(ErrRule, "too_late", fmt.Sprintf("只能为今天及之前 %d 天内的日期补卡", correctionLookback))
		}
		plan, err := dayPlan(tx, si, in.Date)
		if err != nil {
			return err
		}
		if !plan.Workday {
			return E(ErrRule, "not_a_workday", "该日不是工作日，无需补卡")
		}
		mine := tx.Model(&model.AttendanceRequest{}).Scopes(a.scope()).
			Where("staff_id = ? AND category = ? AND status IN ?", a.StaffID, RequestCorrection,
				[]string{RequestPending, RequestApproved})
		var same, inMonth int64
		if err := mine.Session(&gorm.Session{}).Where("from_date = ? AND punch_kind = ?", in.Date, in.Kind).
			Count(&same).Error; err != nil {
			return err
		}
		if same > 0 {
			return conflict("conflict", "该日已有同类补卡申请")
		}
		first, last, _ := monthRange(in.Date[:7])
		if err := mine.Session(&gorm.Session{}).Where("from_date >= ? AND from_date <= ?", first, last).
			Count(&inMonth).Error; err != nil {
			return err
		}
		if limit := si.Settings.Attendance.MaxCorrections(); int(inMonth) >= limit {
			return E(ErrRule, "too_many_corrections", fmt.Sprintf("每月最多补卡 %d 次，本月已用完", limit))
		}
		return s.createRequest(tx, a, &row)
	})
	return requestOut(row), err
}
