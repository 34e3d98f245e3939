package console_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"schoolcheck/api/apitest"
	"schoolcheck/console"
	"schoolcheck/model"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

// browser is a console client over the real router with a cookie jar of its own (by name: the console's
// cookies have distinct names).
type browser struct {
	t       testing.TB
	h       http.Handler
	cookies map[string]*http.Cookie
	last    *httptest.ResponseRecorder
}

func newBrowser(t testing.TB, h http.Handler) *browser {
	return &browser{t: t, h: h, cookies: map[string]*http.Cookie{}}
}

func (b *browser) send(req *http.Request) *httptest.ResponseRecorder {
	b.t.Helper()
	req.RemoteAddr = "198.51.100.7:40000"
	for _, c := range b.cookies {
		if strings.HasPrefix(req.URL.Path, c.Path) {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, req)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	b.last = w
	return w
}

func (b *browser) get(path string) *httptest.ResponseRecorder {
	b.t.Helper()
	return b.send(httptest.NewRequest(http.MethodGet, path, nil))
}

func (b *browser) post(path string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(req)
}

func (b *browser) upload(path, csrf, filename string, data []byte) *httptest.ResponseRecorder {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.send(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of the page at path.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	w := b.get(path)
	m := csrfField.FindStringSubmatch(w.Body.String())
	if w.Code != http.StatusOK || m == nil {
		b.t.Fatalf("GET %s: %d, no csrf field: %s", path, w.Code, clip(w.Body.String()))
	}
	return m[1]
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// loginRequest opens the sign-in page and returns the login request's id (from the QR code's link, which
// the page does not print: the cookie carries it).
func (b *browser) loginRequest() string {
	b.t.Helper()
	w := b.get("/console/login")
	if w.Code != http.StatusOK {
		b.t.Fatalf("sign-in page: %d", w.Code)
	}
	ck := b.cookies[console.LoginCookie]
	if ck == nil {
		b.t.Fatal("no login cookie")
	}
	id, _, _ := strings.Cut(ck.Value, ".")
	return id
}

func (b *browser) poll() string {
	b.t.Helper()
	w := b.get("/console/login/poll")
	var out struct {
		State string `json:"state"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		b.t.Fatalf("poll: %d %s", w.Code, w.Body.String())
	}
	return out.State
}

// signIn signs the browser in as u by scanning: the page's request confirmed with u's token.
func signIn(t testing.TB, e *apitest.Env, u *apitest.User) *browser {
	t.Helper()
	b := newBrowser(t, e.Handler)
	id := b.loginRequest()
	e.Post("auth/console/confirm", u.Token, map[string]string{"id": id}).Want(http.StatusOK)
	if s := b.poll(); s != "confirmed" {
		t.Fatalf("poll after confirm: %s", s)
	}
	return b
}

func TestScanToLogin(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	b := newBrowser(t, e.Handler)
	if w := b.get("/console/"); w.Code != http.StatusFound || w.Header().Get("Location") != "/console/login" {
		t.Fatalf("signed out: %d %s", w.Code, w.Header().Get("Location"))
	}
	id := b.loginRequest()
	if s := b.poll(); s != "pending" {
		t.Fatalf("before confirming: %s", s)
	}
	// The mini-program shows who is asking from where, then confirms.
	q := e.Get("auth/console/requests/"+id, sc.Principal.Token).Want(http.StatusOK).Map()
	if q["ip"] != "198.51.100.7" || q["membership"] != "school:"+sc.ID || q["user_agent"] == nil {
		t.Fatalf("request: %v", q)
	}
	r := e.Post("auth/console/confirm", sc.Principal.Token, map[string]string{"id": id}).Want(http.StatusOK).Map()
	if r["ip"] != "198.51.100.7" || r["membership"] != "school:"+sc.ID {
		t.Fatalf("confirmation: %v", r)
	}
	t.Run("confirmed twice", func(t *testing.T) {
		e.For(t).Post("auth/console/confirm", sc.Principal.Token, map[string]string{"id": id}).WantError(http.StatusConflict, "login_used")
		e.For(t).Get("auth/console/requests/"+id, sc.Principal.Token).WantError(http.StatusConflict, "login_used")
	})
	saved := *b.cookies[console.LoginCookie]
	if s := b.poll(); s != "confirmed" {
		t.Fatalf("after confirming: %s", s)
	}
	ck := b.cookies[console.SessionCookie]
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure || ck.Path != "/console/" {
		t.Fatalf("session cookie: %+v", ck)
	}
	if b.cookies[console.LoginCookie] != nil {
		t.Fatal("the login cookie outlived its use")
	}
	if w := b.get("/console/"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), sc.Principal.Name) {
		t.Fatalf("signed in: %d %s", w.Code, clip(w.Body.String()))
	}
	t.Run("claimed once", func(t *testing.T) {
		// The login cookie's value kept: the claimed request gives no second session.
		again := newBrowser(t, e.Handler)
		again.cookies[console.LoginCookie] = &saved
		if s := again.poll(); s != "expired" {
			t.Fatalf("second poll: %s", s)
		}
		if again.cookies[console.SessionCookie] != nil {
			t.Fatal("a second session")
		}
	})
	t.Run("another browser's poll", func(t *testing.T) {
		thief := newBrowser(t, e.Handler)
		thief.loginRequest()
		mine := newBrowser(t, e.Handler)
		id := mine.loginRequest()
		// The thief knows the id (it is in the QR code) but not the poll secret.
		thief.cookies[console.LoginCookie].Value = id + ".00"
		e.For(t).Post("auth/console/confirm", sc.Principal.Token, map[string]string{"id": id}).Want(http.StatusOK)
		if s := thief.poll(); s != "expired" {
			t.Fatalf("thief's poll: %s", s)
		}
		if s := mine.poll(); s != "confirmed" {
			t.Fatalf("own poll: %s", s)
		}
	})
	t.Run("logout", func(t *testing.T) {
		csrf := b.csrf("/console/")
		if w := b.post("/console/logout", url.Values{"csrf": {csrf}}); w.Code != http.StatusSeeOther {
			t.Fatalf("logout: %d", w.Code)
		}
		if w := b.get("/console/staff"); w.Code != http.StatusFound {
			t.Fatalf("after logout: %d", w.Code)
		}
	})
}

func TestScanToLoginRefusals(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	t.Run("expired", func(t *testing.T) {
		e := e.For(t)
		b := newBrowser(t, e.Handler)
		id := b.loginRequest()
		e.Get("auth/console/requests/"+id, sc.Principal.Token).Want(http.StatusOK)
		e.Clock.Advance(2*time.Minute + time.Second)
		e.Get("auth/console/requests/"+id, sc.Principal.Token).WantError(http.StatusNotFound, "login_expired")
		e.Post("auth/console/confirm", sc.Principal.Token, map[string]string{"id": id}).WantError(http.StatusNotFound, "login_expired")
		if s := b.poll(); s != "expired" {
			t.Fatalf("poll: %s", s)
		}
	})
	t.Run("confirmed, then expired before the poll", func(t *testing.T) {
		e := e.For(t)
		b := newBrowser(t, e.Handler)
		id := b.loginRequest()
		e.Post("auth/console/confirm", sc.Principal.Token, map[string]string{"id": id}).Want(http.StatusOK)
		e.Clock.Advance(2*time.Minute + time.Second)
		if s := b.poll(); s != "expired" {
			t.Fatalf("poll: %s", s)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		e.For(t).Post("auth/console/confirm", sc.Principal.Token, map[string]string{"id": "nope"}).WantError(http.StatusNotFound, "login_expired")
	})
	t.Run("unbound account", func(t *testing.T) {
		e := e.For(t)
		b := newBrowser(t, e.Handler)
		id := b.loginRequest()
		tok, _ := e.Login()
		e.Post("auth/console/confirm", tok, map[string]string{"id": id}).WantError(http.StatusForbidden, "not_bound")
		if s := b.poll(); s != "pending" {
			t.Fatalf("poll: %s", s)
		}
	})
	t.Run("parent", func(t *testing.T) {
		e := e.For(t)
		b := newBrowser(t, e.Handler)
		id := b.loginRequest()
		parent := sc.For(t).Parent(sc.For(t).Class(nil))
		e.Post("auth/console/confirm", parent.Token, map[string]string{"id": id}).WantError(http.StatusForbidden, "forbidden")
	})
	t.Run("no token", func(t *testing.T) {
		e.For(t).Post("auth/console/confirm", "", map[string]string{"id": "x"}).WantError(http.StatusUnauthorized, "unauthenticated")
	})
	t.Run("dev login off", func(t *testing.T) {
		b := newBrowser(t, e.Handler)
		b.loginRequest()
		if w := b.post("/console/login/dev", url.Values{"phone": {sc.Principal.Phone}}); w.Code != http.StatusNotFound {
			t.Fatalf("dev login without wechat.dev_login: %d", w.Code)
		}
		if strings.Contains(b.get("/console/login").Body.String(), "开发登录") {
			t.Fatal("the sign-in page offers dev login")
		}
	})
	t.Run("removed from the roster", func(t *testing.T) {
		e := e.For(t)
		teacher := sc.For(t).Teacher("将停用")
		b := signIn(t, e, teacher)
		if w := b.get("/console/"); w.Code != http.StatusOK {
			t.Fatalf("signed in: %d", w.Code)
		}
		e.Delete("staff/"+teacher.ID, sc.Principal.Token).Want(http.StatusNoContent)
		if w := b.get("/console/"); w.Code != http.StatusFound {
			t.Fatalf("after removal: %d", w.Code)
		}
	})
}

func TestCSRF(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	b := signIn(t, e, sc.Principal)
	csrf := b.csrf("/console/staff")
	before := e.Count("staff", sc.ID)
	form := func(token string) url.Values {
		v := url.Values{"name": {"新老师"}, "phone": {apitest.Phone()}, "roles": {"teacher"}}
		if token != "" {
			v.Set("csrf", token)
		}
		return v
	}
	wrong := "0" + csrf[1:] // another first character than the token's own
	if csrf[0] == '0' {
		wrong = "1" + csrf[1:]
	}
	for _, tc := range []struct{ name, token string }{{"missing", ""}, {"wrong", wrong}} {
		t.Run(tc.name, func(t *testing.T) {
			w := b.post("/console/staff", form(tc.token))
			if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "CSRF") {
				t.Fatalf("%d %s", w.Code, clip(w.Body.String()))
			}
		})
	}
	t.Run("another session's", func(t *testing.T) {
		other := signIn(t, e.For(t), sc.Principal)
		if w := other.post("/console/staff", form(csrf)); w.Code != http.StatusForbidden {
			t.Fatalf("%d", w.Code)
		}
	})
	t.Run("upload without", func(t *testing.T) {
		if w := b.upload("/console/staff/import", "", "roster.csv", []byte("姓名,手机号,角色\n甲,"+apitest.Phone()+",教师\n")); w.Code != http.StatusForbidden {
			t.Fatalf("%d", w.Code)
		}
	})
	t.Run("dev login without", func(t *testing.T) {
		c := newBrowser(t, e.Handler)
		c.loginRequest()
		if w := c.post("/console/login/dev", url.Values{"phone": {sc.Principal.Phone}}); w.Code == http.StatusSeeOther {
			t.Fatal("dev login accepted a form without its token")
		}
	})
	if n := e.Count("staff", sc.ID); n != before {
		t.Fatalf("a refused form changed the roster: %d → %d", before, n)
	}
	if w := b.post("/console/staff", form(csrf)); w.Code != http.StatusSeeOther {
		t.Fatalf("with the token: %d %s", w.Code, clip(w.Body.String()))
	}
	if n := e.Count("staff", sc.ID); n != before+1 {
		t.Fatalf("roster %d → %d", before, n)
	}
}

// TestOtherSchool: a principal's session reaches only its own school, as its token does.
func TestOtherSchool(t *testing.T) {
	e := apitest.New(t)
	a, other := e.School(), e.School()
	theirs := other.Teacher("别校老师")
	b := signIn(t, e, a.Principal)
	csrf := b.csrf("/console/staff")
	for _, tc := range []struct {
		name   string
		do     func() *httptest.ResponseRecorder
		status int
	}{
		{"their staff member", func() *httptest.ResponseRecorder { return b.get("/console/staff/" + theirs.ID) }, http.StatusNotFound},
		{"editing them", func() *httptest.ResponseRecorder {
			return b.post("/console/staff/"+theirs.ID, url.Values{"csrf": {csrf}, "name": {"改"}, "phone": {theirs.Phone}, "roles": {"teacher"}})
		}, http.StatusNotFound},
		{"deactivating them", func() *httptest.ResponseRecorder {
			return b.post("/console/staff/"+theirs.ID+"/deactivate", url.Values{"csrf": {csrf}})
		}, http.StatusNotFound},
		{"their workbook", func() *httptest.ResponseRecorder {
			return b.get("/console/reports/meals.xlsx?month=2026-11&school_id=" + other.ID)
		}, http.StatusNotFound},
		{"a school's page", func() *httptest.ResponseRecorder { return b.get("/console/schools/" + other.ID) }, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.Snapshot(other.ID)
			if w := tc.do(); w.Code != tc.status {
				t.Fatalf("%d, want %d: %s", w.Code, tc.status, clip(w.Body.String()))
			}
			if diff := e.Snapshot(other.ID).Diff(before); diff != "" {
				t.Fatalf("changed the other school: %s", diff)
			}
		})
	}
	// The API answers the principal's token the same.
	e.Get("reports/meals?month=2026-11&format=xlsx&school_id="+other.ID, a.Principal.Token).WantError(http.StatusNotFound, "not_found")
	e.Get("staff/"+theirs.ID, a.Principal.Token).WantError(http.StatusNotFound, "not_found")
	if w := b.get("/console/reports/meals.xlsx?month=2026-11"); w.Code != http.StatusOK ||
		w.Header().Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("own workbook: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
}

// TestStrictCSP: every page, signed in or not, error pages included, sends the strict policy; no page
// has an inline script or style.
func TestStrictCSP(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	b := signIn(t, e, sc.Principal)
	// An inline script (a JSON data block is not one: the browser never runs it), style, or handler.
	inline := regexp.MustCompile(`<script>|<script (?:[^>t]|t[^y])*>[^<]|<style|style="| on[a-z]+="`)
	for _, path := range []string{"/console/login", "/console/", "/console/staff", "/console/staff/" + sc.Principal.ID,
		"/console/classes", "/console/settings", "/console/calendar", "/console/displays", "/console/reports",
		"/console/findings", "/console/region", "/console/nope", "/console/static/login.js"} {
		t.Run(path, func(t *testing.T) {
			w := b.get(path)
			if got := w.Header().Get("Content-Security-Policy"); got != console.CSP {
				t.Fatalf("%d: CSP %q", w.Code, got)
			}
			for _, p := range []string{"script-src 'self'", "default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
				if !strings.Contains(console.CSP, p) {
					t.Fatalf("the policy lacks %s", p)
				}
			}
			if strings.Contains(console.CSP, "unsafe-") {
				t.Fatal("the policy allows unsafe-*")
			}
			if w.Header().Get("X-Frame-Options") != "DENY" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("headers %v", w.Header())
			}
			if strings.HasSuffix(path, ".js") {
				return
			}
			if loc := inline.FindString(w.Body.String()); loc != "" {
				t.Fatalf("inline script or style: %q", loc)
			}
		})
	}
}

// TestSecureCookieBehindHTTPS: with an https public URL, the session and login cookies are Secure.
func TestSecureCookieBehindHTTPS(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	c, err := console.New(console.Deps{Auth: e.App.Auth, School: e.App.School, Attendance: e.App.Attendance,
		Meals: e.App.Meals, Phones: e.App.Phones, Observations: e.App.Observations, PublicURL: "https://sc.example.cn"})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, c)
	id := b.loginRequest()
	if ck := b.cookies[console.LoginCookie]; !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
		t.Fatalf("login cookie %+v", ck)
	}
	if !strings.Contains(b.last.Body.String(), "data:image/png;base64,") {
		t.Fatal("no QR code")
	}
	e.Post("auth/console/confirm", sc.Principal.Token, map[string]string{"id": id}).Want(http.StatusOK)
	if s := b.poll(); s != "confirmed" {
		t.Fatalf("poll %s", s)
	}
	if ck := b.cookies[console.SessionCookie]; !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.MaxAge < 60 {
		t.Fatalf("session cookie %+v", ck)
	}
}

// TestConsolePurge: a day on, the scheduler forgets login requests and sessions that are over.
func TestConsolePurge(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	b := signIn(t, e, sc.Principal)
	pending := newBrowser(t, e.Handler)
	id := pending.loginRequest()
	var row model.ConsoleLogin
	if err := e.DB.Where("id = ?", id).Take(&row).Error; err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(27 * time.Hour)
	if err := e.RunJobs(); err != nil {
		t.Fatal(err)
	}
	if err := e.DB.Where("id = ?", id).Take(&row).Error; !model.IsNotFound(err) {
		t.Fatalf("the login request is still there: %v", err)
	}
	var sessions int64
	if err := e.DB.Model(&model.ConsoleSession{}).Where("token_hash <> ''").Where("expires_at < ?", e.Clock.Now().Add(-24*time.Hour)).
		Count(&sessions).Error; err != nil || sessions != 0 {
		t.Fatalf("expired sessions left: %d %v", sessions, err)
	}
	if w := b.get("/console/"); w.Code != http.StatusFound {
		t.Fatalf("an expired session: %d", w.Code)
	}
}

// TestInspectorPagesScope: the inspection pages answer as the inspections API does — an inspector of
// another region, or another school's principal, reaches none of school A's; only inspectors verify and
// only the school answers; a refused form changes nothing.
func TestInspectorPagesScope(t *testing.T) {
	e := apitest.New(t)
	w := apitest.NewWorld(e)
	a := w.A
	f := e.Post("inspections/findings", w.Inspector.Token, map[string]any{"school_id": a.ID, "module": "meals",
		"title": "陪餐记录缺照片", "due": "2026-12-10"}).Want(http.StatusCreated).Str("id")
	far := signIn(t, e, w.FarInspector)
	other := signIn(t, e, w.B.Principal)
	mine := signIn(t, e, w.Inspector)
	teacher := signIn(t, e, w.Teacher)
	principal := signIn(t, e, a.Principal)
	month := apitest.DefaultNow.Format("2006-01")
	cases := []struct {
		name   string
		b      *browser
		method string
		path   string
		form   url.Values
		status int
	}{
		{"far inspector, school page", far, "GET", "/console/schools/" + a.ID, nil, http.StatusNotFound},
		{"far inspector, finding", far, "GET", "/console/findings/" + f, nil, http.StatusNotFound},
		{"far inspector, evidence", far, "GET", "/console/evidence?school_id=" + a.ID + "&from=2026-11-01&to=2026-11-30", nil, http.StatusNotFound},
		{"far inspector, findings of the school", far, "GET", "/console/findings?school_id=" + a.ID, nil, http.StatusNotFound},
		{"far inspector, the region", far, "GET", "/console/region?month=" + month + "&region_id=" + regionOf(t, e, a.ID), nil, http.StatusNotFound},
		{"far inspector, the region's trend", far, "GET", "/console/region/trend?month=" + month + "&region_id=" + regionOf(t, e, a.ID), nil, http.StatusNotFound},
		{"far inspector, verify", far, "POST", "/console/findings/" + f + "/verify", url.Values{"accept": {"true"}}, http.StatusNotFound},
		{"far inspector, record for the school", far, "POST", "/console/findings", url.Values{"school_id": {a.ID}, "module": {"meals"},
			"title": {"x"}, "due": {"2026-12-10"}}, http.StatusNotFound},
		{"other principal, finding", other, "GET", "/console/findings/" + f, nil, http.StatusNotFound},
		{"other principal, answer", other, "POST", "/console/findings/" + f + "/respond", url.Values{"content": {"已整改"}}, http.StatusNotFound},
		{"other principal, evidence", other, "GET", "/console/evidence?school_id=" + a.ID + "&from=2026-11-01&to=2026-11-30", nil, http.StatusNotFound},
		{"teacher, findings", teacher, "GET", "/console/findings", nil, http.StatusForbidden},
		{"teacher, overview", teacher, "GET", "/console/region?month=" + month, nil, http.StatusForbidden},
		{"principal, verify", principal, "POST", "/console/findings/" + f + "/verify", url.Values{"accept": {"true"}}, http.StatusForbidden},
		{"principal, record", principal, "POST", "/console/findings", url.Values{"school_id": {a.ID}, "module": {"meals"},
			"title": {"x"}, "due": {"2026-12-10"}}, http.StatusForbidden},
		{"inspector, answer", mine, "POST", "/console/findings/" + f + "/respond", url.Values{"content": {"代答"}}, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.Snapshot(a.ID)
			var res *httptest.ResponseRecorder
			if tc.method == "GET" {
				res = tc.b.get(tc.path)
			} else {
				tc.form.Set("csrf", tc.b.csrf("/console/"))
				res = tc.b.post(tc.path, tc.form)
			}
			if res.Code != tc.status {
				t.Fatalf("%d, want %d: %s", res.Code, tc.status, clip(res.Body.String()))
			}
			if diff := e.Snapshot(a.ID).Diff(before); diff != "" {
				t.Fatalf("a refused page changed school A: %s", diff)
			}
		})
	}
	// A finding's photos show as links (an object store's URL may be another origin, which img-src refuses).
	var img bytes.Buffer
	if err := jpeg.Encode(&img, image.NewRGBA(image.Rect(0, 0, 64, 48)), nil); err != nil {
		t.Fatal(err)
	}
	photo := e.Upload("photos", w.Inspector.Token, "file", "p.jpg", img.Bytes(), map[string]string{"purpose": "finding",
		"school_id": a.ID}, nil).Want(http.StatusCreated).Str("id")
	withPhoto := e.Post("inspections/findings", w.Inspector.Token, map[string]any{"school_id": a.ID, "module": "phones",
		"title": "手机柜未上锁", "due": "2026-12-10", "photo_ids": []string{photo}}).Want(http.StatusCreated).Str("id")
	if page := principal.get("/console/findings/" + withPhoto).Body.String(); !strings.Contains(page, "照片 1</a>") ||
		!strings.Contains(page, `rel="noopener noreferrer"`) {
		t.Fatalf("the finding's photo is not linked: %s", clip(page))
	}
	// The region's own inspector reads all of it, and the evidence pack is a workbook.
	for _, path := range []string{"/console/schools/" + a.ID + "?month=" + month, "/console/findings/" + f,
		"/console/region?month=" + month, "/console/findings?school_id=" + a.ID} {
		if res := mine.get(path); res.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, res.Code, clip(res.Body.String()))
		}
	}
	var trend struct {
		Months     []string  `json:"months"`
		Attendance []float64 `json:"attendance"`
	}
	res := mine.get("/console/region/trend?month=" + month)
	if err := json.Unmarshal(res.Body.Bytes(), &trend); err != nil || res.Code != http.StatusOK || len(trend.Months) != 6 ||
		trend.Months[5] != month || len(trend.Attendance) != 6 {
		t.Fatalf("trend: %d %s", res.Code, clip(res.Body.String()))
	}
	res = mine.get("/console/evidence?school_id=" + a.ID + "&from=2026-11-01&to=2026-11-30")
	if res.Code != http.StatusOK || !strings.HasPrefix(res.Body.String(), "PK") ||
		!strings.Contains(res.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("evidence pack: %d %v", res.Code, res.Header())
	}
}

// regionOf is a school's region id.
func regionOf(t *testing.T, e *apitest.Env, schoolID string) string {
	t.Helper()
	var sc model.School
	if err := e.DB.Where("id = ?", schoolID).Take(&sc).Error; err != nil {
		t.Fatal(err)
	}
	return sc.RegionID
}
