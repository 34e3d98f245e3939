package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCode2Session(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.fake.AddCode("code-good-1", "openid-1", "unionid-1")
	f.fake.AddCode("code-good-2", "openid-2", "")

	s, err := f.c.Code2Session(ctx, "code-good-1")
	if err != nil {
		t.Fatal(err)
	}
	if s != (Session{OpenID: "openid-1", UnionID: "unionid-1"}) {
		t.Fatalf("session = %+v", s)
	}
	if fmt.Sprintf("%#v", s) != `wechat.Session{OpenID:"openid-1", UnionID:"unionid-1"}` {
		t.Fatalf("session carries more than ids: %#v", s)
	}
	if s, err = f.c.Code2Session(ctx, "code-good-2"); err != nil || s.OpenID != "openid-2" || s.UnionID != "" {
		t.Fatalf("second login = %+v, %v", s, err)
	}

	reqs := f.fake.Requests()
	if len(reqs) != 2 || reqs[0].Path != "/sns/jscode2session" || reqs[0].Method != http.MethodGet {
		t.Fatalf("requests = %+v", reqs)
	}
	q := reqs[0].Query
	if q.Get("js_code") != "code-good-1" || q.Get("grant_type") != "authorization_code" || q.Get("appid") == "" {
		t.Fatalf("query = %v", q)
	}
}

func TestCode2SessionRejectedCodes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.fake.AddCode("code-once", "openid-1", "")
	if _, err := f.c.Code2Session(ctx, "code-once"); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ name, code string }{
		{"reused", "code-once"},
		{"unknown", "code-never-issued"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.fake.Count("/sns/jscode2session")
			_, err := f.c.Code2Session(ctx, tc.code)
			f.wantErr(t, err, ErrInvalidCode, tc.code)
			if n := f.fake.Count("/sns/jscode2session") - before; n != 1 {
				t.Fatalf("%d requests for one login, want 1 (never retry a code)", n)
			}
		})
	}

	t.Run("high risk user", func(t *testing.T) {
		f.fake.AddCode("code-risk", "openid-r", "")
		f.fake.SetErrcode("/sns/jscode2session", 40226, 1)
		_, err := f.c.Code2Session(ctx, "code-risk")
		f.wantErr(t, err, ErrInvalidCode, "code-risk")
	})

	t.Run("malformed never sent", func(t *testing.T) {
		before := len(f.fake.Requests())
		for _, code := range []string{"", "a&secret=x", "a b", strings.Repeat("a", 129)} {
			_, err := f.c.Code2Session(ctx, code)
			f.wantErr(t, err, ErrInvalidCode)
		}
		if n := len(f.fake.Requests()) - before; n != 0 {
			t.Fatalf("%d requests for malformed codes", n)
		}
	})
}

func TestCode2SessionUnavailable(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Timeout = 300 * time.Millisecond })
	ctx := context.Background()

	t.Run("down", func(t *testing.T) {
		f.fake.AddCode("code-down", "openid-1", "")
		f.fake.SetDown(true)
		defer f.fake.SetDown(false)
		start := time.Now()
		_, err := f.c.Code2Session(ctx, "code-down")
		f.wantErr(t, err, ErrUnavailable, "code-down")
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %v", d)
		}
	})

	t.Run("slow beyond timeout", func(t *testing.T) {
		f.fake.AddCode("code-slow", "openid-1", "")
		f.fake.SetDelay(5 * time.Second)
		defer f.fake.SetDelay(0)
		start := time.Now()
		_, err := f.c.Code2Session(ctx, "code-slow")
		f.wantErr(t, err, ErrUnavailable, "code-slow")
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("took %v: timeout not applied", d)
		}
	})

	t.Run("caller deadline", func(t *testing.T) {
		f.fake.SetDelay(5 * time.Second)
		defer f.fake.SetDelay(0)
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := f.c.Code2Session(ctx, "code-ctx")
		f.wantErr(t, err, ErrUnavailable, "code-ctx")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v does not carry the deadline", err)
		}
	})

	for _, status := range []int{http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusTooManyRequests} {
		t.Run(fmt.Sprint("HTTP ", status), func(t *testing.T) {
			f.fake.FailNext(1, status)
			_, err := f.c.Code2Session(ctx, "code-5xx")
			f.wantErr(t, err, ErrUnavailable, "code-5xx")
		})
	}

	t.Run("system busy", func(t *testing.T) {
		f.fake.SetErrcode("/sns/jscode2session", -1, 1)
		_, err := f.c.Code2Session(ctx, "code-busy")
		f.wantErr(t, err, ErrUnavailable, "code-busy")
	})

	t.Run("HTTP 404 is not unavailability", func(t *testing.T) {
		f.fake.FailNext(1, http.StatusNotFound)
		_, err := f.c.Code2Session(ctx, "code-404")
		if err == nil || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalidCode) {
			t.Fatalf("error = %v", err)
		}
	})
}

func TestCode2SessionWrongSecret(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.AppSecret = "wrong-secret-value-42" })
	_, err := f.c.Code2Session(context.Background(), "code-x")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 40125 {
		t.Fatalf("error = %v, want APIError 40125", err)
	}
	f.assertNoSecrets(t, "error", err.Error(), "wrong-secret-value-42", "code-x")
}
