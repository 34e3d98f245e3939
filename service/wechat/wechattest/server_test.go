package wechattest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func call(t *testing.T, method, url, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: status %d, %v", method, url, resp.StatusCode, err)
	}
	return out
}

func TestFakeTokensAndReset(t *testing.T) {
	s := New(t)
	res := call(t, "POST", s.URL+"/cgi-bin/stable_token",
		`{"grant_type":"client_credential","appid":"`+AppID+`","secret":"`+AppSecret+`"}`)
	tok, _ := res["access_token"].(string)
	if tok == "" {
		t.Fatalf("stable_token = %v", res)
	}
	check := func() float64 {
		res := call(t, "POST", s.URL+"/wxa/msg_sec_check?access_token="+tok,
			`{"openid":"o","scene":2,"version":2,"content":"x"}`)
		code, _ := res["errcode"].(float64)
		return code
	}
	s.Reset()
	if code := check(); code != 0 {
		t.Fatalf("token invalid after Reset: errcode %v", code)
	}
	s.ExpireTokens()
	if code := check(); code != 42001 {
		t.Fatalf("expired token: errcode %v", code)
	}
	if res := call(t, "POST", s.URL+"/wxa/msg_sec_check?access_token=nope", `{}`); res["errcode"] != 40001.0 {
		t.Fatalf("unknown token: %v", res)
	}
	if n := s.Count("/wxa/msg_sec_check"); n != 3 {
		t.Fatalf("Count = %d", n)
	}
}

func TestFakeDownAndFailures(t *testing.T) {
	s := New(t)
	s.SetDown(true)
	if resp, err := http.Get(s.URL + "/cgi-bin/token"); err == nil {
		resp.Body.Close()
		t.Fatal("request succeeded while down")
	}
	s.SetDown(false)
	s.FailNext(1, 503)
	resp, err := http.Get(s.URL + "/cgi-bin/token")
	if err != nil || resp.StatusCode != 503 {
		t.Fatalf("FailNext: %v %v", resp, err)
	}
	resp.Body.Close()
	if res := call(t, "GET", s.URL+"/cgi-bin/token?appid="+AppID+"&secret=bad", ""); res["errcode"] != 40125.0 {
		t.Fatalf("bad secret: %v", res)
	}
	if len(s.Requests()) != 3 {
		t.Fatalf("recorded %d requests, want 3", len(s.Requests()))
	}
}
