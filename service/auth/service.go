// Package auth is identity: WeChat login, binding a login to a staff roster entry by phone or to a class as
// a parent, the tokens, and resolving the acting user (service.Actor) from the database on every request,
// so that a removal takes effect at once.
package auth

import (
	"context"
	"time"

	"schoolcheck/service"
	"schoolcheck/service/wechat"
)

// WeChat is what identity needs from WeChat (wechat.Client, or wechat.Dev for dev login).
type WeChat interface {
	Code2Session(ctx context.Context, code string) (wechat.Session, error)
	PhoneNumber(ctx context.Context, phoneCode string) (string, error)
}

// Service logs people in and says who they are.
type Service struct {
	service.Core
	wx     WeChat
	secret []byte
	ttl    time.Duration
}

// New builds the identity service. secret signs tokens; ttl is their lifetime (at most 2 h).
func New(core service.Core, wx WeChat, secret []byte, ttl time.Duration) *Service {
	if ttl <= 0 || ttl > 2*time.Hour {
		ttl = 2 * time.Hour
	}
	return &Service{Core: core, wx: wx, secret: secret, ttl: ttl}
}
