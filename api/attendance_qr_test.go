package api_test

import (
	"bytes"
	"encoding/base64"
	htmlpkg "html"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"schoolcheck/api/apitest"
)

func TestOfficeQR(t *testing.T) {
	e, sc := attendanceEnv(t)
	other := e.School()
	u, leader, otherLeader := sc.Teacher("周老师"), sc.Leader("吴主任"), other.Leader("郑主任")
	clockAt(e, "2026-11-25", "07:40:10", u, leader, otherLeader)

	e.Get("attendance/qr", u.Token).WantError(http.StatusForbidden, "forbidden")
	qr := e.Get("attendance/qr", leader.Token).Want(http.StatusOK).Map()
	tok := qr["token"].(string)
	exp, err := time.Parse(time.RFC3339, qr["expires_at"].(string))
	if err != nil || !strings.HasSuffix(qr["expires_at"].(string), "+08:00") {
		t.Fatalf("expires_at %v: %v", qr["expires_at"], err)
	}
	if d := exp.Sub(e.Clock.Now()); d <= 30*time.Second || d > 60*time.Second {
		t.Fatalf("token valid for %s more, want (30s, 60s]", d)
	}
	// The code encodes a link under http.public_url, for WeChat's own scanner (扫普通链接二维码打开小程序).
	if qr["content"] != "http://schoolcheck.test/q/"+tok {
		t.Fatalf("content %v", qr["content"])
	}
	landing := e.Get("/q/"+tok, "").Want(http.StatusOK)
	if !strings.Contains(string(landing.Body), "微信") || strings.Contains(string(landing.Body), tok) {
		t.Fatalf("the link's page opened without WeChat: %s", landing.Body)
	}
	qrPunch := func(kind, token string) map[string]any {
		return e.Post("attendance/punches", u.Token, map[string]any{"kind": kind, "qr_token": token}).Map()
	}
	refused := func(token string) {
		t.Helper()
		e.Post("attendance/punches", u.Token, map[string]any{"kind": "in", "qr_token": token}).
			WantError(http.StatusUnprocessableEntity, "invalid_qr")
	}
	// Forged: a made-up signature, a signature for another step, garbage.
	step, sig, _ := strings.Cut(tok, ".")
	forged := []byte(sig)
	forged[0] ^= 1
	refused(step + "." + string(forged))
	refused("123." + sig)
	refused("not-a-token")
	// Another school's valid token.
	otherTok := e.Get("attendance/qr", otherLeader.Token).Want(http.StatusOK).Str("token")
	refused(otherTok)
	refused("schoolcheck:qr:" + otherTok)
	refused("http://schoolcheck.test/q/" + otherTok)
	refused("http://schoolcheck.test/q/") // a link without a token
	if n := e.Count("attendance_punches", sc.ID); n != 0 {
		t.Fatalf("refused QR punches wrote %d rows", n)
	}

	// The scanned link works, 30 s later too (the next step still accepts it); so do the bare token and the
	// older "schoolcheck:qr:" content (see TestQRTokenForms).
	e.Clock.Advance(30 * time.Second)
	p := qrPunch("in", qr["content"].(string))
	if p["method"] != "qr" || p["fence"] != nil || p["distance_m"] != nil || p["status"] != "on_time" {
		t.Fatalf("QR punch: %v", p)
	}
	// 61 s after it was issued the token is stale.
	e.Clock.Advance(31 * time.Second)
	e.Post("attendance/punches", u.Token, map[string]any{"kind": "out", "qr_token": tok}).
		WantError(http.StatusUnprocessableEntity, "invalid_qr")
	fresh := e.Get("attendance/qr", leader.Token).Want(http.StatusOK).Str("token")
	if fresh == tok {
		t.Fatal("the token did not rotate")
	}
	if p := qrPunch("out", fresh); p["method"] != "qr" || p["status"] != "early_leave" {
		t.Fatalf("out with a fresh token: %v", p)
	}
}

// TestQRTokenForms: qr_token takes the whole link (as WeChat hands it to the mini-program, perhaps with a
// query string), the older prefixed content, or the bare token.
func TestQRTokenForms(t *testing.T) {
	e, sc := attendanceEnv(t)
	leader := sc.Leader("吴主任")
	forms := map[string]func(tok string) string{
		"link":           func(tok string) string { return "http://schoolcheck.test/q/" + tok },
		"link and query": func(tok string) string { return "https://sc.example.cn/q/" + tok + "?scancode_time=1764028800" },
		"prefixed":       func(tok string) string { return "schoolcheck:qr:" + tok },
		"bare":           func(tok string) string { return " " + tok + " " },
	}
	users := map[string]*apitest.User{}
	all := []*apitest.User{leader}
	for name := range forms {
		users[name] = sc.Teacher("周老师" + name)
		all = append(all, users[name])
	}
	clockAt(e, "2026-11-25", "07:40:10", all...)
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			e, u := e.For(t), users[name]
			tok := e.Get("attendance/qr", leader.Token).Want(http.StatusOK).Str("token")
			p := e.Post("attendance/punches", u.Token, map[string]any{"kind": "in", "qr_token": form(tok)}).
				Want(http.StatusCreated).Map()
			if p["method"] != "qr" {
				t.Fatalf("punch %v", p)
			}
		})
	}
}

func TestOfficeDisplay(t *testing.T) {
	e, sc := attendanceEnv(t)
	other := e.School()
	leader, teacher := sc.Leader("冯主任"), sc.Teacher("陈老师")

	e.Post("attendance/displays", teacher.Token, map[string]any{"name": "教师办公室"}).WantError(http.StatusForbidden, "forbidden")
	e.Post("attendance/displays", leader.Token, map[string]any{"name": "教师办公室"}).WantError(http.StatusForbidden, "forbidden")
	e.Post("attendance/displays", sc.Principal.Token, map[string]any{"name": ""}).WantError(http.StatusBadRequest, "invalid_argument")
	d := e.Post("attendance/displays", sc.Principal.Token, map[string]any{"name": "教师办公室"}).Want(http.StatusCreated).Map()
	url, id := d["url"].(string), d["id"].(string)
	path, ok := strings.CutPrefix(url, "http://schoolcheck.test/display/")
	if !ok || len(path) < 43 || id == "" {
		t.Fatalf("display %v", d)
	}
	path = "/display/" + path

	page := e.Get(path, "").Want(http.StatusOK)
	html := string(page.Body)
	for _, want := range []string{sc.Name, "教师办公室", `<img id="qr"`, "data:image/png;base64,", "qr.json"} {
		if !strings.Contains(html, want) {
			t.Fatalf("page lacks %q:\n%s", want, html)
		}
	}
	if ct := page.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || page.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("page headers %v", page.Header)
	}
	// The page's image is a PNG of the school's current code, as a leader's GET /attendance/qr gives it;
	// the JSON the page polls carries the same.
	img := html[strings.Index(html, "data:image/png;base64,")+len("data:image/png;base64,"):]
	img = htmlpkg.UnescapeString(img[:strings.IndexByte(img, '"')]) // the template writes + as &#43;
	decodePNG(t, img)
	content := e.Get("attendance/qr", leader.Token).Want(http.StatusOK).Str("content")
	want, err := qrcode.Encode(content, qrcode.Medium, 480)
	if err != nil || img != base64.StdEncoding.EncodeToString(want) {
		t.Fatalf("the page's QR code is not %q (%v)", content, err)
	}
	j := e.Get(path+"/qr.json", "").Want(http.StatusOK).Map()
	if j["image"] != "data:image/png;base64,"+img {
		t.Fatal("qr.json shows another code than the page")
	}
	if _, err := time.Parse(time.RFC3339, j["expires_at"].(string)); err != nil {
		t.Fatalf("qr.json %v", j)
	}

	// Only a hash of the link's token is stored.
	var n int64
	e.DB.Table("attendance_displays").Where("school_id = ? AND token_hash = ?", sc.ID, strings.TrimPrefix(path, "/display/")).Count(&n)
	if n != 0 {
		t.Fatal("the display token is stored in clear")
	}
	list := e.Get("attendance/displays", sc.Principal.Token).Want(http.StatusOK).Items()
	if len(list) != 1 || list[0]["id"] != id || list[0]["url"] != nil {
		t.Fatalf("list %v", list)
	}

	// Revoking: another school's principal 404, a leader or teacher 403, then the page is gone.
	e.Delete("attendance/displays/"+id, other.Principal.Token).WantError(http.StatusNotFound, "not_found")
	e.Delete("attendance/displays/"+id, leader.Token).WantError(http.StatusForbidden, "forbidden")
	e.Delete("attendance/displays/"+id, teacher.Token).WantError(http.StatusForbidden, "forbidden")
	e.Get(path, "").Want(http.StatusOK)
	e.Delete("attendance/displays/"+id, sc.Principal.Token).Want(http.StatusNoContent)
	gone := e.Get(path, "").Want(http.StatusNotFound)
	if !strings.Contains(string(gone.Body), "已停用") || strings.Contains(string(gone.Body), "data:image/png") {
		t.Fatalf("revoked page: %s", gone.Body)
	}
	e.Get(path+"/qr.json", "").WantError(http.StatusNotFound, "not_found")
	e.Get("/display/unknown-token", "").Want(http.StatusNotFound)
	e.Delete("attendance/displays/"+id, sc.Principal.Token).WantError(http.StatusNotFound, "not_found")
}

func decodePNG(t *testing.T, b64 string) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() < 200 {
		t.Fatalf("QR image: %v", err)
	}
}
