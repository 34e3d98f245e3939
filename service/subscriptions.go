package service

import (
	"context"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service/wechat"
)

// Subscribe-message templates (our names; config maps them to WeChat template ids).
const (
	TemplateFeedbackReply = "feedback_reply"
)

// SubscriptionTemplates are the templates a user may grant one-time consents for.
var SubscriptionTemplates = []string{TemplateFeedbackReply, "meal_reminder", "phone_reminder", "signout_reminder",
	"feedback_overdue", "observation_ack"}

// maxConsentsPerCall bounds one POST /subscriptions (wx.requestSubscribeMessage grants one per template).
const maxConsentsPerCall = 10

// Subscription is what is left of a user's consents for one template. RefusedAt is when WeChat last said
// the user would not receive it (43101); a new consent clears it.
type Subscription struct {
	Template  string     `json:"template"`
	Remaining int        `json:"remaining"`
	RefusedAt *time.Time `json:"refused_at"`
}

// AddSubscription records count one-time consents the user just granted with wx.requestSubscribeMessage
// (count 0 means 1). Any bound user may; consents belong to the WeChat account, not to a school.
func (s *Service) AddSubscription(ctx context.Context, a *Actor, template string, count int) (Subscription, error) {
	if a == nil || !a.Bound() {
		return Subscription{}, forbidden()
	}
	v := invalid{}
	if !slices.Contains(SubscriptionTemplates, template) {
		v.add("template", "不是可订阅的消息模板")
	}
	if count == 0 {
		count = 1
	}
	if count < 1 || count > maxConsentsPerCall {
		v.add("count", "应为 1–10")
	}
	if err := v.err(); err != nil {
		return Subscription{}, err
	}
	now := s.now().UTC()
	db := s.read(ctx)
	inc := func() (int64, error) {
		res := db.Model(&model.Subscription{}).Where("account_id = ? AND template = ?", a.AccountID, template).
			Updates(map[string]any{"remaining": gorm.Expr("remaining + ?", count), "refused_at": nil, "updated_at": now})
		return res.RowsAffected, res.Error
	}
	n, err := inc()
	if err == nil && n == 0 {
		err = db.Create(&model.Subscription{AccountID: a.AccountID, Template: template, Remaining: count, UpdatedAt: now}).Error
		if model.IsDuplicate(err) { // created by a concurrent call: add to it
			_, err = inc()
		}
	}
	if err != nil {
		return Subscription{}, wrapDB(err)
	}
	var row model.Subscription
	if err := db.Where("account_id = ? AND template = ?", a.AccountID, template).Take(&row).Error; err != nil {
		return Subscription{}, wrapDB(err)
	}
	return Subscription{Template: row.Template, Remaining: row.Remaining, RefusedAt: row.RefusedAt}, nil
}

// Subscriptions lists every template with the consents left.
func (s *Service) Subscriptions(ctx context.Context, a *Actor) ([]Subscription, error) {
	if a == nil || !a.Bound() {
		return nil, forbidden()
	}
	var rows []model.Subscription
	if err := s.read(ctx).Where("account_id = ?", a.AccountID).Find(&rows).Error; err != nil {
		return nil, wrapDB(err)
	}
	out := make([]Subscription, 0, len(SubscriptionTemplates))
	for _, t := range SubscriptionTemplates {
		sub := Subscription{Template: t}
		for _, r := range rows {
			if r.Template == t {
				sub.Remaining, sub.RefusedAt = r.Remaining, r.RefusedAt
			}
		}
		out = append(out, sub)
	}
	return out, nil
}

// sendSubscribe sends a subscribe message if the account holds a consent for its template, using one. A
// refusal from WeChat (43101) is recorded and the count zeroed, never retried; any other failure gives the
// consent back (WeChat only uses one on delivery). It reports whether the message went out and never fails
// the caller's operation.
func (s *Service) sendSubscribe(ctx context.Context, accountID string, m wechat.SubscribeMessage) bool {
	db := s.read(ctx)
	log := s.log.With("template", m.Template, "account_id", accountID)
	res := db.Model(&model.Subscription{}).Where("account_id = ? AND template = ? AND remaining > 0", accountID, m.Template).
		Updates(map[string]any{"remaining": gorm.Expr("remaining - 1"), "updated_at": s.now().UTC()})
	if res.Error != nil {
		log.WarnContext(ctx, "subscribe message: could not take a consent", "error", res.Error.Error())
		return false
	}
	if res.RowsAffected == 0 {
		return false // no consent: WeChat would refuse anyway
	}
	err := s.wx.SendSubscribe(ctx, m)
	if err == nil {
		return true
	}
	var undo map[string]any
	if errors.Is(err, wechat.ErrSubscriptionRefused) {
		log.InfoContext(ctx, "subscribe message refused by the user; consents cleared")
		undo = map[string]any{"remaining": 0, "refused_at": s.now().UTC()}
	} else {
		log.WarnContext(ctx, "subscribe message not sent", "error", err.Error())
		undo = map[string]any{"remaining": gorm.Expr("remaining + 1")}
	}
	if err := db.Model(&model.Subscription{}).Where("account_id = ? AND template = ?", accountID, m.Template).
		Updates(undo).Error; err != nil {
		log.WarnContext(ctx, "subscribe message: could not record the outcome", "error", err.Error())
	}
	return false
}
