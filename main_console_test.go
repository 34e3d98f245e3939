package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestConsoleDevLogin: on the embedded default the web console's sign-in page offers dev login, and the
// demo principal's phone signs in (README "The web console").
func TestConsoleDevLogin(t *testing.T) {
	base, _ := serveBinary(t, buildBinary(t), binaryEnv(t))
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	send := func(req *http.Request, err error) (int, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		r, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = r.Body.Close() }()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	status, page := send(http.NewRequest(http.MethodGet, base+"/console/", nil))
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if status != http.StatusOK || !strings.Contains(page, "开发登录") || m == nil {
		t.Fatalf("sign-in page: %d %s", status, page)
	}
	req, err := http.NewRequest(http.MethodPost, base+"/console/login/dev",
		strings.NewReader(url.Values{"csrf": {m[1]}, "phone": {"13800000001"}}.Encode()))
	if err == nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	status, page = send(req, err)
	if status != http.StatusOK || !strings.Contains(page, "王校长") || !strings.Contains(page, "/console/staff") {
		t.Fatalf("after dev login: %d %s", status, page)
	}
}
