package wechat

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestDev(t *testing.T) {
	var logs bytes.Buffer
	d := NewDev(slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := context.Background()

	for code, want := range map[string]string{"dev:alice": "dev_alice", "dev:T-1_x.y": "dev_T-1_x.y"} {
		s, err := d.Code2Session(ctx, code)
		if err != nil || s != (Session{OpenID: want}) {
			t.Errorf("Code2Session(%q) = %+v, %v", code, s, err)
		}
	}
	for _, code := range []string{"alice", "dev:", "dev:a b", "dev:" + strings.Repeat("a", 65), "dev:ä", "xdev:a"} {
		if _, err := d.Code2Session(ctx, code); !errors.Is(err, ErrInvalidCode) {
			t.Errorf("Code2Session(%q) err = %v", code, err)
		}
	}

	if p, err := d.PhoneNumber(ctx, "dev:13800138000"); err != nil || p != "13800138000" {
		t.Errorf("PhoneNumber = %q, %v", p, err)
	}
	for _, code := range []string{"13800138000", "dev:1234", "dev:+8613800138000", "dev:" + strings.Repeat("1", 21)} {
		if _, err := d.PhoneNumber(ctx, code); !errors.Is(err, ErrInvalidCode) {
			t.Errorf("PhoneNumber(%q) err = %v", code, err)
		}
	}

	for text, want := range map[string]Verdict{"ok": VerdictPass, "a [review] b": VerdictReview,
		"[risky][review]": VerdictRisky} {
		if v, err := d.CheckText(ctx, "o", text); err != nil || v != want {
			t.Errorf("CheckText(%q) = %q, %v", text, v, err)
		}
	}

	_, err := d.SendSubscribe(ctx, SubscribeMessage{ToOpenID: "dev_alice", Template: "feedback_reply",
		Data: map[string]string{"thing1": "private-content"}})
	if err != nil || d.Ping(ctx) != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "feedback_reply") || strings.Contains(logs.String(), "private-content") {
		t.Fatalf("logs = %s", logs.String())
	}
}
