package notify

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/wechat"
)

// Outbox statuses.
const (
	StatusPending   = "pending"
	StatusSending   = "sending"
	StatusSent      = "sent"
	StatusRefused   = "refused"    // WeChat 43101: the user has no consent left there
	StatusNoConsent = "no_consent" // we hold no consent for the template: never asked WeChat
	StatusExpired   = "expired"    // its occasion was over before it could be sent
	StatusFailed    = "failed"     // WeChat refused it for good, or it kept failing
	StatusUnknown   = "unknown"    // an instance died while sending it: not retried, so never sent twice
)

const (
	drainBatch = 50
	// maxAttempts is how often a message WeChat could not take is tried before it fails.
	maxAttempts = 6
	// sendingTTL is when a claimed message whose instance died is given up (as unknown).
	sendingTTL = 5 * time.Minute
)

// backoff is the wait before attempt n+1 (n ≥ 1).
func backoff(n int) time.Duration {
	return min(30*time.Second<<(2*(n-1)), 2*time.Hour)
}

// Message is what a change wants sent to one person.
type Message struct {
	SchoolID  string
	AccountID string
	Template  string
	// Page is the mini-program page the message opens, with the record's id.
	Page string
	// Data maps the template's keywords ("thing1", "time2", …) to values; Enqueue fits them to WeChat's
	// limits per keyword type.
	Data map[string]string
	// Key names the occasion: the same key is never queued twice ("feedback_reply:<reply id>",
	// "signout:<staff id>:2026-11-25").
	Key string
	// Expires, when set, is when the occasion is over: a message not sent by then is dropped.
	Expires *time.Time
}

// Enqueue writes m to the outbox in tx, and wakes the drainer once tx commits. It reports false when the
// occasion was queued before (nothing is written then).
func (s *Service) Enqueue(tx *service.Tx, m Message) (bool, error) {
	raw, err := json.Marshal(Fit(m.Data))
	if err != nil {
		return false, err
	}
	row := model.OutboxMessage{ID: model.NewID(), SchoolID: m.SchoolID, AccountID: m.AccountID, Template: m.Template,
		DedupeKey: m.Key, Page: m.Page, Data: string(raw), Status: StatusPending, NextAt: tx.Now,
		ExpiresAt: m.Expires, CreatedAt: tx.Now}
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedupe_key"}}, DoNothing: true}).Create(&row)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	tx.AfterCommit(func(context.Context) { s.wake() })
	return true, nil
}

// fieldLimits are WeChat's lengths per subscribe-message keyword type, in characters.
var fieldLimits = map[string]int{"thing": 20, "name": 10, "phrase": 5, "character_string": 32, "number": 32,
	"letter": 32, "symbol": 5, "car_number": 8, "phone_number": 17, "time": 32, "date": 32, "amount": 32}

// Fit cuts each value to its keyword type's limit ("thing3" → 20 characters), on a character boundary.
func Fit(data map[string]string) map[string]string {
	out := make(map[string]string, len(data))
	for k, v := range data {
		kind := strings.TrimRight(k, "0123456789")
		v = strings.Join(strings.Fields(service.CleanText(v)), " ")
		if n, ok := fieldLimits[kind]; ok {
			v = service.Clip(v, n)
		}
		out[k] = v
	}
	return out
}

// DrainStats counts what one Drain did, by outcome.
type DrainStats map[string]int

// Drain sends what is due in the outbox, one batch, and reports the outcomes. It is safe on several
// instances at once: each claims rows with a conditional update under a token of its own and only sends
// what it claimed.
func (s *Service) Drain(ctx context.Context) (DrainStats, error) {
	now := s.Now().UTC()
	db := s.Read(ctx).Session(&gorm.Session{})
	stats := DrainStats{}
	// A claim whose instance died mid-send may or may not have reached WeChat: never send it again.
	stale := db.Model(&model.OutboxMessage{}).Where("status = ? AND claimed_at < ?", StatusSending, now.Add(-sendingTTL)).
		Updates(map[string]any{"status": StatusUnknown, "done_at": now})
	if stale.Error != nil {
		return stats, service.WrapDB(stale.Error)
	}
	if stale.RowsAffected > 0 {
		stats[StatusUnknown] += int(stale.RowsAffected)
		s.Log.WarnContext(ctx, "outbox: messages abandoned mid-send were given up", "count", stale.RowsAffected)
	}
	var ids []string
	if err := db.Model(&model.OutboxMessage{}).Where("status = ? AND next_at <= ?", StatusPending, now).
		Order("next_at").Limit(drainBatch).Pluck("id", &ids).Error; err != nil {
		return stats, service.WrapDB(err)
	}
	if len(ids) == 0 {
		return stats, nil
	}
	token := model.NewID()
	if err := db.Model(&model.OutboxMessage{}).Where("id IN ? AND status = ?", ids, StatusPending).
		Updates(map[string]any{"status": StatusSending, "claim": token, "claimed_at": now}).Error; err != nil {
		return stats, service.WrapDB(err)
	}
	var rows []model.OutboxMessage
	if err := db.Where("claim = ? AND status = ?", token, StatusSending).Order("next_at").Find(&rows).Error; err != nil {
		return stats, service.WrapDB(err)
	}
	var errs []error
	for _, m := range rows {
		outcome, err := s.send(ctx, db, m, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		stats[outcome]++
	}
	return stats, errors.Join(errs...)
}

// send delivers one claimed message and records the outcome.
func (s *Service) send(ctx context.Context, db *gorm.DB, m model.OutboxMessage, now time.Time) (string, error) {
	log := s.Log.With("template", m.Template, "outbox_id", m.ID)
	finish := func(outcome string, extra map[string]any) (string, error) {
		updates := map[string]any{"status": outcome, "done_at": now, "claim": nil}
		for k, v := range extra {
			updates[k] = v
		}
		if err := db.Model(&model.OutboxMessage{}).Where("id = ? AND claim = ?", m.ID, *m.Claim).
			Updates(updates).Error; err != nil {
			return "", service.WrapDB(err)
		}
		s.observe(m.Template, outcome)
		return outcome, nil
	}
	if m.ExpiresAt != nil && now.After(*m.ExpiresAt) {
		return finish(StatusExpired, nil)
	}
	var acct model.Account
	if err := db.Where("id = ?", m.AccountID).Take(&acct).Error; err != nil {
		if model.IsNotFound(err) {
			return finish(StatusFailed, map[string]any{"last_error": "account not found"})
		}
		return "", service.WrapDB(err)
	}
	took := db.Model(&model.Subscription{}).Where("account_id = ? AND template = ? AND remaining > 0", m.AccountID, m.Template).
		Updates(map[string]any{"remaining": gorm.Expr("remaining - 1"), "updated_at": now})
	if took.Error != nil {
		return "", service.WrapDB(took.Error)
	}
	if took.RowsAffected == 0 {
		return finish(StatusNoConsent, nil) // WeChat would refuse it: do not ask
	}
	data := map[string]string{}
	_ = json.Unmarshal([]byte(m.Data), &data)
	msgID, err := s.wx.SendSubscribe(ctx, wechat.SubscribeMessage{ToOpenID: acct.OpenID, Template: m.Template,
		Page: m.Page, Data: data})
	if err == nil {
		return finish(StatusSent, map[string]any{"msg_id": msgID, "attempts": m.Attempts + 1})
	}
	giveBack := func() error {
		return db.Model(&model.Subscription{}).Where("account_id = ? AND template = ?", m.AccountID, m.Template).
			Update("remaining", gorm.Expr("remaining + 1")).Error
	}
	reason := service.Clip(err.Error(), 250)
	switch {
	case errors.Is(err, wechat.ErrSubscriptionRefused):
		log.InfoContext(ctx, "subscribe message refused by the user; consents cleared")
		if err := db.Model(&model.Subscription{}).Where("account_id = ? AND template = ?", m.AccountID, m.Template).
			Updates(map[string]any{"remaining": 0, "refused_at": now}).Error; err != nil {
			return "", service.WrapDB(err)
		}
		return finish(StatusRefused, map[string]any{"attempts": m.Attempts + 1})
	case errors.Is(err, wechat.ErrUnavailable) && m.Attempts+1 < maxAttempts:
		if err := giveBack(); err != nil {
			return "", service.WrapDB(err)
		}
		log.WarnContext(ctx, "subscribe message not sent; will retry", "error", reason, "attempt", m.Attempts+1)
		res := db.Model(&model.OutboxMessage{}).Where("id = ? AND claim = ?", m.ID, *m.Claim).
			Updates(map[string]any{"status": StatusPending, "claim": nil, "attempts": m.Attempts + 1,
				"next_at": now.Add(backoff(m.Attempts + 1)), "last_error": reason})
		if res.Error != nil {
			return "", service.WrapDB(res.Error)
		}
		return "retry", nil
	}
	if err := giveBack(); err != nil {
		return "", service.WrapDB(err)
	}
	log.WarnContext(ctx, "subscribe message failed", "error", reason)
	return finish(StatusFailed, map[string]any{"attempts": m.Attempts + 1, "last_error": reason})
}
