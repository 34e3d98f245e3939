package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"schoolcheck/service/wechat/wechattest"
)

func TestPhoneNumber(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.fake.AddPhoneCode("phone-cn", "13800138000")
	f.fake.AddPhoneCode("phone-hk", "+852 61234567")

	for _, tc := range []struct{ code, want string }{{"phone-cn", "13800138000"}, {"phone-hk", "61234567"}} {
		got, err := f.c.PhoneNumber(ctx, tc.code)
		if err != nil || got != tc.want {
			t.Fatalf("PhoneNumber(%s) = %q, %v; want %q", tc.code, got, err, tc.want)
		}
	}
	var body struct{ Code string }
	reqs := f.fake.Requests()
	last := reqs[len(reqs)-1]
	if err := json.Unmarshal(last.Body, &body); err != nil || last.Path != "/wxa/business/getuserphonenumber" ||
		body.Code != "phone-hk" || last.Query.Get("access_token") == "" {
		t.Fatalf("last request = %s %v %s", last.Path, last.Query, last.Body)
	}

	for _, code := range []string{"phone-cn", "phone-unknown", "bad code!"} {
		_, err := f.c.PhoneNumber(ctx, code)
		f.wantErr(t, err, ErrInvalidCode, code)
	}
	f.fake.FailNext(1, 500)
	_, err := f.c.PhoneNumber(ctx, "phone-any")
	f.wantErr(t, err, ErrUnavailable)
}

func TestCheckText(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.fake.SetTextVerdict("坏话", "risky")
	f.fake.SetTextVerdict("可疑", "review")

	for text, want := range map[string]Verdict{
		"今天午餐很好":  VerdictPass,
		"这里有可疑内容": VerdictReview,
		"一句坏话":    VerdictRisky,
	} {
		got, err := f.c.CheckText(ctx, "openid-1", text)
		if err != nil || got != want {
			t.Errorf("CheckText(%q) = %q, %v; want %q", text, got, err, want)
		}
	}

	var body struct {
		OpenID  string `json:"openid"`
		Scene   int    `json:"scene"`
		Version int    `json:"version"`
		Content string `json:"content"`
	}
	reqs := f.fake.Requests()
	last := reqs[len(reqs)-1]
	if err := json.Unmarshal(last.Body, &body); err != nil || last.Path != "/wxa/msg_sec_check" {
		t.Fatalf("last request = %s %s", last.Path, last.Body)
	}
	if body.OpenID != "openid-1" || body.Scene != 2 || body.Version != 2 || body.Content == "" {
		t.Fatalf("msg_sec_check body = %+v", body)
	}

	// An unexpected suggestion must not pass content through.
	f.fake.SetTextVerdict("奇怪", "something-new")
	if got, err := f.c.CheckText(ctx, "openid-1", "奇怪"); err != nil || got != VerdictReview {
		t.Fatalf("unknown suggest = %q, %v", got, err)
	}

	f.fake.SetErrcode("/wxa/msg_sec_check", -1, 1)
	_, err := f.c.CheckText(ctx, "openid-1", "x")
	f.wantErr(t, err, ErrUnavailable)

	_, err = f.c.CheckText(ctx, "", "x")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 40003 {
		t.Fatalf("empty openid: %v, want APIError 40003", err)
	}
}

func TestSendSubscribe(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	msg := SubscribeMessage{
		ToOpenID: "openid-parent",
		Template: "feedback_reply",
		Page:     "pages/feedback/detail?id=abc",
		Data:     map[string]string{"thing1": "午餐反馈已回复", "time2": "2025-03-01 12:00"},
	}
	msgID, err := f.c.SendSubscribe(ctx, msg)
	if err != nil || msgID == "" || msgID == "0" {
		t.Fatalf("msgid %q, %v", msgID, err)
	}
	want := []wechattest.SentSubscribe{{
		ToUser: "openid-parent", TemplateID: "TMPL-feedback-0001", Page: msg.Page, MiniprogramState: "formal",
		Data: msg.Data,
	}}
	if got := f.fake.Sent(); !reflect.DeepEqual(got, want) {
		t.Fatalf("sent = %+v\nwant %+v", got, want)
	}

	// The wire format is {"k": {"value": v}}.
	reqs := f.fake.Requests()
	var body struct {
		Data map[string]map[string]any `json:"data"`
	}
	if err := json.Unmarshal(reqs[len(reqs)-1].Body, &body); err != nil || body.Data["thing1"]["value"] != "午餐反馈已回复" {
		t.Fatalf("body = %s (%v)", reqs[len(reqs)-1].Body, err)
	}

	f.fake.SetErrcode("/cgi-bin/message/subscribe/send", 43101, 1)
	_, err = f.c.SendSubscribe(ctx, msg)
	f.wantErr(t, err, ErrSubscriptionRefused)

	before := len(f.fake.Requests())
	msg.Template = "meal_reminder"
	_, err = f.c.SendSubscribe(ctx, msg)
	f.wantErr(t, err, ErrNoTemplate)
	if len(f.fake.Requests()) != before {
		t.Fatal("a message without template id reached WeChat")
	}
	if len(f.fake.Sent()) != 1 {
		t.Fatalf("sent %d messages, want 1", len(f.fake.Sent()))
	}
}

func TestSendSubscribeMiniprogramState(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MiniprogramState = "trial" })
	_, err := f.c.SendSubscribe(context.Background(), SubscribeMessage{ToOpenID: "o", Template: "feedback_reply"})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.fake.Sent(); len(s) != 1 || s[0].MiniprogramState != "trial" {
		t.Fatalf("sent = %+v", s)
	}
}
