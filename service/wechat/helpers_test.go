package wechat

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"schoolcheck/service/wechat/wechattest"
)

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fixture is a client wired to its own fake WeChat, with its log captured.
type fixture struct {
	c    *Client
	fake *wechattest.Server
	logs *syncBuffer
}

// newFixture starts a fake and a client pointed at it. Tests that call it must not run in parallel:
// New swaps the SDK's process-wide HTTP client.
func newFixture(t *testing.T, edit ...func(*Config)) *fixture {
	t.Helper()
	fake := wechattest.New(t)
	logs := &syncBuffer{}
	cfg := Config{
		AppID:     wechattest.AppID,
		AppSecret: wechattest.AppSecret,
		APIBase:   fake.URL,
		Timeout:   2 * time.Second,
		Logger:    slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Templates: map[string]string{"feedback_reply": "TMPL-feedback-0001"},
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f := &fixture{c: c, fake: fake, logs: logs}
	t.Cleanup(func() { f.assertNoSecrets(t, "logs", logs.String()) })
	return f
}

// assertNoSecrets fails when text carries the AppSecret, an access token or a session key.
func (f *fixture) assertNoSecrets(t *testing.T, what, text string, extra ...string) {
	t.Helper()
	for _, s := range append([]string{wechattest.AppSecret, "fake-token-", "fake-session-key", "session_key"}, extra...) {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s leak %q: %s", what, s, text)
		}
	}
}

// wantErr checks err against a sentinel (or nil) and that its text is clean.
func (f *fixture) wantErr(t *testing.T, err, want error, secrets ...string) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error = %v, want %v", err, want)
	}
	if err != nil {
		f.assertNoSecrets(t, "error", err.Error(), secrets...)
	}
}
