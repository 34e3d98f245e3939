package console_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"schoolcheck/api/apitest"
)

// TestBrowserInspector: an inspector reads the region overview (table and charts, sorted, drilled down to a
// school), downloads the school's evidence pack, records a finding; the principal answers it in the console;
// the inspector sends it back, then closes it.
func TestBrowserInspector(t *testing.T) {
	e := apitest.New(t)
	a := e.School()
	b := e.SchoolIn(a.Region)
	insp := e.Inspector(a.Region)
	month := apitest.DefaultNow.Format("2006-01")

	tb := newTab(t, e)
	tb.scanIn(e, insp)
	t.Run("overview", func(t *testing.T) {
		tb.do("open the overview", chromedp.Navigate(tb.base+"/console/region?month="+month), chromedp.WaitVisible("#schools"),
			chromedp.WaitVisible(`html[data-charts=ready]`))
		canvases, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#chart-month canvas, #chart-trend canvas").length`))
		if err != nil || canvases < 2 {
			t.Fatalf("charts not drawn: %d (%v)", canvases, err)
		}
		list := tb.text("#schools tbody")
		if !strings.Contains(list, a.Name) || !strings.Contains(list, b.Name) {
			t.Fatalf("the overview lacks a school: %q", list)
		}
		tb.do("sort by school name", chromedp.Click(`#schools thead th:first-child`))
		tb.noViolation()
		tb.do("drill down to a school", chromedp.Click(`#schools a[href^="/console/schools/`+a.ID+`"]`), chromedp.WaitVisible("#figures"))
		if h := tb.text("h1"); h != a.Name {
			t.Fatalf("school page %q", h)
		}
	})
	t.Run("evidence pack", func(t *testing.T) {
		res, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](`(async () => {
			const href = document.getElementById("evidence").getAttribute("href");
			const r = await fetch(href, {credentials: "same-origin"});
			const b = new Uint8Array(await r.arrayBuffer());
			return [String(r.status), r.headers.get("content-type"), String.fromCharCode(b[0], b[1]), String(b.length)];
		})()`, chromedp.EvalAwaitPromise))
		if err != nil || len(res) != 4 || res[0] != "200" || !strings.Contains(res[1], "spreadsheetml") || res[2] != "PK" {
			t.Fatalf("evidence pack: %v (%v)", res, err)
		}
	})
	var findingURL string
	t.Run("record a finding", func(t *testing.T) {
		tb.do("record", chromedp.Navigate(tb.base+"/console/findings"), chromedp.WaitVisible("#new-finding"),
			chromedp.SetValue(`#new-finding select[name=school_id]`, a.ID),
			chromedp.SetValue(`#new-finding select[name=module]`, "meals"),
			chromedp.SetValue(`#new-finding input[name=title]`, "陪餐记录缺照片"),
			chromedp.SetValue(`#new-finding input[name=due]`, "2026-12-10"),
			chromedp.Click(`#new-finding button`), chromedp.WaitVisible("#flash"))
		loc, err := chromedp.Run(tb.ctx, chromedp.Location())
		if err != nil || !strings.Contains(loc, "/console/findings/") {
			t.Fatalf("after recording at %s (%v)", loc, err)
		}
		findingURL = strings.SplitN(loc, "?", 2)[0]
	})
	principal := newTab(t, e)
	principal.scanIn(e, a.Principal)
	t.Run("the principal answers", func(t *testing.T) {
		var img bytes.Buffer
		if err := jpeg.Encode(&img, image.NewRGBA(image.Rect(0, 0, 64, 48)), nil); err != nil {
			t.Fatal(err)
		}
		photo := filepath.Join(t.TempDir(), "整改.jpg")
		if err := os.WriteFile(photo, img.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		principal.do("answer with a photo", chromedp.Navigate(principal.base+"/console/findings"), chromedp.WaitVisible("#findings"),
			chromedp.Click(`#findings a`), chromedp.WaitVisible("#respond"),
			chromedp.SetValue(`#respond textarea[name=content]`, "已补拍照片并培训值班领导"),
			chromedp.SetUploadFiles(`#respond input[type=file]`, []string{photo}),
			chromedp.Click(`#respond button`), chromedp.WaitVisible("#flash"))
		if s := principal.text("#status"); !strings.Contains(s, "待核验") {
			t.Fatalf("status %q", s)
		}
		if th := principal.text("#thread"); !strings.Contains(th, "已补拍照片") || !strings.Contains(th, "照片 1") {
			t.Fatalf("thread %q", th)
		}
		principal.noViolation()
	})
	t.Run("the inspector sends it back, then closes it", func(t *testing.T) {
		path := strings.TrimPrefix(findingURL, tb.base)
		tb.do("send back", chromedp.Navigate(tb.base+path), chromedp.WaitVisible("#verify"),
			chromedp.SetValue(`#verify textarea[name=comment]`, "照片不清晰"), chromedp.Click(`#send-back`), chromedp.WaitVisible("#flash"))
		if s := tb.text("#status"); !strings.Contains(s, "待整改") {
			t.Fatalf("after sending back: %q", s)
		}
		principal.do("answer again", chromedp.Navigate(principal.base+path), chromedp.WaitVisible("#respond"),
			chromedp.SetValue(`#respond textarea[name=content]`, "已重新拍摄"), chromedp.Click(`#respond button`), chromedp.WaitVisible("#flash"))
		tb.do("close", chromedp.Navigate(tb.base+path), chromedp.WaitVisible("#verify"), chromedp.Click(`#accept`), chromedp.WaitVisible("#flash"))
		if s := tb.text("#status"); !strings.Contains(s, "已销号") {
			t.Fatalf("after accepting: %q", s)
		}
		e.Get("inspections/findings?status=closed&school_id="+a.ID, insp.Token).Want(http.StatusOK)
	})
}
