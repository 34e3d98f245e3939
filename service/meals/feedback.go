package meals

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

// Feedback statuses: open (waiting for the school), replied (the school answered), closed (by the parent).
const (
	FeedbackOpen    = "open"
	FeedbackReplied = "replied"
	FeedbackClosed  = "closed"
)

// FeedbackCategories are the categories a parent picks, with the Chinese names reports and messages use.
var FeedbackCategories = map[string]string{"taste": "口味", "hygiene": "卫生", "quantity": "分量", "price": "价格",
	"safety": "食品安全", "service": "服务", "other": "其他"}

// FeedbackCategoryKeys are the categories in the contract's order.
var FeedbackCategoryKeys = []string{"taste", "hygiene", "quantity", "price", "safety", "service", "other"}

// Feedback is a parent's feedback with its thread. Flagged and Moderation are shown to leaders only:
// flagged means WeChat's check asked for a human look ("review"), moderation "pending" that WeChat could not
// be asked yet.
type Feedback struct {
	ID         string          `json:"id"`
	Status     string          `json:"status"`
	Category   string          `json:"category"`
	Content    string          `json:"content"`
	From       FeedbackAuthor  `json:"from"`
	MealID     *string         `json:"meal_id"`
	Date       string          `json:"date,omitempty"`
	Meal       string          `json:"meal,omitempty"`
	Photos     []photos.Ref    `json:"photos"`
	Replies    []FeedbackReply `json:"replies"`
	Satisfied  *bool           `json:"satisfied"`
	Flagged    *bool           `json:"flagged,omitempty"`
	Moderation string          `json:"moderation,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
	ClosedAt   *time.Time      `json:"closed_at"`
}

// FeedbackAuthor names who wrote: a parent by class label, a leader by name.
type FeedbackAuthor struct {
	Label string `json:"label"`
	Role  string `json:"role,omitempty"`
}

// FeedbackReply is one message of the thread.
type FeedbackReply struct {
	ID        string         `json:"id"`
	Content   string         `json:"content"`
	From      FeedbackAuthor `json:"from"`
	Flagged   *bool          `json:"flagged,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
}

// FeedbackInput is POST /feedback. ClassID picks the child's class for a parent of several (default first).
type FeedbackInput struct {
	Category string
	Content  string
	MealID   string
	Date     string
	Meal     string
	PhotoIDs []string
	ClassID  string
}

// feedbackVisible scopes feedback to the actor: leaders see the school's, parents their own; others 403.
func feedbackVisible(a *service.Actor) (scope func(*gorm.DB) *gorm.DB, leader bool, err error) {
	switch {
	case a == nil || a.SchoolID == "":
		return nil, false, service.Forbidden()
	case a.IsStaff() && a.IsLeader():
		return a.Scope(), true, nil
	case a.IsParent():
		return func(db *gorm.DB) *gorm.DB { return db.Scopes(a.Scope()).Where("account_id = ?", a.AccountID) }, false, nil
	}
	return nil, false, service.Forbidden()
}

// CreateFeedback files a parent's feedback; its optional date is a meal that has happened (today or
// before, within the school's horizon). The text goes through WeChat's msgSecCheck first: risky is 422
// content_rejected and nothing is stored; review is stored and flagged for the school; when WeChat cannot
// answer the feedback is stored as pending and Maintain checks it later.
func (s *Service) CreateFeedback(ctx context.Context, a *service.Actor, in FeedbackInput) (Feedback, error) {
	if !a.IsParent() {
		return Feedback{}, service.ForbiddenBecause("只有家长可以提交反馈")
	}
	v := service.Invalid{}
	v.OneOf("category", in.Category, false, FeedbackCategoryKeys...)
	in.Content = v.Content("content", in.Content, 1, 500)
	v.OptDate("date", in.Date)
	v.OneOf("meal", in.Meal, true, school.MealKinds...)
	v.ID("meal_id", in.MealID)
	in.PhotoIDs = photos.CheckIDs(v, in.PhotoIDs)
	classID := a.ParentClassIDs[0]
	if in.ClassID != "" {
		if !slices.Contains(a.ParentClassIDs, in.ClassID) {
			v.Add("class_id", "不是您孩子所在的班级")
		}
		classID = in.ClassID
	}
	if err := v.Err(); err != nil {
		return Feedback{}, err
	}
	outcome, err := s.check.Check(ctx, a, in.Content)
	if err != nil {
		return Feedback{}, err
	}
	row := model.Feedback{ID: model.NewID(), SchoolID: a.SchoolID, AccountID: a.AccountID, ClassID: classID,
		Category: in.Category, Content: in.Content, Date: in.Date, Meal: in.Meal, Status: FeedbackOpen,
		Moderation: outcome}
	err = s.Tx(ctx, func(tx *service.Tx) error {
		si, err := school.Load(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		row.CreatedAt, row.UpdatedAt, row.CreatedDate = tx.Now, tx.Now, si.Today(tx.Now)
		// The meal it is about has happened: not after today, not before the school's horizon.
		if lo, _ := si.Horizon(tx.Now); in.Date != "" && !v.Between("date", in.Date, lo, si.Today(tx.Now)) {
			return v.Err()
		}
		c, err := school.FindClass(tx.DB, a.SchoolID, classID)
		if err != nil {
			return err
		}
		row.Label = school.ParentLabel(c)
		if in.MealID != "" {
			var m model.Meal
			if err := tx.Scopes(a.Scope()).Where("id = ?", in.MealID).Take(&m).Error; err != nil {
				if model.IsNotFound(err) {
					return service.NotFound("陪餐记录")
				}
				return err
			}
			row.MealID = &m.ID
			if row.Date == "" && row.Meal == "" {
				row.Date, row.Meal = m.Date, m.Meal
			}
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := photos.Attach(tx, a, in.PhotoIDs, evidence.Feedback, row.ID); err != nil {
			return err
		}
		return evidence.Created(tx, a.AsParent(classID), a.SchoolID, evidence.Feedback, row.ID, map[string]any{
			"category": in.Category, "content": in.Content, "meal_id": row.MealID, "date": row.Date, "meal": row.Meal,
			"photo_ids": in.PhotoIDs, "moderation": outcome, "status": FeedbackOpen})
	})
	if err != nil {
		return Feedback{}, err
	}
	return s.feedbackOut(ctx, a, row)
}

// FeedbackQuery filters GET /feedback.
type FeedbackQuery struct {
	Status string
	Page   service.PageQuery
}

// ListFeedback lists feedback newest first: a parent's own, or the whole school's for leaders.
func (s *Service) ListFeedback(ctx context.Context, a *service.Actor, q FeedbackQuery) (service.Page[Feedback], error) {
	scope, leader, err := feedbackVisible(a)
	if err != nil {
		return service.Page[Feedback]{}, err
	}
	db := s.Read(ctx).Scopes(scope)
	v := service.Invalid{}
	if !v.OneOf("status", q.Status, true, FeedbackOpen, FeedbackReplied, FeedbackClosed) {
		return service.Page[Feedback]{}, v.Err()
	}
	if q.Status != "" {
		db = db.Where("status = ?", q.Status)
	}
	return service.List(db, q.Page, "id", true, func(r *model.Feedback) string { return r.ID },
		func(rows []model.Feedback) ([]Feedback, error) { return s.feedbackViews(ctx, a.SchoolID, leader, rows) })
}

// findFeedback reads feedback the actor may see; another school's or another parent's is 404.
func findFeedback(db *gorm.DB, a *service.Actor, id string) (model.Feedback, bool, error) {
	scope, leader, err := feedbackVisible(a)
	if err != nil {
		return model.Feedback{}, false, err
	}
	var fb model.Feedback
	err = db.Scopes(scope).Where("id = ?", id).Take(&fb).Error
	if model.IsNotFound(err) {
		return fb, leader, service.NotFound("反馈")
	}
	return fb, leader, service.WrapDB(err)
}

// GetFeedback reads one feedback with its thread.
func (s *Service) GetFeedback(ctx context.Context, a *service.Actor, id string) (Feedback, error) {
	fb, _, err := findFeedback(s.Read(ctx), a, id)
	if err != nil {
		return Feedback{}, err
	}
	return s.feedbackOut(ctx, a, fb)
}

func (s *Service) feedbackOut(ctx context.Context, a *service.Actor, fb model.Feedback) (Feedback, error) {
	_, leader, err := feedbackVisible(a)
	if err != nil {
		return Feedback{}, err
	}
	items, err := s.feedbackViews(ctx, fb.SchoolID, leader, []model.Feedback{fb})
	if err != nil {
		return Feedback{}, err
	}
	return items[0], nil
}
