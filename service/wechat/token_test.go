package wechat

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

const tokenPath = "/cgi-bin/token"

func TestTokenCachedAndRefreshedOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for range 3 {
		if _, err := f.c.CheckText(ctx, "o", "hello"); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.fake.Count(tokenPath); n != 1 {
		t.Fatalf("%d token fetches for 3 calls, want 1", n)
	}

	f.fake.ExpireTokens() // next use draws 42001
	if _, err := f.c.CheckText(ctx, "o", "hello"); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if n := f.fake.Count(tokenPath); n != 2 {
		t.Fatalf("%d token fetches, want 2", n)
	}
	if n := f.fake.Count("/wxa/msg_sec_check"); n != 5 {
		t.Fatalf("%d msg_sec_check calls, want 5 (3 + rejected + retry)", n)
	}
}

func TestTokenRejectionCodesRetried(t *testing.T) {
	for _, code := range []int{40001, 40014, 42001} {
		f := newFixture(t)
		f.fake.AddPhoneCode("p", "13800138000")
		if err := f.c.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.fake.SetErrcode("/wxa/business/getuserphonenumber", code, 1)
		if phone, err := f.c.PhoneNumber(context.Background(), "p"); err != nil || phone != "13800138000" {
			t.Fatalf("errcode %d: %q, %v", code, phone, err)
		}
		if n := f.fake.Count(tokenPath); n != 2 {
			t.Fatalf("errcode %d: %d token fetches, want 2", code, n)
		}
	}
}

func TestTokenRetriedOnlyOnce(t *testing.T) {
	f := newFixture(t)
	f.fake.SetErrcode("/cgi-bin/message/subscribe/send", 40001, 5)
	_, err := f.c.SendSubscribe(context.Background(), SubscribeMessage{ToOpenID: "o", Template: "feedback_reply"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 40001 {
		t.Fatalf("error = %v, want APIError 40001", err)
	}
	if n := f.fake.Count("/cgi-bin/message/subscribe/send"); n != 2 {
		t.Fatalf("%d sends, want 2", n)
	}
	f.assertNoSecrets(t, "error", err.Error())
}

func TestTokenFetchFailures(t *testing.T) {
	t.Run("wrong secret", func(t *testing.T) {
		f := newFixture(t, func(c *Config) { c.AppSecret = "not-the-secret-123" })
		err := f.c.Ping(context.Background())
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code != 40125 {
			t.Fatalf("error = %v, want APIError 40125", err)
		}
		f.assertNoSecrets(t, "error", err.Error(), "not-the-secret-123")
	})
	t.Run("token endpoint 503", func(t *testing.T) {
		f := newFixture(t)
		f.fake.FailNext(1, 503)
		_, err := f.c.CheckText(context.Background(), "o", "x")
		f.wantErr(t, err, ErrUnavailable)
		if n := f.fake.Count("/wxa/msg_sec_check"); n != 0 {
			t.Fatalf("msg_sec_check called without a token")
		}
	})
	t.Run("down", func(t *testing.T) {
		f := newFixture(t)
		f.fake.SetDown(true)
		f.wantErr(t, f.c.Ping(context.Background()), ErrUnavailable)
	})
}

// TestTokenConcurrency runs under -race in CI: the SDK's own memory cache fails it.
func TestTokenConcurrency(t *testing.T) {
	f := newFixture(t)
	run := func() {
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for range 40 {
			wg.Go(func() {
				if _, err := f.c.CheckText(context.Background(), "o", "x"); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	run()
	if n := f.fake.Count(tokenPath); n != 1 {
		t.Fatalf("%d token fetches for concurrent first calls, want 1", n)
	}
	f.fake.ExpireTokens()
	run()
	if n := f.fake.Count(tokenPath); n != 2 {
		t.Fatalf("%d token fetches after one expiry, want 2 (only the first rejection drops the token)", n)
	}
}

func TestMemoryCache(t *testing.T) {
	m := newMemoryCache()
	if err := m.Set("k", "v1", 0); err != nil || m.Get("k") != nil {
		t.Fatal("non-positive timeout stored a value")
	}
	_ = m.Set("k", "v0", time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	if m.Get("k") != nil {
		t.Fatal("expired value returned")
	}
	_ = m.Set("k", "v1", time.Minute)
	_ = m.deleteIfEqual("k", "other")
	if m.Get("k") != "v1" || !m.IsExist("k") {
		t.Fatal("deleteIfEqual removed a different value")
	}
	_ = m.deleteIfEqual("k", "v1")
	if m.IsExist("k") {
		t.Fatal("deleteIfEqual kept the value")
	}
	var _ tokenCache = m
}
