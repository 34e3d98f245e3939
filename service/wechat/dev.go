package wechat

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
)

// Dev stands in for WeChat when no AppID is configured, so the mini-program and the API can be exercised
// locally. It never talks to the network. The server must refuse to run it next to a real AppID.
type Dev struct {
	log *slog.Logger
}

var (
	devName  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	devPhone = regexp.MustCompile(`^[0-9]{5,20}$`)
)

// NewDev returns the dev stand-in; logger may be nil (slog.Default()).
func NewDev(logger *slog.Logger) *Dev {
	if logger == nil {
		logger = slog.Default()
	}
	return &Dev{log: logger.With("component", "wechat-dev")}
}

// Code2Session accepts only "dev:<name>" (name: 1-64 of A-Z a-z 0-9 _ - .) and logs in as openid "dev_<name>".
func (d *Dev) Code2Session(_ context.Context, code string) (Session, error) {
	name, ok := strings.CutPrefix(code, "dev:")
	if !ok || !devName.MatchString(name) {
		return Session{}, fmt.Errorf("wechat dev code2session: %w: want dev:<name>", ErrInvalidCode)
	}
	return Session{OpenID: "dev_" + name}, nil
}

// PhoneNumber accepts only "dev:<phone>" (5-20 digits) and yields that phone.
func (d *Dev) PhoneNumber(_ context.Context, phoneCode string) (string, error) {
	phone, ok := strings.CutPrefix(phoneCode, "dev:")
	if !ok || !devPhone.MatchString(phone) {
		return "", fmt.Errorf("wechat dev phone number: %w: want dev:<digits>", ErrInvalidCode)
	}
	return phone, nil
}

// CheckText is a dev aid for trying moderation paths: text containing "[risky]" is risky, text containing
// "[review]" is queued for review, anything else passes.
func (d *Dev) CheckText(_ context.Context, _, text string) (Verdict, error) {
	switch {
	case strings.Contains(text, "[risky]"):
		return VerdictRisky, nil
	case strings.Contains(text, "[review]"):
		return VerdictReview, nil
	default:
		return VerdictPass, nil
	}
}

// SendSubscribe logs that a message would be sent (recipient and template, not the content) and succeeds.
func (d *Dev) SendSubscribe(ctx context.Context, m SubscribeMessage) (string, error) {
	d.log.InfoContext(ctx, "dev subscribe message not sent", "to", m.ToOpenID, "template", m.Template)
	return "dev", nil
}

// Ping always succeeds: there is nothing to reach.
func (d *Dev) Ping(context.Context) error { return nil }
