package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"schoolcheck/api"
	"schoolcheck/api/apitest"
	"schoolcheck/service/wechat/wechattest"
	"schoolcheck/storage"
	"schoolcheck/storage/storagetest"
)

// phoneRE finds a full mainland mobile number standing on its own.
var phoneRE = regexp.MustCompile(`(^|[^0-9a-f])1[3-9][0-9]{9}([^0-9a-f]|$)`) // not inside a hex request id

func TestReadyz(t *testing.T) {
	e := newEnv(t)
	r := e.Get("/readyz", "").Want(http.StatusOK).Map()
	if r["status"] != "ok" {
		t.Fatalf("readyz: %v", r)
	}
	e.Get("/healthz", "").Want(http.StatusOK)
}

func TestReadyzFollowsObjectStore(t *testing.T) {
	proc := storagetest.MinIOProcess(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := storage.NewMinIO(ctx, proc.Config(storagetest.UniqueBucket()))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, apitest.WithStore(store))
	e.Get("/readyz", "").Want(http.StatusOK)

	proc.Stop()
	r := e.Get("/readyz", "").Want(http.StatusServiceUnavailable)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	if checks, _ := r.Map()["checks"].(map[string]any); checks["storage"] != "unavailable" || checks["database"] != "ok" {
		t.Fatalf("readyz while the store is down: %s", r.Body)
	}
	e.Get("/healthz", "").Want(http.StatusOK) // alive all the same

	proc.Start()
	e.Get("/readyz", "").Want(http.StatusOK)
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	e.Get("staff/"+sc.Principal.ID, sc.Principal.Token).Want(http.StatusOK)
	e.Get("/no/such/route", "").WantError(http.StatusNotFound, "not_found")
	// Any token is a method to HTTP: each of these must not become a series of its own.
	for i := range 20 {
		e.Do(apitest.Req{Method: fmt.Sprintf("BREW%d", i), Path: "staff/" + sc.Principal.ID, Token: sc.Principal.Token})
	}
	r := e.Get("/metrics", "").Want(http.StatusOK)
	body := string(r.Body)
	if !strings.Contains(body, "schoolcheck_http_requests_total") ||
		!regexp.MustCompile(`schoolcheck_http_requests_total\{[^}]*route="/api/v1/staff/:id"`).MatchString(body) {
		t.Fatalf("no request counter for the route template:\n%s", body)
	}
	if strings.Contains(body, sc.Principal.ID) || strings.Contains(body, "/no/such/route") {
		t.Fatal("metrics carry a raw path")
	}
	if strings.Contains(body, "BREW") || !strings.Contains(body, `method="other"`) {
		t.Fatal("metrics carry a client's own method")
	}
	if strings.Contains(body, sc.Principal.Token) || strings.Contains(body, sc.Principal.Phone) {
		t.Fatal("metrics carry a token or a phone number")
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics content type %q", r.Header.Get("Content-Type"))
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	big := `{"name": "` + strings.Repeat("x", 1<<20) + `"}`
	e.Post("staff", sc.Principal.Token, big).WantError(http.StatusRequestEntityTooLarge, "payload_too_large")
	// Without a Content-Length (chunked) the limit holds while reading.
	req := httptest.NewRequest("POST", "/api/v1/staff", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+sc.Principal.Token)
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "payload_too_large") {
		t.Fatalf("chunked oversize body: %d %s", w.Code, w.Body)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	// Redis keeps a window's count for a minute across test runs: an address of this run's own.
	n := time.Now().UnixNano() / 1000
	ip := fmt.Sprintf("100.%d.%d.%d", 64+n%64, n/64%256, n/16384%256)
	login := func(from string) *apitest.Response {
		return e.Do(apitest.Req{Method: "POST", Path: "auth/login", Body: map[string]string{"code": "nope"},
			Headers: map[string]string{apitest.ClientIPHeader: from}})
	}
	for i := range api.LoginPerIP {
		if r := login(ip); r.Code != http.StatusUnauthorized {
			t.Fatalf("login %d: %d %s", i+1, r.Code, r.Body)
		}
	}
	r := login(ip).WantError(http.StatusTooManyRequests, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	login("203.0.113.7").WantError(http.StatusUnauthorized, "invalid_code") // another client is not limited
}

func TestNoSecretsInLogs(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	var tokens []string
	// Log in and bind a phone.
	teacherPhone := apitest.Phone()
	e.Post("staff", sc.Principal.Token, map[string]any{"name": "日志", "phone": teacherPhone, "roles": []string{"teacher"}}).
		Want(http.StatusCreated)
	tok, _ := e.Login()
	tokens = append(tokens, tok, sc.Principal.Token)
	bound, _ := e.BindPhone(tok, teacherPhone)
	tokens = append(tokens, bound)
	e.Get("me", bound).Want(http.StatusOK)
	// WeChat failing: an error answer, a 500, and down. The fake is the package's: leave it clean.
	t.Cleanup(func() {
		e.WX.SetErrcode("/sns/jscode2session", 0, 0)
		e.WX.SetErrcode("/wxa/business/getuserphonenumber", 0, 0)
		e.WX.FailNext(0, 0)
		e.WX.SetDown(false)
	})
	e.WX.AddCode("fail-code", "oFail1", "")
	e.WX.SetErrcode("/sns/jscode2session", -1, 1)
	e.Post("auth/login", "", map[string]string{"code": "fail-code"})
	e.WX.FailNext(1, http.StatusInternalServerError)
	e.WX.AddCode("fail-code-2", "oFail2", "")
	e.Post("auth/login", "", map[string]string{"code": "fail-code-2"})
	e.WX.AddPhoneCode("pc-fail", apitest.Phone())
	e.WX.SetErrcode("/wxa/business/getuserphonenumber", 40001, 5)
	t2, _ := e.Login()
	e.Post("auth/bind-phone", t2, map[string]string{"phone_code": "pc-fail"})
	e.WX.SetDown(true)
	e.Post("auth/bind-phone", t2, map[string]string{"phone_code": "pc-fail"})
	e.WX.SetDown(false)
	// A request that carries a code and a phone in its query string.
	e.Get("staff?cursor="+teacherPhone+"&code=secretcode", sc.Principal.Token)
	tokens = append(tokens, t2)

	// URLs in errors keep their shape with the credentials blanked out.
	logs := strings.NewReplacer("access_token=REDACTED", "", "secret=REDACTED", "").Replace(e.Logs.String())
	if !strings.Contains(logs, `"route"`) {
		t.Fatalf("no access log captured: %q", logs)
	}
	forbidden := append([]string{"test-secret-test-secret-test-secret!", wechattest.AppSecret, "session_key",
		"fake-session-key", "fake-token-", "access_token=", "secret=", "secretcode"}, tokens...)
	for _, s := range forbidden {
		if strings.Contains(logs, s) {
			t.Errorf("the logs contain %q", s)
		}
	}
	if m := phoneRE.FindString(logs); m != "" {
		t.Errorf("the logs contain a phone number: %q", m)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	e := newEnv(t)
	e.Get("nothing-here", "").WantError(http.StatusNotFound, "not_found")
	e.Do(apitest.Req{Method: "PUT", Path: "/healthz"}).WantError(http.StatusMethodNotAllowed, "method_not_allowed")
	r := e.Get("/favicon.ico", "")
	if r.Code != http.StatusNotFound || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("unknown route: %d %q", r.Code, r.Header.Get("Content-Type"))
	}
}

// TestPanicIsJSON500 builds a router over no service at all, so the readiness check dereferences nil: the
// recovery middleware must answer the contract's 500 and log the request id.
func TestPanicIsJSON500(t *testing.T) {
	var logs bytes.Buffer
	h, err := api.New(api.Deps{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/readyz", nil)
	req.Header.Set("X-Request-ID", "req-panic-0001")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 500 || body.Error.Code != "internal" ||
		!strings.Contains(body.Error.Message, "req-panic-0001") {
		t.Fatalf("panic answer: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), `"panic"`) || !strings.Contains(logs.String(), "req-panic-0001") {
		t.Fatalf("panic not logged with its request id: %s", logs.String())
	}
	// The functions on the stack are named; no goroutine dump, file or line reaches the log.
	if l := logs.String(); strings.Contains(l, "goroutine ") || strings.Contains(l, ".go:") || !strings.Contains(l, "schoolcheck/api.") {
		t.Fatalf("panic log: %s", l)
	}
}

// Binding is limited per account as well as per address: one login cannot try phone codes without end, even
// from many addresses.
func TestBindRateLimitPerAccount(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.Login()
	bind := func(i int) *apitest.Response {
		return e.Do(apitest.Req{Method: "POST", Path: "auth/bind-phone", Token: tok, Body: map[string]string{"phone_code": "nope"},
			Headers: map[string]string{apitest.ClientIPHeader: fmt.Sprintf("198.18.0.%d", i+1)}})
	}
	for i := range api.BindPerAccount {
		if r := bind(i); r.Code != http.StatusUnauthorized {
			t.Fatalf("bind %d: %d %s", i+1, r.Code, r.Body)
		}
	}
	bind(api.BindPerAccount).WantError(http.StatusTooManyRequests, "rate_limited")
}
