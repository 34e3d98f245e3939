// Package console is the web console at /console/: server-rendered pages (html/template, embedded) for
// principals and inspectors at their desks, signed in by scanning a QR code with the mini-program
// (service/auth's console login). Every page calls the same service functions as the API's handlers, with
// the same service.Actor — resolved from the console session's cookie by auth.AuthenticateConsole exactly
// as api's middleware resolves a token — and shows the contract's Chinese error messages (api.Describe).
// Pages carry a strict Content-Security-Policy: no inline script or style, scripts only from
// /console/static/; every POST carries the session's CSRF token.
package console

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"schoolcheck/api"
	"schoolcheck/service"
	"schoolcheck/service/attendance"
	"schoolcheck/service/auth"
	"schoolcheck/service/inspections"
	"schoolcheck/service/meals"
	"schoolcheck/service/observations"
	"schoolcheck/service/phones"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// CSP is every console page's Content-Security-Policy: scripts, styles and connections only from this
// origin, images from it or data: URLs (the QR code), no frames, no plugins, forms posted only here.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Cookie names: the session, and the login request a browser is waiting on.
const (
	SessionCookie = "sc_console"
	LoginCookie   = "sc_console_login"
)

// Deps are the services the pages call (the same the API's handlers call) and the settings they need.
type Deps struct {
	Auth         *auth.Service
	School       *school.Service
	Attendance   *attendance.Service
	Meals        *meals.Service
	Phones       *phones.Service
	Observations *observations.Service
	Inspections  *inspections.Service
	Photos       *photos.Service
	Logger       *slog.Logger
	// PublicURL is how clients reach the server: the QR code's link, and whether cookies are Secure.
	PublicURL string
	// DevLogin shows the dev sign-in by phone (wechat.dev_login, the embedded default), which logs in
	// through auth.Login and auth.BindPhone with dev codes as the mini-program would.
	DevLogin bool
}

// Console serves the pages.
type Console struct {
	d      Deps
	mux    *http.ServeMux
	pages  map[string]*template.Template
	secure bool
}

// New builds the console's handler, to be mounted at /console/.
func New(d Deps) (*Console, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	c := &Console{d: d, mux: http.NewServeMux(), pages: map[string]*template.Template{},
		secure: strings.HasPrefix(strings.ToLower(d.PublicURL), "https://")}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, err
		}
		c.pages[base] = t
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	c.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", staticHandler(static)))
	c.routes()
	return c, nil
}

// staticHandler serves the embedded scripts and styles, cached for a day.
func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

// ServeHTTP serves a console request with the security headers of every page.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if !strings.HasPrefix(r.URL.Path, "/console/static/") {
		h.Set("Cache-Control", "no-store")
	}
	c.mux.ServeHTTP(w, r)
}

// request is one signed-in request: the actor and the session's CSRF token.
type request struct {
	*http.Request
	A    *service.Actor
	CSRF string
}

func (r *request) ctx() context.Context { return r.Context() }

// page is a handler of a signed-in page; it returns an error to show, in the contract's words.
type page func(w http.ResponseWriter, r *request) error

// signedIn resolves the session cookie into the actor (as api's authenticate does a token) and, for a
// POST, checks the form's CSRF token against the session's; without a session a page goes to sign in.
func (c *Console) signedIn(h page) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(SessionCookie)
		var a *service.Actor
		var csrf string
		if err == nil {
			a, csrf, err = c.d.Auth.AuthenticateConsole(r.Context(), ck.Value)
		}
		if err != nil {
			if errors.Is(err, service.ErrUnauthenticated) || errors.Is(err, http.ErrNoCookie) {
				c.clearCookie(w, SessionCookie, "/console/")
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/console/login", http.StatusFound)
					return
				}
			}
			c.fail(w, r, nil, err)
			return
		}
		req := &request{Request: r, A: a, CSRF: csrf}
		if r.Method == http.MethodPost && !validCSRF(r, csrf) {
			c.fail(w, r, req, service.ForbiddenBecause("页面已过期（缺少或错误的 CSRF 令牌），请刷新后重试"))
			return
		}
		if err := h(w, req); err != nil {
			c.fail(w, r, req, err)
		}
	}
}

// validCSRF compares the form's csrf field with the session's. FormValue parses a multipart form too (the
// router has bounded its body already).
func validCSRF(r *http.Request, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(r.FormValue("csrf")), []byte(want)) == 1
}

// view is what every page's template gets.
type view struct {
	Title   string
	A       *service.Actor
	CSRF    string
	Flash   string
	Error   *api.ErrorAnswer
	Data    any
	DevForm bool
}

// render writes a page with status.
func (c *Console) render(w http.ResponseWriter, status int, name string, v view) {
	t, ok := c.pages[name]
	if !ok {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		c.d.Logger.Error("console: render", "page", name, "error", err)
		http.Error(w, "服务器内部错误，请稍后重试", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// show renders a signed-in page, with the error of a failed action (in the contract's words) when err is
// not nil: the page the form was on, shown again with the message and the fields at fault.
func (c *Console) show(w http.ResponseWriter, r *request, name, title string, data any, flash string, err error) {
	v := view{Title: title, A: r.A, CSRF: r.CSRF, Data: data, Flash: flash}
	status := http.StatusOK
	if err != nil {
		ans := c.describe(r.Request, err)
		v.Error, status = &ans, ans.Status
	}
	c.render(w, status, name, v)
}

// describe is api.Describe with the log line the API writes for a 5xx.
func (c *Console) describe(r *http.Request, err error) api.ErrorAnswer {
	ans := api.Describe(err, r.Header.Get("X-Request-ID"))
	if ans.Status >= 500 {
		c.d.Logger.WarnContext(r.Context(), "console error", "path", r.URL.Path, "error", err)
	}
	return ans
}

// fail shows the error page (a 403 for another school's record, a 404, a 503 with Retry-After…).
func (c *Console) fail(w http.ResponseWriter, r *http.Request, req *request, err error) {
	ans := c.describe(r, err)
	if ans.RetryAfter > 0 {
		w.Header().Set("Retry-After", itoa(ans.RetryAfter))
	}
	v := view{Title: "出错了", Error: &ans}
	if req != nil {
		v.A, v.CSRF = req.A, req.CSRF
	}
	c.render(w, ans.Status, "error", v)
}

// redirect answers a successful POST with a 303 to a page, carrying a short notice.
func redirect(w http.ResponseWriter, r *request, path, flash string) {
	if flash != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "ok=" + url.QueryEscape(flash)
	}
	http.Redirect(w, r.Request, path, http.StatusSeeOther)
}

// setCookie writes one of the console's cookies: HttpOnly, SameSite=Strict, Secure behind https.
// The cookie lasts until expires by the service's clock (the server checks it again on every request).
func (c *Console) setCookie(w http.ResponseWriter, name, value, path string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path,
		MaxAge: max(1, int(expires.Sub(c.d.Auth.Now()).Seconds())), HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode})
}

func (c *Console) clearCookie(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1, HttpOnly: true, Secure: c.secure,
		SameSite: http.SameSiteStrictMode})
}
