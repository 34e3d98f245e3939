package inspections

import (
	"context"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/notify"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

// Finding is a problem an inspector found at a school, with its thread (API.md "Inspection findings").
type Finding struct {
	ID         string       `json:"id"`
	Status     string       `json:"status"`
	School     service.Ref  `json:"school"`
	Module     string       `json:"module"`
	Title      string       `json:"title"`
	Detail     string       `json:"detail"`
	Due        string       `json:"due"`
	Overdue    bool         `json:"overdue"`
	Photos     []photos.Ref `json:"photos"`
	By         service.Ref  `json:"by"`
	Responses  []Response   `json:"responses"`
	CreatedAt  time.Time    `json:"created_at"`
	AnsweredAt *time.Time   `json:"answered_at"`
	ClosedAt   *time.Time   `json:"closed_at"`
}

// Response is one entry of a finding's thread: the school's rectification (kind response, with photos) or
// the inspector's verification (kind verify, accepted true when it closed the finding).
type Response struct {
	ID        string       `json:"id"`
	Kind      string       `json:"kind"`
	Content   string       `json:"content"`
	Accepted  *bool        `json:"accepted"`
	Photos    []photos.Ref `json:"photos"`
	By        service.Ref  `json:"by"`
	CreatedAt time.Time    `json:"created_at"`
}

// findingAudit is what the audit trail keeps of a finding (its state, not its thread).
type findingAudit struct {
	Module string `json:"module"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Due    string `json:"due"`
	Status string `json:"status"`
}

func auditOf(f model.Finding) findingAudit {
	return findingAudit{Module: f.Module, Title: f.Title, Detail: f.Detail, Due: f.Due, Status: f.Status}
}

// FindingInput is POST /inspections/findings.
type FindingInput struct {
	SchoolID string
	Module   string
	Title    string
	Detail   string
	Due      string
	PhotoIDs []string
}

// CreateFinding records a finding for a school of the inspector's subtree (inspectors only; another
// school is 404) and tells the school's principal and leaders (template finding_new).
func (s *Service) CreateFinding(ctx context.Context, a *service.Actor, in FindingInput) (Finding, error) {
	if !isInspector(a) {
		return Finding{}, service.ForbiddenBecause("只有督学可以记录问题")
	}
	v := service.Invalid{}
	if in.SchoolID == "" {
		v.Add("school_id", "必填")
	}
	v.ID("school_id", in.SchoolID)
	v.OneOf("module", in.Module, false, Modules...)
	title := v.Name("title", in.Title, 100)
	detail := v.Text("detail", in.Detail, 2000)
	if in.Due == "" {
		v.Add("due", "必填，格式 YYYY-MM-DD")
	} else {
		v.Date("due", in.Due)
	}
	ids := photos.CheckIDs(v, in.PhotoIDs)
	if err := v.Err(); err != nil {
		return Finding{}, err
	}
	si, err := SchoolFor(s.Read(ctx), a, in.SchoolID)
	if err != nil {
		return Finding{}, err
	}
	if from, to := si.Horizon(s.Now()); in.Due < from || in.Due > to {
		return Finding{}, service.Invalid{"due": "整改期限应在 " + from + " 至 " + to + " 之间"}.Err()
	}
	var f model.Finding
	err = s.Tx(ctx, func(tx *service.Tx) error {
		f = model.Finding{ID: model.NewID(), SchoolID: si.School.ID, RegionID: si.School.RegionID, Module: in.Module,
			Title: title, Detail: detail, Due: in.Due, Status: StatusOpen, ByID: a.StaffID, ByName: a.Name,
			CreatedAt: tx.Now, UpdatedAt: tx.Now}
		if err := tx.Create(&f).Error; err != nil {
			return err
		}
		if err := photos.Attach(tx, photos.ForSchool(a, si.School.ID), ids, evidence.Finding, f.ID); err != nil {
			return err
		}
		if err := evidence.Created(tx, a, si.School.ID, evidence.Finding, f.ID, auditOf(f)); err != nil {
			return err
		}
		return s.tellSchool(tx, si, f)
	})
	if err != nil {
		return Finding{}, err
	}
	return s.view(ctx, si, f)
}

// tellSchool queues finding_new for the school's reachable principal and leaders.
func (s *Service) tellSchool(tx *service.Tx, si *school.Info, f model.Finding) error {
	rs, err := school.Reachable(tx.DB, []string{si.School.ID}, nil, service.RolePrincipal, service.RoleLeader)
	if err != nil {
		return err
	}
	var ms []notify.Message
	for _, r := range rs {
		ms = append(ms, notify.Message{SchoolID: si.School.ID, AccountID: r.AccountID, Template: notify.TemplateFindingNew,
			Page: "pages/inspections/finding?id=" + f.ID, Key: "finding_new:" + f.ID + ":" + r.StaffID,
			Data: map[string]string{"title": f.Title, "module": moduleNames[f.Module], "due": f.Due,
				"tip": "请按期整改并在小程序中回复整改情况"}})
	}
	if len(ms) == 0 {
		return nil
	}
	_, err = s.notify.EnqueueAll(tx, ms)
	return err
}

// FindingQuery filters GET /inspections/findings.
type FindingQuery struct {
	SchoolID string
	Status   string
	Overdue  bool
	Page     service.PageQuery
}

// ListFindings lists findings, newest first: an inspector's of their subtree (or of the school named in
// it; another is 404), a principal's or leader's of their school; everyone else is 403. Overdue keeps
// those not closed whose due date has passed.
func (s *Service) ListFindings(ctx context.Context, a *service.Actor, q FindingQuery) (service.Page[Finding], error) {
	v := service.Invalid{}
	v.OneOf("status", q.Status, true, StatusOpen, StatusAnswered, StatusClosed)
	v.ID("school_id", q.SchoolID)
	if err := v.Err(); err != nil {
		return service.Page[Finding]{}, err
	}
	db := s.Read(ctx)
	var ids []string
	schools := map[string]*school.Info{}
	if q.SchoolID != "" || !isInspector(a) {
		si, err := SchoolFor(db, a, q.SchoolID)
		if err != nil {
			return service.Page[Finding]{}, err
		}
		ids, schools[si.School.ID] = []string{si.School.ID}, si
	} else {
		sc, err := ReadScope(db, a, "")
		if err != nil {
			return service.Page[Finding]{}, err
		}
		ids, schools = sc.IDs(), sc.Schools
	}
	if len(ids) == 0 {
		return service.Page[Finding]{Items: []Finding{}}, nil
	}
	list := db.Where("school_id IN ?", ids)
	if q.Status != "" {
		list = list.Where("status = ?", q.Status)
	}
	if q.Overdue {
		// The region's schools share a time zone in practice; the first school's today decides the list.
		list = list.Where("status <> ? AND due < ?", StatusClosed, schools[ids[0]].Today(s.Now()))
	}
	return service.List(list, q.Page, "id", true, func(f *model.Finding) string { return f.ID },
		func(rows []model.Finding) ([]Finding, error) { return s.views(ctx, db, schools, rows) })
}

// GetFinding shows one finding to an inspector of its school's subtree or to the school's principal and
// leaders; another school's or region's is 404, anyone else 403.
func (s *Service) GetFinding(ctx context.Context, a *service.Actor, id string) (Finding, error) {
	db := s.Read(ctx)
	f, si, err := s.load(db, a, id)
	if err != nil {
		return Finding{}, err
	}
	return s.view(ctx, si, f)
}

// load reads a finding the actor may read, with its school.
func (s *Service) load(db *gorm.DB, a *service.Actor, id string) (model.Finding, *school.Info, error) {
	switch {
	case isInspector(a):
		var f model.Finding
		err := model.CrossSchool(db).Where("id = ?", id).Take(&f).Error
		if model.IsNotFound(err) {
			return f, nil, service.NotFound("问题")
		}
		if err != nil {
			return f, nil, service.WrapDB(err)
		}
		si, err := SchoolFor(db, a, f.SchoolID)
		if err != nil {
			return f, nil, service.NotFound("问题")
		}
		return f, si, nil
	case a.IsStaff() && a.IsLeader():
		f, err := findingIn(db, []string{a.SchoolID}, id)
		if err != nil {
			return f, nil, err
		}
		si, err := school.Load(db, a.SchoolID)
		return f, si, err
	}
	return model.Finding{}, nil, service.Forbidden()
}

// ResponseInput is POST /inspections/findings/{id}/responses.
type ResponseInput struct {
	Content  string
	PhotoIDs []string
}

// Respond records the school's rectification (its principal or a leader; anyone else 403, another
// school's finding 404): the finding becomes answered and its inspector is told (finding_answered). A
// closed finding takes no more responses (409 conflict).
func (s *Service) Respond(ctx context.Context, a *service.Actor, id string, in ResponseInput) (Response, error) {
	if err := a.RequireLeader(); err != nil {
		return Response{}, service.ForbiddenBecause("只有本校校长或领导可以回复整改情况")
	}
	v := service.Invalid{}
	content := v.Content("content", in.Content, 1, 2000)
	ids := photos.CheckIDs(v, in.PhotoIDs)
	if err := v.Err(); err != nil {
		return Response{}, err
	}
	si, err := school.Load(s.Read(ctx), a.SchoolID)
	if err != nil {
		return Response{}, err
	}
	var r model.FindingResponse
	err = s.Tx(ctx, func(tx *service.Tx) error {
		f, err := findingIn(tx.DB, []string{a.SchoolID}, id)
		if err != nil {
			return err
		}
		if f.Status == StatusClosed {
			return service.Conflict("conflict", "该问题已销号，不能再回复")
		}
		r = model.FindingResponse{ID: model.NewID(), SchoolID: a.SchoolID, FindingID: f.ID, Kind: KindResponse,
			AuthorID: a.StaffID, AuthorName: a.Name, Content: content, CreatedAt: tx.Now}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		if err := photos.Attach(tx, a, ids, evidence.FindingResponse, r.ID); err != nil {
			return err
		}
		before := auditOf(f)
		if err := tx.Model(&model.Finding{}).Scopes(model.InSchool(a.SchoolID)).Where("id = ? AND status <> ?", f.ID, StatusClosed).
			Updates(map[string]any{"status": StatusAnswered, "answered_at": tx.Now, "updated_at": tx.Now}).Error; err != nil {
			return err
		}
		f.Status = StatusAnswered
		if err := evidence.Created(tx, a, a.SchoolID, evidence.FindingResponse, r.ID,
			map[string]any{"finding_id": f.ID, "content": content, "photo_ids": ids}); err != nil {
			return err
		}
		if _, err := evidence.Updated(tx, a, a.SchoolID, evidence.Finding, f.ID, before, auditOf(f)); err != nil {
			return err
		}
		return s.tellInspector(tx, si, f, r)
	})
	if err != nil {
		return Response{}, err
	}
	pics, err := s.photos.Of(ctx, a.SchoolID, evidence.FindingResponse, r.ID)
	if err != nil {
		return Response{}, err
	}
	return responseView(r, photos.For(pics, r.ID), si.Loc), nil
}

// tellInspector queues finding_answered for the inspector who recorded the finding, if still reachable.
func (s *Service) tellInspector(tx *service.Tx, si *school.Info, f model.Finding, r model.FindingResponse) error {
	var st model.Staff
	err := tx.Scopes(model.InSchool("")).Where("id = ? AND active = ? AND account_id IS NOT NULL", f.ByID, true).Take(&st).Error
	if model.IsNotFound(err) {
		return nil // the inspector left: the finding shows answered to whoever inspects next
	}
	if err != nil {
		return err
	}
	_, err = s.notify.Enqueue(tx, notify.Message{SchoolID: si.School.ID, AccountID: *st.AccountID,
		Template: notify.TemplateFindingAnswered, Page: "pages/inspections/finding?id=" + f.ID,
		Key: "finding_answered:" + r.ID, Data: map[string]string{"school": si.School.Name, "title": f.Title,
			"answered_at": r.CreatedAt.In(si.Loc).Format(notify.DateTimeLayout), "tip": "请核查整改情况并销号或退回"}})
	return err
}

// VerifyInput is POST /inspections/findings/{id}/verify.
type VerifyInput struct {
	Accept  *bool
	Comment string
}

// Verify is the inspector's check of the rectification (an inspector of the school's subtree; anyone else
// 403, another region's finding 404): accepted closes the finding (销号), refused sends it back open. A
// closed finding is not verified again (409 conflict).
func (s *Service) Verify(ctx context.Context, a *service.Actor, id string, in VerifyInput) (Finding, error) {
	if !isInspector(a) {
		return Finding{}, service.ForbiddenBecause("只有督学可以核查销号")
	}
	v := service.Invalid{}
	if in.Accept == nil {
		v.Add("accept", "必填，true 或 false")
	}
	comment := v.Text("comment", in.Comment, 1000)
	if err := v.Err(); err != nil {
		return Finding{}, err
	}
	f, si, err := s.load(s.Read(ctx), a, id)
	if err != nil {
		return Finding{}, err
	}
	err = s.Tx(ctx, func(tx *service.Tx) error {
		if err := tx.Scopes(model.InSchool(si.School.ID)).Where("id = ?", f.ID).Take(&f).Error; err != nil {
			return err
		}
		if f.Status == StatusClosed {
			return service.Conflict("conflict", "该问题已销号")
		}
		// Nobody verifies their own rectification: an inspector who answered the finding in the school
		// (as its principal or a leader, under the same WeChat account) leaves the verdict to another.
		var answerers []string
		if err := tx.Model(&model.FindingResponse{}).Scopes(model.InSchool(si.School.ID)).
			Where("finding_id = ? AND kind = ?", f.ID, KindResponse).Pluck("author_id", &answerers).Error; err != nil {
			return err
		}
		mine, err := school.SamePerson(tx.DB, si.School.ID, answerers, a.AccountID)
		if err != nil {
			return err
		}
		if mine {
			return service.ForbiddenBecause("不能核查自己提交的整改，请由其他督学核查")
		}
		before := auditOf(f)
		updates := map[string]any{"status": StatusOpen, "updated_at": tx.Now, "closed_at": nil}
		if *in.Accept {
			updates["status"], updates["closed_at"] = StatusClosed, tx.Now
		}
		if err := tx.Model(&model.Finding{}).Scopes(model.InSchool(si.School.ID)).Where("id = ?", f.ID).
			Updates(updates).Error; err != nil {
			return err
		}
		f.Status = updates["status"].(string)
		if *in.Accept {
			f.ClosedAt = &tx.Now
		}
		accepted := *in.Accept
		r := model.FindingResponse{ID: model.NewID(), SchoolID: si.School.ID, FindingID: f.ID, Kind: KindVerify,
			AuthorID: a.StaffID, AuthorName: a.Name, Content: comment, Accepted: &accepted, CreatedAt: tx.Now}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		after := auditOf(f)
		changes := evidence.Diff(before, after)
		changes["comment"] = evidence.Change{From: nil, To: comment}
		return evidence.Record(tx, a, si.School.ID, evidence.ActionUpdate, evidence.Finding, f.ID, changes)
	})
	if err != nil {
		return Finding{}, err
	}
	return s.view(ctx, si, f)
}

// view is one finding with its thread and photos.
func (s *Service) view(ctx context.Context, si *school.Info, f model.Finding) (Finding, error) {
	out, err := s.views(ctx, s.Read(ctx), map[string]*school.Info{si.School.ID: si}, []model.Finding{f})
	if err != nil {
		return Finding{}, err
	}
	return out[0], nil
}

// views turns findings (of the schools given) into their API form: threads in one read, photos per school.
func (s *Service) views(ctx context.Context, db *gorm.DB, schools map[string]*school.Info, rows []model.Finding) ([]Finding, error) {
	out := make([]Finding, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	bySchool := map[string][]string{}
	var schoolIDs, ids []string
	for _, f := range rows {
		if bySchool[f.SchoolID] == nil {
			schoolIDs = append(schoolIDs, f.SchoolID)
		}
		bySchool[f.SchoolID] = append(bySchool[f.SchoolID], f.ID)
		ids = append(ids, f.ID)
	}
	th, err := threads(db, schoolIDs, ids)
	if err != nil {
		return nil, err
	}
	findingPics, responsePics := map[string][]photos.Ref{}, map[string][]photos.Ref{}
	for sid, fids := range bySchool {
		var rids []string
		for _, fid := range fids {
			for _, r := range th[fid] {
				rids = append(rids, r.ID)
			}
		}
		fp, err := s.photos.Of(ctx, sid, evidence.Finding, fids...)
		if err != nil {
			return nil, err
		}
		rp, err := s.photos.Of(ctx, sid, evidence.FindingResponse, rids...)
		if err != nil {
			return nil, err
		}
		for k, v := range fp {
			findingPics[k] = v
		}
		for k, v := range rp {
			responsePics[k] = v
		}
	}
	now := s.Now()
	for _, f := range rows {
		si := schools[f.SchoolID]
		v := Finding{ID: f.ID, Status: f.Status, School: si.Ref(), Module: f.Module, Title: f.Title, Detail: f.Detail,
			Due: f.Due, Overdue: overdue(f, si.Today(now)), Photos: photos.For(findingPics, f.ID),
			By: service.Ref{ID: f.ByID, Name: f.ByName}, Responses: []Response{},
			CreatedAt: service.Local(f.CreatedAt, si.Loc), AnsweredAt: local(f.AnsweredAt, si.Loc),
			ClosedAt: local(f.ClosedAt, si.Loc)}
		for _, r := range th[f.ID] {
			v.Responses = append(v.Responses, responseView(r, photos.For(responsePics, r.ID), si.Loc))
		}
		out = append(out, v)
	}
	return out, nil
}

func responseView(r model.FindingResponse, pics []photos.Ref, loc *time.Location) Response {
	return Response{ID: r.ID, Kind: r.Kind, Content: r.Content, Accepted: r.Accepted, Photos: pics,
		By: service.Ref{ID: r.AuthorID, Name: r.AuthorName}, CreatedAt: service.Local(r.CreatedAt, loc)}
}
