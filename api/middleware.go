package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"schoolcheck/service"
)

const (
	ctxRequestID = "schoolcheck.request_id"
	ctxActor     = "schoolcheck.actor"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID takes a sane X-Request-ID from the caller or makes one, and echoes it.
func (s *server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !validRequestID.MatchString(id) {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// recovery turns a panic into the contract's 500 and logs the stack with the request id.
func (s *server) recovery(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(p)
			}
			s.log.ErrorContext(c.Request.Context(), "panic", "request_id", requestID(c), "panic", fmt.Sprint(p), "stack", callers())
			fail(c, http.StatusInternalServerError, "internal", "服务器内部错误，请稍后重试（请求号 "+requestID(c)+"）")
		}
	}()
	c.Next()
}

// callers names the functions on the stack of a panic, innermost first — without files, lines or
// goroutine dumps, which the logs never carry.
func callers() string {
	pc := make([]uintptr, 32)
	frames := runtime.CallersFrames(pc[:runtime.Callers(3, pc)])
	var names []string
	for {
		f, more := frames.Next()
		if f.Function != "" {
			names = append(names, f.Function)
		}
		if !more {
			break
		}
	}
	return strings.Join(names, " < ")
}

// accessLog writes one structured line per request: route template, never the query (it may carry codes).
func (s *server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	attrs := []any{"request_id", requestID(c), "method", c.Request.Method, "route", route,
		"status", c.Writer.Status(), "ms", time.Since(start).Milliseconds(), "ip", c.ClientIP()}
	if a := actorOf(c); a != nil {
		attrs = append(attrs, "user_id", a.UserID())
	}
	s.log.InfoContext(c.Request.Context(), "request", attrs...)
}

// authenticate resolves the bearer token into an Actor. With needBound, an unbound login is 403 not_bound.
func (s *server) authenticate(needBound bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			fail(c, http.StatusUnauthorized, "unauthenticated", "请先登录")
			return
		}
		a, err := s.auth.Authenticate(c.Request.Context(), strings.TrimSpace(token))
		if err != nil {
			s.writeError(c, err)
			return
		}
		if needBound && !a.Bound() {
			fail(c, http.StatusForbidden, "not_bound", "请先绑定教职工手机号或加入班级")
			return
		}
		c.Set(ctxActor, a)
		c.Next()
	}
}

// actorOf is the authenticated user of the request (nil on open routes).
func actorOf(c *gin.Context) *service.Actor {
	if v, ok := c.Get(ctxActor); ok {
		if a, ok := v.(*service.Actor); ok {
			return a
		}
	}
	return nil
}
