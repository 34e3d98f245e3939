package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"schoolcheck/service"
)

// errorBody is the contract's error shape: {"error": {"code", "message", "fields"}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// statusOf is the one table from error kinds to HTTP statuses, with the code used when an error has none.
var statusOf = []struct {
	kind   error
	status int
	code   string
	msg    string
}{
	{service.ErrInvalid, http.StatusBadRequest, "invalid_argument", "请求内容有误"},
	{service.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated", "请先登录"},
	{service.ErrForbidden, http.StatusForbidden, "forbidden", "您没有权限进行此操作"},
	{service.ErrNotFound, http.StatusNotFound, "not_found", "记录不存在"},
	{service.ErrConflict, http.StatusConflict, "conflict", "操作与当前状态冲突"},
	{service.ErrTooLarge, http.StatusRequestEntityTooLarge, "payload_too_large", "内容过大"},
	{service.ErrUnsupportedMedia, http.StatusUnsupportedMediaType, "unsupported_media_type", "不支持的文件类型"},
	{service.ErrRule, http.StatusUnprocessableEntity, "unprocessable", "请求不符合规则"},
	{service.ErrRateLimited, http.StatusTooManyRequests, "rate_limited", "操作太频繁，请稍后再试"},
	{service.ErrUnavailable, http.StatusServiceUnavailable, "unavailable", "服务暂时不可用，请稍后重试"},
}

// ErrorAnswer is how the API answers an error: its status, the contract's code and Chinese message, the
// fields at fault, and for 429 and 503 the seconds to wait. The web console shows the same.
type ErrorAnswer struct {
	Status     int
	Code       string
	Message    string
	Fields     map[string]string
	RetryAfter int
}

// Describe maps an error onto the contract through the one table; requestID goes into the message of a 500.
func Describe(err error, requestID string) ErrorAnswer {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		err = service.E(service.ErrTooLarge, "payload_too_large", "请求内容超过大小限制")
	}
	var se *service.Error
	errors.As(err, &se)
	for _, row := range statusOf {
		if !errors.Is(err, row.kind) {
			continue
		}
		out := ErrorAnswer{Status: row.status, Code: row.code, Message: row.msg}
		if se != nil {
			out.Code, out.Message, out.Fields = se.Code, se.Message, se.Fields
		}
		if row.status == http.StatusServiceUnavailable || row.status == http.StatusTooManyRequests {
			out.RetryAfter = 5
			if se != nil && se.RetryAfter > 0 {
				out.RetryAfter = int(se.RetryAfter.Seconds() + 0.999)
			}
		}
		return out
	}
	if service.IsUnavailable(err) {
		return ErrorAnswer{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "服务暂时不可用，请稍后重试", RetryAfter: 5}
	}
	return ErrorAnswer{Status: http.StatusInternalServerError, Code: "internal",
		Message: "服务器内部错误，请稍后重试（请求号 " + requestID + "）"}
}

// writeError answers an error in the contract's shape. Unknown errors are a generic 500, logged with the
// request id; a dependency outage is a 503 with Retry-After.
func (s *server) writeError(c *gin.Context, err error) {
	ans := Describe(err, requestID(c))
	if ans.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(ans.RetryAfter))
	}
	switch {
	case ans.Status == http.StatusInternalServerError:
		s.log.ErrorContext(c.Request.Context(), "internal error", "request_id", requestID(c), "error", err)
	case ans.Status >= 500:
		s.log.WarnContext(c.Request.Context(), "dependency unavailable", "request_id", requestID(c), "error", err)
	}
	c.AbortWithStatusJSON(ans.Status, errorBody{errorDetail{Code: ans.Code, Message: ans.Message, Fields: ans.Fields}})
}

// handle adapts a handler that returns an error: thin handlers parse, call the service once, and respond.
func (s *server) handle(fn func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			s.writeError(c, err)
		}
	}
}

// fail answers a bare error code without going through the service (middleware use).
func fail(c *gin.Context, status int, code, message string) {
	c.AbortWithStatusJSON(status, errorBody{errorDetail{Code: code, Message: message}})
}

// reply answers a service call's result as JSON with the status, or hands its error to the error table:
// `return reply(c, http.StatusOK)(s.auth.Me(ctx, a))`.
func reply(c *gin.Context, status int) func(any, error) error {
	return func(out any, err error) error {
		if err != nil {
			return err
		}
		c.JSON(status, out)
		return nil
	}
}
