package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"schoolcheck/api"
	"schoolcheck/api/apitest"
)

// TestRateLimitsPerAddress holds every per-address limit to its figure: from one client address, the
// limit's worth of calls passes (spent by one account, which its own per-account limit stops early — a
// refused call still counts for the address), the next one is 429 rate_limited with Retry-After even for
// an account that has not called yet, and another address is not limited. api/openapi.yaml states the
// figures; TestLoginRateLimit holds login's.
func TestRateLimitsPerAddress(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	class := sc.Class(nil)
	// Redis keeps a window's count for a minute across test runs: addresses of this run's own.
	n := time.Now().UnixNano() / 1000
	k := 0
	address := func() string {
		k++
		return fmt.Sprintf("100.%d.%d.%d", 64+(n+int64(k))%64, n/64%256, (n/16384+int64(k))%256)
	}
	unbound := func() string { tok, _ := e.Login(); return tok }
	parent := func() string { return sc.Parent(class).Token }
	teacher := func() string { return sc.Teacher("限流").Token }
	none := func() string { return "" }
	cases := []struct {
		name, method, path string
		perIP              int
		account            func() string
	}{
		{"bind-phone", "POST", "auth/bind-phone", api.BindPerIP, unbound},
		{"join", "POST", "auth/join", api.BindPerIP, unbound},
		{"switch", "POST", "auth/switch", api.SwitchPerIP, unbound},
		{"photos", "POST", "photos", api.UploadPerIP, teacher},
		{"feedback", "POST", "feedback", api.FeedbackPerIP, parent},
		{"display", "GET", "/display/not-a-display", 120, none},
		{"qr landing", "GET", "/q/not-a-token", 120, none},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.For(t)
			ip := address()
			call := func(token, from string) *apitest.Response {
				var body any
				if tc.method == "POST" {
					body = "{}"
				}
				return e.Do(apitest.Req{Method: tc.method, Path: tc.path, Token: token, Body: body,
					Headers: map[string]string{apitest.ClientIPHeader: from}})
			}
			first := tc.account()
			for range tc.perIP - 1 {
				call(first, ip)
			}
			fresh := tc.account()
			if r := call(fresh, ip); r.Code == http.StatusTooManyRequests {
				t.Fatalf("call %d of %d from one address refused: %s", tc.perIP, tc.perIP, r.Body)
			}
			r := call(fresh, ip).WantError(http.StatusTooManyRequests, "rate_limited")
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			if r := call(fresh, address()); r.Code == http.StatusTooManyRequests {
				t.Fatalf("another address is limited too: %s", r.Body)
			}
		})
	}
}

// With no trusted proxies (http.trusted_proxies empty, the default) a client's X-Forwarded-For is not
// believed: it cannot spread its calls over made-up addresses to escape the per-address limit, nor put a
// made-up address in the access log.
func TestForwardedForIsNotBelieved(t *testing.T) {
	e := newEnv(t)
	n := time.Now().UnixNano() / 1000
	ip := fmt.Sprintf("100.%d.%d.%d", n%64, 128+n/64%64, n/4096%256)
	login := func(i int) *apitest.Response {
		return e.Do(apitest.Req{Method: "POST", Path: "auth/login", Body: map[string]string{"code": "nope"},
			Headers: map[string]string{apitest.ClientIPHeader: ip, "X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i%250+1),
				"X-Real-IP": fmt.Sprintf("198.51.100.%d", i%250+1)}})
	}
	for i := range api.LoginPerIP {
		login(i)
	}
	login(api.LoginPerIP).WantError(http.StatusTooManyRequests, "rate_limited")
	if strings.Contains(e.Logs.String(), "203.0.113.") || strings.Contains(e.Logs.String(), "198.51.100.") {
		t.Fatal("the access log believed a forwarded address")
	}
}
