package wechat

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// TestAPIBaseRedirectsEverySDKCall drives every call and checks each one reached the fake, on the real paths.
func TestAPIBaseRedirectsEverySDKCall(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Timeout = 1500 * time.Millisecond })
	ctx := context.Background()
	f.fake.AddCode("c1", "o1", "")
	f.fake.AddPhoneCode("p1", "13800138000")
	if _, err := f.c.Code2Session(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.PhoneNumber(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.CheckText(ctx, "o1", "hi"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.SendSubscribe(ctx, SubscribeMessage{ToOpenID: "o1", Template: "feedback_reply"}); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range f.fake.Requests() {
		paths = append(paths, r.Method+" "+r.Path)
	}
	want := []string{
		"GET /sns/jscode2session",
		"GET /cgi-bin/token",
		"POST /wxa/business/getuserphonenumber",
		"POST /wxa/msg_sec_check",
		"POST /cgi-bin/message/subscribe/send",
	}
	if !slices.Equal(paths, want) {
		t.Fatalf("requests = %q\nwant %q", paths, want)
	}
	if c := util.DefaultHTTPClient; c.Timeout != 1500*time.Millisecond {
		t.Fatalf("SDK HTTP client timeout = %v", c.Timeout)
	}
}

func TestRedirectTransport(t *testing.T) {
	type seen struct{ path, query, host string }
	got := make(chan seen, 2)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.URL.Path, r.URL.RawQuery, r.Host}
	}))
	defer target.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{"other " + r.URL.Path, r.URL.RawQuery, r.Host}
	}))
	defer other.Close()

	base, _ := url.Parse(target.URL + "/gw/")
	client := newHTTPClient(base, time.Second)
	do := func(u string) seen {
		t.Helper()
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return <-got
	}
	tu, _ := url.Parse(target.URL)
	if s := do("https://api.weixin.qq.com/sns/jscode2session?appid=a&js_code=b"); s != (seen{
		"/gw/sns/jscode2session", "appid=a&js_code=b", tu.Host,
	}) {
		t.Fatalf("redirected request = %+v", s)
	}
	if s := do(other.URL + "/x?y=1"); s.path != "other /x" || s.query != "y=1" {
		t.Fatalf("other host = %+v", s)
	}
}

func TestNewValidates(t *testing.T) {
	ok := Config{AppID: "wx1", AppSecret: "s"}
	for name, edit := range map[string]func(*Config){
		"no app id":     func(c *Config) { c.AppID = "" },
		"no secret":     func(c *Config) { c.AppSecret = "" },
		"relative base": func(c *Config) { c.APIBase = "api.example.com" },
		"ftp base":      func(c *Config) { c.APIBase = "ftp://example.com" },
		"base query":    func(c *Config) { c.APIBase = "https://example.com/?a=b" },
		"bad state":     func(c *Config) { c.MiniprogramState = "beta" },
	} {
		cfg := ok
		edit(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
	c, err := New(ok)
	if err != nil {
		t.Fatal(err)
	}
	if c.state != "formal" || util.DefaultHTTPClient.Timeout != 5*time.Second {
		t.Fatalf("defaults not applied: state %q timeout %v", c.state, util.DefaultHTTPClient.Timeout)
	}
}
