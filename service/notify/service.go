// Package notify is how the server tells people things through WeChat subscribe messages: the one-time
// consents a user grants in the mini-program (POST /subscriptions), and the outbox. A message a change
// causes is written to the outbox in the change's own transaction (Enqueue) and sent after the commit by a
// drainer that claims rows, so that a crash between commit and send delays a message but never loses it,
// and an occasion (a reply, one person's reminder for one day) is never queued or sent twice. Each send
// uses one consent; WeChat's 43101 zeroes them.
package notify

import (
	"context"

	"schoolcheck/service"
	"schoolcheck/service/wechat"
)

// Sender is what notify needs from WeChat (wechat.Client, or wechat.Dev).
type Sender interface {
	SendSubscribe(ctx context.Context, m wechat.SubscribeMessage) (string, error)
}

// Observer hears the outcome of every message the drainer finishes (for the metrics and logs): its
// template, the kind of occasion (Kind: a reminder's name, or feedback_reply) and the outcome (sent,
// no_consent, refused, failed, expired, unknown).
type Observer func(template, kind, outcome string)

// Service keeps consents and drains the outbox. Its methods are safe for concurrent use.
type Service struct {
	service.Core
	wx      Sender
	observe Observer
	fields  Mapping
	kick    chan struct{}
}

// New builds the notification service. observe may be nil; fields maps each template's fields to its
// keywords (ParseMapping of wechat.template_fields).
func New(core service.Core, wx Sender, observe Observer, fields Mapping) *Service {
	if observe == nil {
		observe = func(string, string, string) {}
	}
	return &Service{Core: core, wx: wx, observe: observe, fields: fields, kick: make(chan struct{}, 1)}
}

// Kicks is signalled after a transaction queued a message, so a background drainer can start at once.
func (s *Service) Kicks() <-chan struct{} { return s.kick }

func (s *Service) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}
