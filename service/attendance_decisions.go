package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// RequestQuery filters GET /attendance/requests.
type RequestQuery struct {
	Status string // pending | approved | rejected, or empty for all
	UserID string // leaders: one staff member's
	Page   PageQuery
}

// ListRequests lists leave and make-up requests, newest first: leaders see the school's, everyone else
// their own.
func (s *Service) ListRequests(ctx context.Context, a *Actor, q RequestQuery) (Page[AttendanceRequest], error) {
	if err := a.requireStaff(); err != nil {
		return Page[AttendanceRequest]{}, err
	}
	if q.Status != "" && !slices.Contains([]string{RequestPending, RequestApproved, RequestRejected}, q.Status) {
		return Page[AttendanceRequest]{}, invalid{"status": "应为 pending、approved 或 rejected"}.err()
	}
	db := s.read(ctx).Scopes(a.scope())
	switch {
	case !a.IsLeader():
		if q.UserID != "" && q.UserID != a.StaffID {
			return Page[AttendanceRequest]{}, forbidden()
		}
		db = db.Where("staff_id = ?", a.StaffID)
	case q.UserID != "":
		db = db.Where("staff_id = ?", q.UserID)
	}
	if q.Status != "" {
		db = db.Where("status = ?", q.Status)
	}
	var rows []model.AttendanceRequest
	if err := q.Page.apply(db, "id", true).Find(&rows).Error; err != nil {
		return Page[AttendanceRequest]{}, wrapDB(err)
	}
	rows, more := trim(rows, q.Page.limit())
	out := Page[AttendanceRequest]{Items: make([]AttendanceRequest, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, requestOut(r))
	}
	if more {
		out.NextCursor = encodeCursor(rows[len(rows)-1].ID)
	}
	return out, nil
}

// DecisionInput approves or rejects a request.
type DecisionInput struct {
	Approve bool
	Comment string
}

// DecideRequest approves or rejects a pending request (a leader other than the requester; another school's
// request is 404, one already decided 409). An approved leave makes its workdays on_leave; an approved
// correction becomes that day's punch with method "correction" at the window's time, on time — replacing a
// punch of the same kind the person may have made.
func (s *Service) DecideRequest(ctx context.Context, a *Actor, id string, in DecisionInput) (AttendanceRequest, error) {
	if err := a.require(RolePrincipal, RoleLeader); err != nil {
		return AttendanceRequest{}, err
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if len([]rune(in.Comment)) > 200 {
		return AttendanceRequest{}, invalid{"comment": "不超过 200 个字"}.err()
	}
	var row model.AttendanceRequest
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Scopes(a.scope()).Where("id = ?", id).Take(&row).Error; err != nil {
			if model.IsNotFound(err) {
				return notFound("申请")
			}
			return err
		}
		if row.StaffID == a.StaffID {
			return E(ErrForbidden, "forbidden", "不能审批自己的申请")
		}
		if row.Status != RequestPending {
			return conflict("conflict", "该申请已审批")
		}
		now := s.now().UTC()
		row.Status, row.DeciderID, row.DeciderName, row.Comment, row.DecidedAt = RequestRejected, a.StaffID, a.Name, in.Comment, &now
		if in.Approve {
			row.Status = RequestApproved
		}
		res := tx.Model(&model.AttendanceRequest{}).Scopes(a.scope()).Where("id = ? AND status = ?", id, RequestPending).
			Updates(map[string]any{"status": row.Status, "decider_id": a.StaffID, "decider_name": a.Name,
				"comment": in.Comment, "decided_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 { // decided by someone else meanwhile
			return conflict("conflict", "该申请已审批")
		}
		if in.Approve && row.Category == RequestCorrection {
			if err := s.applyCorrection(tx, row, now); err != nil {
				return err
			}
		}
		return s.audit(tx, a, a.SchoolID, ActionUpdate, "attendance_request", id,
			map[string]any{"status": row.Status, "comment": in.Comment})
	})
	return requestOut(row), err
}

// applyCorrection writes an approved make-up punch: at the day's window time, on time.
func (s *Service) applyCorrection(tx *gorm.DB, req model.AttendanceRequest, now time.Time) error {
	si, err := loadSchool(tx, req.SchoolID)
	if err != nil {
		return err
	}
	plan, err := dayPlan(tx, si, req.FromDate)
	if err != nil {
		return err
	}
	if !plan.Workday || plan.Window == nil {
		return E(ErrRule, "not_a_workday", "该日已不是工作日，无法补卡")
	}
	hhmm, status := plan.Window.In, StatusOnTime
	if req.PunchKind == PunchOut {
		hhmm, status = plan.Window.Out, StatusNormal
	}
	row := model.AttendancePunch{ID: model.NewID(), SchoolID: req.SchoolID, StaffID: req.StaffID, Date: req.FromDate,
		Kind: req.PunchKind, At: windowTime(req.FromDate, hhmm, si.Loc).UTC(), Method: MethodCorrection, Status: status,
		CreatedAt: now, UpdatedAt: now}
	_, err = upsertPunch(tx, &row, true)
	return err
}
