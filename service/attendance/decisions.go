package attendance

import (
	"context"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/school"
)

// RequestQuery filters GET /attendance/requests.
type RequestQuery struct {
	Status string // pending | approved | rejected, or empty for all
	UserID string // leaders: one staff member's
	Page   service.PageQuery
}

// ListRequests lists leave and make-up requests, newest first: leaders see the school's, everyone else
// their own.
func (s *Service) ListRequests(ctx context.Context, a *service.Actor, q RequestQuery) (service.Page[AttendanceRequest], error) {
	if err := a.RequireStaff(); err != nil {
		return service.Page[AttendanceRequest]{}, err
	}
	v := service.Invalid{}
	v.OneOf("status", q.Status, true, RequestPending, RequestApproved, RequestRejected)
	v.ID("user_id", q.UserID)
	if err := v.Err(); err != nil {
		return service.Page[AttendanceRequest]{}, err
	}
	db := s.Read(ctx).Scopes(a.Scope())
	switch {
	case !a.IsLeader():
		if q.UserID != "" && q.UserID != a.StaffID {
			return service.Page[AttendanceRequest]{}, service.Forbidden()
		}
		db = db.Where("staff_id = ?", a.StaffID)
	case q.UserID != "":
		db = db.Where("staff_id = ?", q.UserID)
	}
	if q.Status != "" {
		db = db.Where("status = ?", q.Status)
	}
	si, err := school.Load(s.Read(ctx), a.SchoolID)
	if err != nil {
		return service.Page[AttendanceRequest]{}, err
	}
	return service.List(db, q.Page, "id", true, func(r *model.AttendanceRequest) string { return r.ID },
		service.Each(func(r model.AttendanceRequest) AttendanceRequest { return requestOut(r, si.Loc) }))
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
func (s *Service) DecideRequest(ctx context.Context, a *service.Actor, id string, in DecisionInput) (AttendanceRequest, error) {
	if err := a.Require(service.RolePrincipal, service.RoleLeader); err != nil {
		return AttendanceRequest{}, err
	}
	v := service.Invalid{}
	in.Comment = v.Text("comment", in.Comment, 200)
	if err := v.Err(); err != nil {
		return AttendanceRequest{}, err
	}
	var row model.AttendanceRequest
	loc := service.Beijing()
	err := s.Tx(ctx, func(tx *service.Tx) error {
		si, err := school.Load(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		loc = si.Loc
		if err := tx.Scopes(a.Scope()).Where("id = ?", id).Take(&row).Error; err != nil {
			if model.IsNotFound(err) {
				return service.NotFound("申请")
			}
			return err
		}
		// Nobody decides their own request, under any of their identities.
		mine, err := school.SamePerson(tx.DB, a.SchoolID, []string{row.StaffID}, a.AccountID)
		if err != nil {
			return err
		}
		if row.StaffID == a.StaffID || mine {
			return service.ForbiddenBecause("不能审批自己的申请")
		}
		if row.Status != RequestPending {
			return service.Conflict("conflict", "该申请已审批")
		}
		before, now := requestOut(row, loc), tx.Now
		row.Status, row.DeciderID, row.DeciderName, row.Comment, row.DecidedAt = RequestRejected, a.StaffID, a.Name, in.Comment, &now
		if in.Approve {
			row.Status = RequestApproved
		}
		res := tx.Model(&model.AttendanceRequest{}).Scopes(a.Scope()).Where("id = ? AND status = ?", id, RequestPending).
			Updates(map[string]any{"status": row.Status, "decider_id": a.StaffID, "decider_name": a.Name,
				"comment": in.Comment, "decided_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 { // decided by someone else meanwhile
			return service.Conflict("conflict", "该申请已审批")
		}
		if in.Approve && row.Category == RequestCorrection {
			if err := applyCorrection(tx, si, row); err != nil {
				return err
			}
		}
		_, err = evidence.Updated(tx, a, a.SchoolID, evidence.AttendanceRequest, id, before, requestOut(row, loc))
		return err
	})
	return requestOut(row, loc), err
}

// applyCorrection writes an approved make-up punch: at the day's window time, on time.
func applyCorrection(tx *service.Tx, si *school.Info, req model.AttendanceRequest) error {
	plan, err := school.Plan(tx.DB, si, req.FromDate)
	if err != nil {
		return err
	}
	if !plan.Workday || plan.Window == nil {
		return service.Rule("not_a_workday", "该日已不是工作日，无法补卡")
	}
	hhmm, status := plan.Window.In, StatusOnTime
	if req.PunchKind == PunchOut {
		hhmm, status = plan.Window.Out, StatusNormal
	}
	row := model.AttendancePunch{ID: model.NewID(), SchoolID: req.SchoolID, StaffID: req.StaffID, Date: req.FromDate,
		Kind: req.PunchKind, At: service.At(req.FromDate, hhmm, si.Loc).UTC(), Method: MethodCorrection, Status: status,
		CreatedAt: tx.Now, UpdatedAt: tx.Now}
	_, err = upsertPunch(tx.DB, &row, true)
	return err
}
