package api

import (
	"bytes"
	"crypto/rand"
	_ "embed" // the office display page template
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	qrcode "github.com/skip2/go-qrcode"

	"schoolcheck/service"
	"schoolcheck/service/attendance"
)

//go:embed attendance_display.html
var displayHTML string

// displayTmpl is parsed once at start; a template error is a programming error caught by the tests.
var displayTmpl = template.Must(template.New("display").Parse(displayHTML))

// displayPageData fills the office display page.
type displayPageData struct {
	Gone         bool
	School, Name string
	Clock, Date  string
	Image        template.URL // data: URL of the QR code PNG
	ExpiresAt    string
	NowMs        int64
	OffsetMin    int
	Nonce        string
}

// QRImage renders what a QR code encodes as a PNG data URL, server-side so the office PC (and the web
// console's sign-in page) needs no library.
func QRImage(content string) (template.URL, error) {
	png, err := qrcode.Encode(content, qrcode.Medium, 480)
	if err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), nil
}

var weekdaysCN = [...]string{"日", "一", "二", "三", "四", "五", "六"}

// displayPage serves GET /display/:token: a full-screen page for the office PC with the school's rotating QR
// code, a big clock, and a script that fetches a fresh code every 15 s (a <noscript> refresh otherwise).
// The link's secret token is the only credential; an unknown or revoked one is a 404 page.
func (s *server) displayPage(c *gin.Context) {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	data := displayPageData{Nonce: base64.StdEncoding.EncodeToString(nonce)}
	status := http.StatusOK
	view, err := s.attendance.DisplayQR(c.Request.Context(), c.Param("token"))
	switch {
	case errors.Is(err, service.ErrNotFound):
		data.Gone, status = true, http.StatusNotFound
	case err != nil:
		s.writeError(c, err)
		return
	default:
		img, err := QRImage(attendance.QRLink(s.publicURL, view.QR.Token))
		if err != nil {
			s.writeError(c, err)
			return
		}
		_, off := view.Now.Zone()
		data.School, data.Name, data.Image, data.OffsetMin = view.School, view.Name, img, off/60
		data.Clock = view.Now.Format("15:04:05")
		data.Date = view.Now.Format("2006年1月2日") + " 星期" + weekdaysCN[view.Now.Weekday()]
		data.ExpiresAt, data.NowMs = view.QR.ExpiresAt.Format(time.RFC3339), view.Now.UnixMilli()
	}
	var buf bytes.Buffer
	if err := displayTmpl.Execute(&buf, data); err != nil {
		s.writeError(c, err)
		return
	}
	displayHeaders(c)
	c.Header("Content-Security-Policy", "default-src 'none'; img-src data:; connect-src 'self'; "+
		"style-src 'nonce-"+data.Nonce+"'; script-src 'nonce-"+data.Nonce+"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// displayQR serves GET /display/:token/qr.json, what the page polls: the current code as an image.
func (s *server) displayQR(c *gin.Context) error {
	view, err := s.attendance.DisplayQR(c.Request.Context(), c.Param("token"))
	if err != nil {
		return err
	}
	img, err := QRImage(attendance.QRLink(s.publicURL, view.QR.Token))
	if err != nil {
		return err
	}
	displayHeaders(c)
	c.JSON(http.StatusOK, gin.H{"image": string(img), "expires_at": view.QR.ExpiresAt.Format(time.RFC3339),
		"now": view.Now.Format(time.RFC3339), "now_ms": view.Now.UnixMilli()})
	return nil
}

// displayHeaders keep the page and its secret URL out of caches, referrers and frames.
func displayHeaders(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	c.Header("X-Frame-Options", "DENY")
	c.Header("X-Content-Type-Options", "nosniff")
}

// qrLandingHTML is what a browser shows for the office QR code's link when it was scanned with something
// other than WeChat (whose scanner opens the mini-program instead): how to sign in. The token is not shown.
const qrLandingHTML = `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>坐班签到</title></head>
<body style="font-family: sans-serif; text-align: center; padding: 20vh 6vw; font-size: 20px; line-height: 1.6">
<p><b>请用微信“扫一扫”扫描办公室的签到二维码</b></p>
<p>微信会打开小程序完成坐班签到或签退。用其他应用扫码无法签到。</p>
</body></html>`

// qrLanding serves GET /q/:token, the link the office QR code encodes, for a scanner other than WeChat's;
// and, at /q/<wechat.link_check_file>, the check file WeChat fetches before it lets the mini-program
// register the prefix.
func (s *server) qrLanding(c *gin.Context) {
	if name := s.linkCheck[0]; name != "" && c.Param("token") == name {
		c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(s.linkCheck[1]))
		return
	}
	landingPage(c, qrLandingHTML)
}

// landingPage answers a static page for a QR code's link opened in a browser: no scripts, no referrer.
func landingPage(c *gin.Context, html string) {
	displayHeaders(c)
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(html))
}
