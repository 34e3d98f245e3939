package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

// consoleRoutes: the mini-program's side of the web console's sign-in by scanning (the console itself, its
// pages under /console/, is the console package, mounted by New).
func (s *server) consoleRoutes(r *gin.Engine) func(open, login, bound *gin.RouterGroup) {
	return func(_, _, bound *gin.RouterGroup) {
		limit := s.rateLimit("console-confirm", 60, 20, time.Minute)
		bound.GET("/auth/console/requests/:id", limit, s.handle(s.consoleRequest))
		bound.POST("/auth/console/confirm", limit, s.handle(s.confirmConsole))
		r.GET("/q/login/:id", s.rateLimit("display", 120, 0, time.Minute), s.consoleLoginLanding)
	}
}

func (s *server) consoleRequest(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.auth.ConsoleLoginRequest(c.Request.Context(), actorOf(c), c.Param("id")))
}

func (s *server) confirmConsole(c *gin.Context) error {
	var in struct {
		ID string `json:"id"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.auth.ConfirmConsoleLogin(c.Request.Context(), actorOf(c), in.ID))
}

// consoleLoginLandingHTML is what a browser shows for the console's QR code link when it was scanned with
// something other than WeChat (whose scanner opens the mini-program's confirmation page instead).
const consoleLoginLandingHTML = `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>扫码登录管理后台</title></head>
<body style="font-family: sans-serif; text-align: center; padding: 20vh 6vw; font-size: 20px; line-height: 1.6">
<p><b>请用微信“扫一扫”扫描电脑上的登录二维码</b></p>
<p>微信会打开小程序，确认后电脑端即可登录管理后台。用其他应用扫码无法登录。</p>
</body></html>`

// consoleLoginLanding serves GET /q/login/:id, the link the console's QR code encodes, for a scanner other
// than WeChat's. The request id is not shown.
func (s *server) consoleLoginLanding(c *gin.Context) {
	landingPage(c, consoleLoginLandingHTML)
}

// mountConsole serves the web console's pages under /console/. They are HTML, not the API, so they are
// outside api/openapi.yaml; the console calls the same services with the same Actor as the handlers here.
func (s *server) mountConsole(r *gin.Engine, h http.Handler) {
	limit := s.rateLimit("console", 600, 0, time.Minute)
	r.GET("/console", func(c *gin.Context) { c.Redirect(http.StatusFound, "/console/") })
	serve := func(c *gin.Context) {
		h.ServeHTTP(c.Writer, c.Request.WithContext(context.WithValue(c.Request.Context(), clientIPKey{}, c.ClientIP())))
	}
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		r.Handle(m, "/console/*path", limit, serve)
	}
	// The largest file a console form takes (a staff import, a finding's photo) in its form.
	s.bodyLimit("/console/*path", max(school.MaxImportBytes, photos.MaxPhotoBytes)+64<<10)
}

type clientIPKey struct{}

// ClientIP is the address a console request came from, read through the trusted proxies as the API reads it.
func ClientIP(r *http.Request) string {
	ip, _ := r.Context().Value(clientIPKey{}).(string)
	return ip
}
