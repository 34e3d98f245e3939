// Package moderation is the content check every piece of free text that other people will read goes
// through: WeChat's msgSecCheck. Risky text is refused; text WeChat wants reviewed is kept and flagged; when
// WeChat cannot answer, the text is kept as pending, and the module that owns it asks again later with
// Recheck (its job), so a parent's feedback is never lost to an outage.
package moderation

import (
	"context"
	"errors"
	"time"

	"schoolcheck/service"
	"schoolcheck/service/jobs"
	"schoolcheck/service/wechat"
)

// Outcomes of a check, kept with the text.
const (
	Pass     = "pass"
	Review   = "review"
	Pending  = "pending"
	Rejected = "rejected"
)

// Checker is what moderation needs from WeChat.
type Checker interface {
	CheckText(ctx context.Context, openID, text string) (wechat.Verdict, error)
}

// Service checks text.
type Service struct {
	service.Core
	wx Checker
}

// New builds the content check.
func New(core service.Core, wx Checker) *Service { return &Service{Core: core, wx: wx} }

// Check asks msgSecCheck about text the actor wrote: risky text is 422 content_rejected; the outcome to keep
// with the text otherwise.
func (s *Service) Check(ctx context.Context, a *service.Actor, text string) (string, error) {
	if text == "" {
		return Pass, nil
	}
	verdict, err := s.wx.CheckText(ctx, a.OpenID, text)
	switch {
	case err != nil:
		s.Log.WarnContext(ctx, "msgSecCheck unavailable; text kept for a later check", "error", err)
		return Pending, nil
	case verdict == wechat.VerdictRisky:
		return "", service.Rule("content_rejected", "内容未通过微信内容安全检查，请修改后再提交")
	case verdict == wechat.VerdictReview:
		return Review, nil
	}
	return Pass, nil
}

// Item is a pending text to check again.
type Item struct {
	ID, OpenID, Text string
}

// Recheck asks WeChat about pending items and calls record with each outcome: risky text becomes
// Rejected (hidden from others), review stays flagged. It stops at the first outage (WeChat is still
// down: the next run tries again); any other WeChat error (e.g. the author has not opened the mini-program
// recently, which msgSecCheck v2 requires) leaves the text for a human as Review.
func (s *Service) Recheck(ctx context.Context, items []Item, record func(id, outcome string) error) (int, error) {
	n := 0
	for _, it := range items {
		outcome := Review
		verdict, err := s.wx.CheckText(ctx, it.OpenID, it.Text)
		switch {
		case errors.Is(err, wechat.ErrUnavailable):
			return n, nil
		case err != nil:
			s.Log.WarnContext(ctx, "msgSecCheck recheck failed; left for review", "id", it.ID, "error", err)
		case verdict == wechat.VerdictPass:
			outcome = Pass
		case verdict == wechat.VerdictRisky:
			outcome = Rejected
		}
		if err := record(it.ID, outcome); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Batch bounds how many pending texts one run of a module's recheck sends to WeChat.
const Batch = 50

// RecheckJob is a module's scheduled recheck of the texts it stored while WeChat was down: run every
// interval, under the name "<module>.moderation_recheck".
func RecheckJob(module string, every time.Duration, recheck func(context.Context) (int, error)) jobs.Job {
	return jobs.Job{Name: module + ".moderation_recheck", Every: every, Run: func(ctx context.Context, _ jobs.Slot) error {
		_, err := recheck(ctx)
		return err
	}}
}

// Flagged marks text WeChat's check wants a human at the school to look at.
func Flagged(outcome string) *bool {
	f := outcome == Review
	return &f
}

// Hidden replaces text that a later check found risky, for everyone but its author.
const Hidden = "（该内容未通过微信内容安全检查，已隐藏）"
