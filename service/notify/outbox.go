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
	"schoolcheck/service/jobs"
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
	// Data holds the template's fields (Fields: "meal", "date", …), which the drainer maps to the WeChat
	// template's keywords and fits to their limits when it sends.
	Data map[string]string
	// Key names the occasion: the same key is never queued twice ("feedback_reply:<reply id>",
	// "signout:<school>:2026-11-25:<staff>"). Its first part, before ":", is the kind of occasion that the
	// logs and metrics count by (a reminder's name, or feedback_reply).
	Key string
	// Expires, when set, is when the occasion is over: a message not sent by then is dropped.
	Expires *time.Time
}

// Kind is the kind of occasion a message key names: its part before the first ":".
func Kind(key string) string {
	kind, _, _ := strings.Cut(key, ":")
	return kind
}

// row is the outbox row of a message queued at now.
func row(m Message, now time.Time) (model.OutboxMessage, error) {
	if err := checkFields(m); err != nil {
		return model.OutboxMessage{}, err
	}
	raw, err := json.Marshal(m.Data)
	if err != nil {
		return model.OutboxMessage{}, err
	}
	return model.OutboxMessage{ID: model.NewID(), SchoolID: m.SchoolID, AccountID: m.AccountID, Template: m.Template,
		DedupeKey: m.Key, Page: m.Page, Data: string(raw), Status: StatusPending, NextAt: now,
		ExpiresAt: m.Expires, CreatedAt: now}, nil
}

// Enqueue writes m to the outbox in tx, and wakes the drainer once tx commits. It reports false when the
// occasion was queued before (nothing is written then).
func (s *Service) Enqueue(tx *service.Tx, m Message) (bool, error) {
	r, err := row(m, tx.Now)
	if err != nil {
		return false, err
	}
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedupe_key"}}, DoNothing: true}).Create(&r)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	tx.AfterCommit(func(context.Context) { s.wake() })
	return true, nil
}

// enqueueChunk bounds the messages one statement reads or writes.
const enqueueChunk = 200

// EnqueueAll writes many messages to the outbox in tx (a reminder's run): the keys already queued are read
// first and skipped, the rest inserted a chunk per statement (a key queued meanwhile by another instance is
// skipped by the unique key). It reports how many were new, and wakes the drainer after the commit.
func (s *Service) EnqueueAll(tx *service.Tx, ms []Message) (int, error) {
	queued := 0
	for len(ms) > 0 {
		chunk := ms[:min(len(ms), enqueueChunk)]
		ms = ms[len(chunk):]
		keys := make([]string, len(chunk))
		for i, m := range chunk {
			keys[i] = m.Key
		}
		var existing []string
		if err := tx.Model(&model.OutboxMessage{}).Where("dedupe_key IN ?", keys).Pluck("dedupe_key", &existing).Error; err != nil {
			return queued, err
		}
		seen := make(map[string]bool, len(existing)+len(chunk))
		for _, k := range existing {
			seen[k] = true
		}
		rows := make([]model.OutboxMessage, 0, len(chunk))
		for _, m := range chunk {
			if seen[m.Key] {
				continue
			}
			seen[m.Key] = true
			r, err := row(m, tx.Now)
			if err != nil {
				return queued, err
			}
			rows = append(rows, r)
		}
		if len(rows) == 0 {
			continue
		}
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedupe_key"}}, DoNothing: true}).Create(&rows)
		if res.Error != nil {
			return queued, res.Error
		}
		queued += int(res.RowsAffected)
	}
	if queued > 0 {
		tx.AfterCommit(func(context.Context) { s.wake() })
	}
	return queued, nil
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
	byKind := map[string]int{}
	for _, m := range rows {
		outcome, err := s.send(ctx, db, m, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		stats[outcome]++
		byKind[Kind(m.DedupeKey)+" "+outcome]++
	}
	s.Log.InfoContext(ctx, "outbox drained", "messages", len(rows), "outcomes", byKind)
	return stats, errors.Join(errs...)
}

// send delivers one claimed message and records the outcome.
func (s *Service) send(ctx context.Context, db *gorm.DB, m model.OutboxMessage, now time.Time) (string, error) {
	log := s.Log.With("template", m.Template, "kind", Kind(m.DedupeKey), "outbox_id", m.ID)
	finish := func(outcome string, extra map[string]any) (string, error) {
		updates := map[string]any{"status": outcome, "done_at": now, "claim": nil}
		for k, v := range extra {
			updates[k] = v
		}
		if err := db.Model(&model.OutboxMessage{}).Where("id = ? AND claim = ?", m.ID, *m.Claim).
			Updates(updates).Error; err != nil {
			return "", service.WrapDB(err)
		}
		s.observe(m.Template, Kind(m.DedupeKey), outcome)
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
	fields := map[string]string{}
	_ = json.Unmarshal([]byte(m.Data), &fields)
	msgID, err := s.wx.SendSubscribe(ctx, wechat.SubscribeMessage{ToOpenID: acct.OpenID, Template: m.Template,
		Page: m.Page, Data: s.fields.Render(m.Template, fields)})
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

// Retention is how long a message that is over (sent, refused, expired, failed…) is kept. It outlasts
// ReminderWindow, so the key that remembers a reminder's occasion is kept for as long as that occasion can
// be found again, and the same reminder is never queued twice.
const Retention = 90 * 24 * time.Hour

// ReminderWindow is how far back a reminder about a record (overdue feedback, an unacknowledged
// observation) looks: an older record was reminded about when it first fell due.
const ReminderWindow = 30 * 24 * time.Hour

// Purge deletes the messages that are over and older than Retention; pending and sending ones stay, however
// old. Safe on several instances at once.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	res := s.Read(ctx).Where("status NOT IN ? AND created_at < ?", []string{StatusPending, StatusSending},
		s.Now().UTC().Add(-Retention)).Delete(&model.OutboxMessage{})
	return res.RowsAffected, service.WrapDB(res.Error)
}

// Job is the outbox's retention, every six hours.
func (s *Service) Job() jobs.Job {
	return jobs.Job{Name: "notify.purge", Every: 6 * time.Hour, Run: func(ctx context.Context, _ jobs.Slot) error {
		_, err := s.Purge(ctx)
		return err
	}}
}
