// Package wechattest is a fake WeChat for tests: an httptest server answering the real endpoints' JSON, pointed
// at through wechat.Config.APIBase. It lets tests program login and phone codes, moderation verdicts and
// failures, and inspect what was sent, without mocking our own code.
package wechattest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Credentials the fake accepts; others draw 40013 (appid) or 40125 (secret) as WeChat does.
const (
	AppID     = "wxfa4e0000test0001"
	AppSecret = "fake-app-secret-0123456789abcdef"
)

// Request is one recorded request, for asserting where calls went and what they carried.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   []byte
}

// SentSubscribe is a subscribe message the fake accepted, with data flattened to keyword -> value.
type SentSubscribe struct {
	ToUser, TemplateID, Page, MiniprogramState string
	Data                                       map[string]string
}

// Server is the fake WeChat. All methods are safe for concurrent use.
type Server struct {
	// URL is the base to put in wechat.Config.APIBase.
	URL string
	srv *httptest.Server

	mu         sync.Mutex
	codes      map[string]*loginCode
	phoneCodes map[string]*phoneCode
	verdicts   []verdictRule
	failN      int
	failStatus int
	down       bool
	delay      time.Duration
	errcodes   map[string]*injected
	tokens     map[string]bool // issued access token -> still valid
	tokenSeq   int
	requests   []Request
	sent       []SentSubscribe
}

type loginCode struct {
	openID, unionID string
	used            bool
}

type phoneCode struct {
	phone string
	used  bool
}

type verdictRule struct{ substr, suggest string }

type injected struct{ code, n int }

// New starts a fake closed by t.Cleanup.
func New(t testing.TB) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	return s
}

// NewServer starts a fake the caller closes (for TestMain, where there is no testing.TB).
func NewServer() *Server {
	s := &Server{}
	s.reset()
	s.tokens = map[string]bool{}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// AddCode registers a wx.login code; it works once, then answers 40163 "code been used". Unknown codes: 40029.
func (s *Server) AddCode(code, openID, unionID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = &loginCode{openID: openID, unionID: unionID}
}

// AddPhoneCode registers a single-use getPhoneNumber code. phone may carry a country code as "+852 61234567";
// without one the country is 86.
func (s *Server) AddPhoneCode(code, phone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phoneCodes[code] = &phoneCode{phone: phone}
}

// SetTextVerdict makes msg_sec_check suggest v ("risky" or "review") for text containing substr; rules are
// tried in the order set and text matching none passes.
func (s *Server) SetTextVerdict(substr string, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.verdicts = append(s.verdicts, verdictRule{substr: substr, suggest: v})
}

// FailNext makes the next n requests (to any endpoint) answer HTTP status with a plain-text body.
func (s *Server) FailNext(n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// SetDown simulates WeChat being unreachable: while down every request's connection is closed without an
// answer (a connection-level failure, as a dead upstream or reset gives). Requests are still recorded.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// SetDelay makes every answer wait d (or until the client gives up), to exercise client timeouts.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetErrcode makes the next n calls to path (e.g. "/cgi-bin/message/subscribe/send") answer
// {"errcode": errcode, "errmsg": ...} with HTTP 200, as WeChat reports errors.
func (s *Server) SetErrcode(path string, errcode int, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errcodes[path] = &injected{code: errcode, n: n}
}

// ExpireTokens expires every access token issued so far: using one then draws 42001. Unknown tokens draw 40001.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok := range s.tokens {
		s.tokens[tok] = false
	}
}

// Requests returns every request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many requests were received for path.
func (s *Server) Count(path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

// Sent returns the subscribe messages accepted, in order.
func (s *Server) Sent() []SentSubscribe {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentSubscribe(nil), s.sent...)
}

// Reset forgets codes, verdicts, injected failures and recordings. Access tokens already issued stay valid,
// as they would at WeChat; use ExpireTokens to invalidate them.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reset()
}

func (s *Server) reset() {
	s.codes = map[string]*loginCode{}
	s.phoneCodes = map[string]*phoneCode{}
	s.verdicts = nil
	s.failN, s.failStatus = 0, 0
	s.down = false
	s.delay = 0
	s.errcodes = map[string]*injected{}
	s.requests = nil
	s.sent = nil
}

// splitPhone turns "+852 61234567" into ("852", "61234567") and "13800138000" into ("86", "13800138000").
func splitPhone(p string) (country, pure string) {
	if cc, rest, ok := strings.Cut(strings.TrimPrefix(p, "+"), " "); ok && strings.HasPrefix(p, "+") {
		return cc, rest
	}
	return "86", p
}
