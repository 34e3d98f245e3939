package notify

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
)

// Subscribe-message templates (our names; the configuration maps them to WeChat template ids).
const (
	TemplateFeedbackReply   = "feedback_reply"
	TemplateMealReminder    = "meal_reminder"
	TemplatePhoneReminder   = "phone_reminder"
	TemplateSignoutReminder = "signout_reminder"
	TemplateFeedbackOverdue = "feedback_overdue"
	TemplateObservationAck  = "observation_ack"
	TemplateFindingNew      = "finding_new"
	TemplateFindingAnswered = "finding_answered"
)

// Templates are the templates a user may grant one-time consents for.
var Templates = []string{TemplateFeedbackReply, TemplateMealReminder, TemplatePhoneReminder,
	TemplateSignoutReminder, TemplateFeedbackOverdue, TemplateObservationAck, TemplateFindingNew,
	TemplateFindingAnswered}

const (
	// maxConsentsPerCall bounds one POST /subscriptions (wx.requestSubscribeMessage grants one per template).
	maxConsentsPerCall = 10
	// maxConsents bounds what an account may hold per template: WeChat keeps its own count, and a client that
	// reports consents in a loop must not make the server believe in thousands.
	maxConsents = 50
)

// Subscription is what is left of a user's consents for one template. RefusedAt is when WeChat last said
// the user would not receive it (43101); a new consent clears it.
type Subscription struct {
	Template  string     `json:"template"`
	Remaining int        `json:"remaining"`
	RefusedAt *time.Time `json:"refused_at"`
}

// AddSubscription records count (1–10) one-time consents the user just granted with
// wx.requestSubscribeMessage; the account holds at most 50 per template. Any bound user may; consents belong
// to the WeChat account, not to a school.
func (s *Service) AddSubscription(ctx context.Context, a *service.Actor, template string, count int) (Subscription, error) {
	if a == nil || !a.Bound() {
		return Subscription{}, service.Forbidden()
	}
	v := service.Invalid{}
	if !slices.Contains(Templates, template) {
		v.Add("template", "不是可订阅的消息模板")
	}
	v.Range("count", count, 1, maxConsentsPerCall)
	if err := v.Err(); err != nil {
		return Subscription{}, err
	}
	now := s.Now().UTC()
	db := s.Read(ctx)
	inc := func() (int64, error) {
		res := db.Model(&model.Subscription{}).Where("account_id = ? AND template = ?", a.AccountID, template).
			Updates(map[string]any{"remaining": gorm.Expr("LEAST(remaining + ?, ?)", count, maxConsents),
				"refused_at": nil, "updated_at": now})
		return res.RowsAffected, res.Error
	}
	if db.Name() == "sqlite" {
		inc = func() (int64, error) {
			res := db.Model(&model.Subscription{}).Where("account_id = ? AND template = ?", a.AccountID, template).
				Updates(map[string]any{"remaining": gorm.Expr("MIN(remaining + ?, ?)", count, maxConsents),
					"refused_at": nil, "updated_at": now})
			return res.RowsAffected, res.Error
		}
	}
	n, err := inc()
	if err == nil && n == 0 {
		err = db.Create(&model.Subscription{AccountID: a.AccountID, Template: template, Remaining: count, UpdatedAt: now}).Error
		if model.IsDuplicate(err) { // created by a concurrent call: add to it
			_, err = inc()
		}
	}
	if err != nil {
		return Subscription{}, service.WrapDB(err)
	}
	var row model.Subscription
	if err := db.Where("account_id = ? AND template = ?", a.AccountID, template).Take(&row).Error; err != nil {
		return Subscription{}, service.WrapDB(err)
	}
	return Subscription{Template: row.Template, Remaining: row.Remaining,
		RefusedAt: service.InZone(row.RefusedAt, service.SchoolZone(db, a.SchoolID))}, nil
}

// Subscriptions lists every template with the consents left.
func (s *Service) Subscriptions(ctx context.Context, a *service.Actor) ([]Subscription, error) {
	if a == nil || !a.Bound() {
		return nil, service.Forbidden()
	}
	var rows []model.Subscription
	if err := s.Read(ctx).Where("account_id = ?", a.AccountID).Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	loc := service.SchoolZone(s.Read(ctx), a.SchoolID)
	out := make([]Subscription, 0, len(Templates))
	for _, t := range Templates {
		sub := Subscription{Template: t}
		for _, r := range rows {
			if r.Template == t {
				sub.Remaining, sub.RefusedAt = r.Remaining, service.InZone(r.RefusedAt, loc)
			}
		}
		out = append(out, sub)
	}
	return out, nil
}
