package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/silenceper/wechat/v2/util"
)

func TestScrubText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{
			`Get "https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=S3CR3T&js_code=0a1B2c&grant_type=authorization_code": EOF`,
			`Get "https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=REDACTED&js_code=REDACTED&grant_type=authorization_code": EOF`,
		},
		{
			`http post error : uri=https://api.weixin.qq.com/wxa/msg_sec_check?access_token=76_abc-DEF , statusCode=500`,
			`http post error : uri=https://api.weixin.qq.com/wxa/msg_sec_check?access_token=REDACTED , statusCode=500`,
		},
		{`{"code":"xyz","session_key":"k=="}`, `{"code":"REDACTED","session_key":"REDACTED"}`},
		{`?code=abc&state=1`, `?code=REDACTED&state=1`},
		{`secret%3Dabc`, `secret%3DREDACTED`},
		// errcodes and messages stay readable.
		{`Code2Session error : errcode=40029 , errmsg=invalid code`, `Code2Session error : errcode=40029 , errmsg=invalid code`},
	} {
		if got := scrubText(tc.in); got != tc.want {
			t.Errorf("scrubText(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestScrubKnownSecret(t *testing.T) {
	c := &Client{secret: "plain-secret-9"}
	if got := c.scrub("appsecret plain-secret-9 was wrong"); strings.Contains(got, "plain-secret-9") {
		t.Fatalf("secret survived: %q", got)
	}
}

func TestErrcodeOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
		msg  string
		ok   bool
	}{
		{util.NewCommonError("x", 43101, "user refuse to accept the msg"), 43101, "user refuse to accept the msg", true},
		{fmt.Errorf("Code2Session error : errcode=40163 , errmsg=code been used, rid: 1"), 40163, "code been used, rid: 1", true},
		{fmt.Errorf("get access_token error : errcode=-1 , errormsg=system error"), -1, "system error", true},
		{errors.New("http get error : uri=x?js_code=1 , statusCode=503"), 0, "", false},
		{nil, 0, "", false},
	} {
		code, msg, ok := errcodeOf(tc.err)
		if code != tc.code || msg != tc.msg || ok != tc.ok {
			t.Errorf("errcodeOf(%v) = %d %q %v", tc.err, code, msg, ok)
		}
	}
}

// TestClassifyScrubs feeds classify the kinds of errors the SDK produces, with secrets inside.
func TestClassifyScrubs(t *testing.T) {
	c := &Client{secret: "the-app-secret"}
	ctx := context.Background()
	urlErr := &url.Error{Op: "Get", URL: "https://api.weixin.qq.com/cgi-bin/token?appid=wx&secret=the-app-secret",
		Err: errors.New("connection reset")}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"network", urlErr, ErrUnavailable},
		{"api error", util.NewCommonError("x", 40199, "bad thing the-app-secret"), nil},
		{"sdk string", fmt.Errorf("get access_token error : errcode=45009 , errormsg=quota access_token=abc"), ErrUnavailable},
	} {
		_, tr := withTrace(ctx)
		err := c.classify(ctx, "op", tr, tc.err, nil)
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if errors.Is(err, urlErr) || strings.Contains(err.Error(), "the-app-secret") ||
			strings.Contains(err.Error(), "access_token=abc") {
			t.Errorf("%s: leaks: %v", tc.name, err)
		}
	}
}
