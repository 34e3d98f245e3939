package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"time"

	"schoolcheck/api"
	"schoolcheck/service"
	"schoolcheck/service/auth"
)

// LoginLink is what the console's QR code encodes: <public_url>/q/login/<id>, which WeChat's scanner opens
// in the mini-program's confirmation page (and any other scanner in the landing page of /q/login/).
func LoginLink(publicURL, id string) string {
	return strings.TrimRight(publicURL, "/") + "/q/login/" + id
}

// loginData fills the sign-in page.
type loginData struct {
	Image     template.URL
	Link      string
	ExpiresAt string
	LoginCSRF string
	Phone     string
}

// loginCSRF is the CSRF token of the sign-in page's own form (the dev login): derived from the login
// request's poll secret, which only this browser's cookie holds.
func loginCSRF(poll string) string {
	sum := sha256.Sum256([]byte("schoolcheck-console-login-csrf\x00" + poll))
	return hex.EncodeToString(sum[:16])
}

// loginCookie is "<id>.<poll>"; splitLogin reads it back.
func splitLogin(r *http.Request) (id, poll string, ok bool) {
	ck, err := r.Cookie(LoginCookie)
	if err != nil {
		return "", "", false
	}
	return strings.Cut(ck.Value, ".")
}

// loginPage serves GET /console/login: a new login request and its QR code; the page's script polls.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	c.showLogin(w, r, "", nil)
}

func (c *Console) showLogin(w http.ResponseWriter, r *http.Request, phone string, failed error) {
	lr, err := c.d.Auth.StartConsoleLogin(r.Context(), api.ClientIP(r), r.UserAgent())
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	link := LoginLink(c.d.PublicURL, lr.ID)
	img, err := api.QRImage(link)
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	c.setCookie(w, LoginCookie, lr.ID+"."+lr.Poll, "/console/login", lr.ExpiresAt)
	v := view{Title: "扫码登录", DevForm: c.d.DevLogin, Data: loginData{Image: img, Link: link,
		ExpiresAt: lr.ExpiresAt.Format(time.RFC3339), LoginCSRF: loginCSRF(lr.Poll), Phone: phone}}
	status := http.StatusOK
	if failed != nil {
		ans := c.describe(r, failed)
		v.Error, status = &ans, ans.Status
	}
	c.render(w, status, "login", v)
}

// pollLogin serves GET /console/login/poll, what the sign-in page's script asks every two seconds:
// {"state": "pending"|"expired"|"confirmed"}; on "confirmed" the answer sets the session cookie.
func (c *Console) pollLogin(w http.ResponseWriter, r *http.Request) {
	state := auth.ConsoleState{State: "expired"}
	if id, poll, ok := splitLogin(r); ok {
		var err error
		if state, err = c.d.Auth.PollConsoleLogin(r.Context(), id, poll); err != nil {
			ans := c.describe(r, err)
			writeJSON(w, ans.Status, map[string]any{"state": "error", "message": ans.Message})
			return
		}
	}
	if state.Session != nil {
		c.signIn(w, *state.Session)
	}
	writeJSON(w, http.StatusOK, map[string]any{"state": state.State})
}

// signIn sets the session cookie and forgets the login request.
func (c *Console) signIn(w http.ResponseWriter, s auth.ConsoleSession) {
	c.setCookie(w, SessionCookie, s.Token, "/console/", s.ExpiresAt)
	c.clearCookie(w, LoginCookie, "/console/login")
}

// devLogin serves POST /console/login/dev: only with dev login on (wechat.dev_login), a staff member or
// inspector signs in by their roster phone, through the same Login and BindPhone as the mini-program's
// dev codes, then a console session for the membership that gives.
func (c *Console) devLogin(w http.ResponseWriter, r *http.Request) {
	if !c.d.DevLogin {
		c.fail(w, r, nil, service.NotFound("页面"))
		return
	}
	_, poll, ok := splitLogin(r)
	if !ok || subtle.ConstantTimeCompare([]byte(r.FormValue("csrf")), []byte(loginCSRF(poll))) != 1 {
		c.fail(w, r, nil, service.ForbiddenBecause("页面已过期（缺少或错误的 CSRF 令牌），请刷新后重试"))
		return
	}
	phone := strings.TrimSpace(r.FormValue("phone"))
	if phone == "" {
		c.showLogin(w, r, phone, service.Invalid{"phone": "请输入花名册中的手机号"}.Err())
		return
	}
	ctx := r.Context()
	sess, err := c.d.Auth.Login(ctx, "dev:console-"+phone)
	if err == nil && !sess.Bound {
		var a *service.Actor
		if a, err = c.d.Auth.Authenticate(ctx, sess.Token); err == nil {
			sess, err = c.d.Auth.BindPhone(ctx, a, auth.BindInput{PhoneCode: "dev:" + phone})
		}
	}
	var a *service.Actor
	if err == nil {
		a, err = c.d.Auth.Authenticate(ctx, sess.Token)
	}
	var cs auth.ConsoleSession
	if err == nil {
		cs, err = c.d.Auth.StartConsoleSession(ctx, a)
	}
	if err != nil {
		c.showLogin(w, r, phone, err)
		return
	}
	c.signIn(w, cs)
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

// logout serves POST /console/logout.
func (c *Console) logout(w http.ResponseWriter, r *request) error {
	if ck, err := r.Cookie(SessionCookie); err == nil {
		if err := c.d.Auth.EndConsoleSession(r.ctx(), ck.Value); err != nil {
			return err
		}
	}
	c.clearCookie(w, SessionCookie, "/console/")
	http.Redirect(w, r.Request, "/console/login", http.StatusSeeOther)
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
