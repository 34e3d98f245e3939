package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"schoolcheck/model"
	"schoolcheck/service/wechat"
)

// Error kinds. The api package maps each to one HTTP status; callers test with errors.Is.
var (
	ErrInvalid          = errors.New("invalid argument")       // 400
	ErrUnauthenticated  = errors.New("unauthenticated")        // 401
	ErrForbidden        = errors.New("forbidden")              // 403
	ErrNotFound         = errors.New("not found")              // 404
	ErrConflict         = errors.New("conflict")               // 409
	ErrTooLarge         = errors.New("payload too large")      // 413
	ErrUnsupportedMedia = errors.New("unsupported media type") // 415
	ErrRule             = errors.New("refused by the rules")   // 422
	ErrRateLimited      = errors.New("rate limited")           // 429
	ErrUnavailable      = errors.New("dependency unavailable") // 503
)

// Error is a kind with the contract's code, a message a user can read (Chinese), and the fields at fault.
type Error struct {
	Kind       error
	Code       string
	Message    string
	Fields     map[string]string
	RetryAfter time.Duration
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s (%s)", e.Kind, e.Code, e.Message) }

// Unwrap lets errors.Is(err, ErrNotFound) see the kind.
func (e *Error) Unwrap() error { return e.Kind }

// E builds an error of a kind with its code and message.
func E(kind error, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Field adds a field at fault and returns the error for chaining.
func (e *Error) Field(name, reason string) *Error {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	e.Fields[name] = reason
	return e
}

// NotFound is the 404 of a record ("陪餐记录不存在"); another school's record is one too.
func NotFound(what string) *Error { return E(ErrNotFound, "not_found", what+"不存在") }

// Forbidden is the plain 403.
func Forbidden() *Error { return E(ErrForbidden, "forbidden", "您没有权限进行此操作") }

// ForbiddenBecause is a 403 that says why.
func ForbiddenBecause(message string) *Error { return E(ErrForbidden, "forbidden", message) }

// Conflict is a 409 with its code.
func Conflict(code, message string) *Error { return E(ErrConflict, code, message) }

// Rule is a 422: well formed, refused by the rules.
func Rule(code, message string) *Error { return E(ErrRule, code, message) }

// Unavailable is the 503 answer: the caller may retry after a few seconds.
func Unavailable(what string, cause error) error {
	e := E(ErrUnavailable, "unavailable", what+"暂时不可用，请稍后重试")
	e.RetryAfter = 5 * time.Second
	if cause == nil {
		return e
	}
	return fmt.Errorf("%w: %w", e, cause)
}

// WrapDB turns a database that cannot serve the statement now (model.Classify) into a 503 with Retry-After:
// 2 s for contention (busy, locked, a deadlock that persisted), 5 s for a server that is out of connections
// or unreachable. Other errors pass unchanged.
func WrapDB(err error) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	switch model.Classify(err) {
	case model.TroubleNone:
		if errors.Is(err, context.DeadlineExceeded) {
			return Unavailable("数据库", err)
		}
		return err
	case model.TroubleBusy, model.TroubleDeadlock:
		// Contention clears in moments: the client may try again soon.
		e := E(ErrUnavailable, "unavailable", "数据库繁忙，请稍后重试")
		e.RetryAfter = 2 * time.Second
		return fmt.Errorf("%w: %w", e, err)
	}
	return Unavailable("数据库", err)
}

// WrapWeChat maps the WeChat adapter's errors onto the contract.
func WrapWeChat(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wechat.ErrInvalidCode):
		return E(ErrUnauthenticated, "invalid_code", "微信登录凭证无效或已使用，请重新进入小程序")
	case errors.Is(err, wechat.ErrUnavailable):
		return Unavailable("微信服务", err)
	}
	// Any other refusal of WeChat (an errcode we do not know, a token it keeps rejecting) is nothing the
	// user can change: WeChat cannot be used for this now, a 503 to retry later, never a bare 500.
	var apiErr *wechat.APIError
	if errors.As(err, &apiErr) {
		return Unavailable("微信服务", err)
	}
	return err
}

// IsUnavailable reports whether err is a dependency outage (503), for the api's error table: an expired
// deadline is a dependency that did not answer within the request's timeout.
func IsUnavailable(err error) bool {
	return errors.Is(err, ErrUnavailable) || model.IsUnavailable(err) || errors.Is(err, context.DeadlineExceeded)
}
