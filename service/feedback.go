package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// Feedback statuses: open (waiting for the school), replied (the school answered), closed (by the parent).
const (
	FeedbackOpen    = "open"
	FeedbackReplied = "replied"
	FeedbackClosed  = "closed"
)

// entityFeedback names feedback in photos and the audit trail.
const entityFeedback = "feedback"

// FeedbackCategories are the categories a parent picks, with the Chinese names reports and messages use.
var FeedbackCategories = map[string]string{"taste": "口味", "hygiene": "卫生", "quantity": "分量", "price": "价格",
	"safety": "食品安全", "service": "服务", "other": "其他"}

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
	Photos     []PhotoRef      `json:"photos"`
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
func feedbackVisible(a *Actor) (scope func(*gorm.DB) *gorm.DB, leader bool, err error) {
	switch {
	case a == nil || a.SchoolID == "":
		return nil, false, forbidden()
	case a.IsStaff() && a.IsLeader():
		return a.scope(), true, nil
	case a.Has(RoleParent):
		return func(db *gorm.DB) *gorm.DB { return db.Scopes(a.scope()).Where("account_id = ?", a.AccountID) }, false, nil
	}
	return nil, false, forbidden()
}

// checkContent trims text and checks it is 1–500 characters.
func checkContent(v invalid, s string) string {
	s = strings.TrimSpace(s)
	if n := len([]rune(s)); n == 0 || n > 500 {
		v.add("content", "内容为 1–500 个字")
	}
	return s
}

// CreateFeedback files a parent's feedback. The text goes through WeChat's msgSecCheck first: risky is 422
// content_rejected and nothing is stored; review is stored and flagged for the school; when WeChat cannot
// answer the feedback is stored as pending and Maintain checks it later.
func (s *Service) CreateFeedback(ctx context.Context, a *Actor, in FeedbackInput) (Feedback, error) {
	if a == nil || a.SchoolID == "" || !a.Has(RoleParent) {
		return Feedback{}, E(ErrForbidden, "forbidden", "只有家长可以提交反馈")
	}
	v := invalid{}
	if _, ok := FeedbackCategories[in.Category]; !ok {
		v.add("category", "应为 taste、hygiene、quantity、price、safety、service 或 other")
	}
	in.Content = checkContent(v, in.Content)
	if _, err := time.Parse(time.DateOnly, in.Date); in.Date != "" && err != nil {
		v.add("date", "格式应为 YYYY-MM-DD")
	}
	if in.Meal != "" && !slices.Contains(MealKinds, in.Meal) {
		v.add("meal", "应为 breakfast、lunch 或 dinner")
	}
	if len(in.MealID) > 36 {
		v.add("meal_id", "陪餐记录编号无效")
	}
	in.PhotoIDs = checkPhotoIDs(v, in.PhotoIDs)
	classID := a.ParentClassIDs[0]
	if in.ClassID != "" {
		if !slices.Contains(a.ParentClassIDs, in.ClassID) {
			v.add("class_id", "不是您孩子所在的班级")
		}
		classID = in.ClassID
	}
	if err := v.err(); err != nil {
		return Feedback{}, err
	}
	moderation, err := s.moderate(ctx, a, in.Content)
	if err != nil {
		return Feedback{}, err
	}
	now := s.now().UTC()
	row := model.Feedback{ID: model.NewID(), SchoolID: a.SchoolID, AccountID: a.AccountID, ClassID: classID,
		Category: in.Category, Content: in.Content, Date: in.Date, Meal: in.Meal, Status: FeedbackOpen,
		Moderation: moderation, CreatedAt: now, UpdatedAt: now}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		si, err := loadSchool(tx, a.SchoolID)
		if err != nil {
			return err
		}
		row.CreatedDate = si.Today(now)
		c, err := findClass(tx, a.SchoolID, classID)
		if err != nil {
			return err
		}
		row.Label = ClassLabel(c) + "家长"
		if in.MealID != "" {
			var m model.Meal
			if err := tx.Scopes(a.scope()).Where("id = ?", in.MealID).Take(&m).Error; err != nil {
				if model.IsNotFound(err) {
					return notFound("陪餐记录")
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
		if err := s.attachPhotos(tx, a, in.PhotoIDs, entityFeedback, row.ID); err != nil {
			return err
		}
		return s.audit(tx, a, a.SchoolID, ActionCreate, entityFeedback, row.ID, map[string]any{
			"category": in.Category, "content": in.Content, "meal_id": row.MealID, "date": row.Date, "meal": row.Meal,
			"photo_ids": in.PhotoIDs, "moderation": moderation})
	})
	if err != nil {
		return Feedback{}, err
	}
	return s.feedbackOut(ctx, a, row)
}

// FeedbackQuery filters GET /feedback.
type FeedbackQuery struct {
	Status string
	Page   PageQuery
}

// ListFeedback lists feedback newest first: a parent's own, or the whole school's for leaders.
func (s *Service) ListFeedback(ctx context.Context, a *Actor, q FeedbackQuery) (Page[Feedback], error) {
	scope, leader, err := feedbackVisible(a)
	if err != nil {
		return Page[Feedback]{}, err
	}
	db := s.read(ctx).Scopes(scope)
	switch q.Status {
	case "":
	case FeedbackOpen, FeedbackReplied, FeedbackClosed:
		db = db.Where("status = ?", q.Status)
	default:
		return Page[Feedback]{}, invalid{"status": "应为 open、replied 或 closed"}.err()
	}
	var rows []model.Feedback
	if err := q.Page.apply(db, "id", true).Find(&rows).Error; err != nil {
		return Page[Feedback]{}, wrapDB(err)
	}
	rows, more := trim(rows, q.Page.limit())
	items, err := s.feedbackViews(ctx, a.SchoolID, leader, rows)
	if err != nil {
		return Page[Feedback]{}, err
	}
	out := Page[Feedback]{Items: items}
	if more {
		out.NextCursor = encodeCursor(rows[len(rows)-1].ID)
	}
	return out, nil
}

// findFeedback reads feedback the actor may see; another school's or another parent's is 404.
func findFeedback(db *gorm.DB, a *Actor, id string) (model.Feedback, bool, error) {
	scope, leader, err := feedbackVisible(a)
	if err != nil {
		return model.Feedback{}, false, err
	}
	var fb model.Feedback
	err = db.Scopes(scope).Where("id = ?", id).Take(&fb).Error
	if model.IsNotFound(err) {
		return fb, leader, notFound("反馈")
	}
	return fb, leader, wrapDB(err)
}

// GetFeedback reads one feedback with its thread.
func (s *Service) GetFeedback(ctx context.Context, a *Actor, id string) (Feedback, error) {
	fb, _, err := findFeedback(s.read(ctx), a, id)
	if err != nil {
		return Feedback{}, err
	}
	return s.feedbackOut(ctx, a, fb)
}

func (s *Service) feedbackOut(ctx context.Context, a *Actor, fb model.Feedback) (Feedback, error) {
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
