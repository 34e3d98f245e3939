package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

// Common errors, phrased for the mini-program's users.
func notFound(what string) *Error { return E(ErrNotFound, "not_found", what+"不存在") }
func forbidden() *Error           { return E(ErrForbidden, "forbidden", "您没有权限进行此操作") }
func conflict(code, message string) *Error {
	return E(ErrConflict, code, message)
}

// invalid collects field problems; nil when there are none.
type invalid map[string]string

func (v invalid) add(field, reason string) { v[field] = reason }

func (v invalid) err() error {
	if len(v) == 0 {
		return nil
	}
	e := E(ErrInvalid, "invalid_argument", "请求内容有误，请检查后重试")
	e.Fields = map[string]string(v)
	return e
}

// unavailable is the 503 answer: the caller may retry after a few seconds.
func unavailable(what string, cause error) error {
	e := E(ErrUnavailable, "unavailable", what+"暂时不可用，请稍后重试")
	e.RetryAfter = 5 * time.Second
	return fmt.Errorf("%w: %w", e, cause)
}

// wrapDB turns a database that cannot be reached into a 503; other errors pass unchanged.
func wrapDB(err error) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	if model.IsUnavailable(err) || errors.Is(err, context.DeadlineExceeded) {
		return unavailable("数据库", err)
	}
	return err
}

// wrapWeChat maps the WeChat adapter's errors onto the contract.
func wrapWeChat(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wechat.ErrInvalidCode):
		return E(ErrUnauthenticated, "invalid_code", "微信登录凭证无效或已使用，请重新进入小程序")
	case errors.Is(err, wechat.ErrUnavailable):
		return unavailable("微信服务", err)
	}
	return err
}

// IsUnavailable reports whether err is a dependency outage (503), for the api's error table.
func IsUnavailable(err error) bool {
	return errors.Is(err, ErrUnavailable) || model.IsUnavailable(err)
}

// jsonProblem says in a few words what is wrong with a JSON document.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("字段 %s 的类型不对", te.Field)
	case errors.As(err, &se):
		return "JSON 语法错误"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "未知字段 " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "无法解析"
}
