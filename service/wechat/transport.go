package wechat

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// wechatHost is the host the SDK hard-codes in every mini-program URL.
const wechatHost = "api.weixin.qq.com"

// newHTTPClient is the client installed as the SDK's util.DefaultHTTPClient: bounded by timeout, and sending
// requests for api.weixin.qq.com to base. Requests for other hosts go out unchanged (the mini-program APIs we
// use never make any).
func newHTTPClient(base *url.URL, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: &redirectTransport{base: base, next: tr},
		// WeChat never redirects; following one could send the token elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// redirectTransport rewrites scheme and host (and prefixes the base path) of requests for WeChat, and notes
// HTTP statuses in the call's trace so errors can be classified without parsing the SDK's strings.
type redirectTransport struct {
	base *url.URL
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *redirectTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == wechatHost {
		req = req.Clone(req.Context())
		u := *req.URL
		u.Scheme = t.base.Scheme
		u.Host = t.base.Host
		if p := strings.TrimSuffix(t.base.Path, "/"); p != "" {
			u.Path = p + u.Path
			u.RawPath = ""
		}
		req.URL = &u
		req.Host = ""
	}
	resp, err := t.next.RoundTrip(req)
	if tr := traceFrom(req.Context()); tr != nil {
		tr.record(resp, err)
	}
	return resp, err
}

// trace collects what happened on the wire during one of our calls (a call may be a token fetch plus the API
// request). It travels in the request context, so concurrent calls never share one.
type trace struct {
	mu        sync.Mutex
	badStatus int // last non-200 HTTP status seen
	netErr    bool
}

func (tr *trace) record(resp *http.Response, err error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if err != nil {
		tr.netErr = true
		return
	}
	if resp.StatusCode != http.StatusOK {
		tr.badStatus = resp.StatusCode
	}
}

func (tr *trace) status() (badStatus int, netErr bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.badStatus, tr.netErr
}

type traceKey struct{}

// withTrace starts a fresh trace for one call.
func withTrace(ctx context.Context) (context.Context, *trace) {
	tr := &trace{}
	return context.WithValue(ctx, traceKey{}, tr), tr
}

func traceFrom(ctx context.Context) *trace {
	tr, _ := ctx.Value(traceKey{}).(*trace)
	return tr
}
