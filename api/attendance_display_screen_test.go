package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"schoolcheck/api/apitest"
)

// screens are the office PCs' usual resolutions, and a portrait screen.
var screens = []struct{ w, h int64 }{{1366, 768}, {1280, 800}, {1920, 1080}, {1024, 768}, {1080, 1920}}

// fitScript lists what does not fit the viewport: a scrollable page, or any part of the screen (the school,
// the clock, the QR code, the status line that says the network is lost) outside the viewport, empty, or
// overlapping the QR code.
const fitScript = `(() => {
  const vw = window.innerWidth, vh = window.innerHeight, de = document.documentElement, bad = [];
  if (de.scrollHeight > vh || de.scrollWidth > vw || document.body.scrollHeight > vh || document.body.scrollWidth > vw)
    bad.push("scrolls: content " + de.scrollWidth + "x" + de.scrollHeight);
  const qr = document.getElementById("qrbox").getBoundingClientRect();
  for (const sel of [".school", ".name", "#clock", "#date", "#qrbox", ".hint", "#status"]) {
    const el = document.querySelector(sel), r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || r.top < 0 || r.left < 0 || r.bottom > vh + 0.5 || r.right > vw + 0.5)
      bad.push(sel + " at " + [r.left, r.top, r.right, r.bottom].map(Math.round).join(","));
    if (el.scrollWidth > el.clientWidth + 1) bad.push(sel + " overflows its box");
    if (sel !== "#qrbox" && r.left < qr.right && r.right > qr.left && r.top < qr.bottom && r.bottom > qr.top)
      bad.push(sel + " overlaps the QR code");
  }
  if (qr.width < Math.min(vw, vh) * 0.4) bad.push("QR code only " + Math.round(qr.width) + "px");
  return bad;
})()`

// TestDisplayFitsScreens opens an office display link in headless Chromium at each screen size: the page
// fits without scrolling, the QR code is large and square, and when the network drops the status line
// says so where it can be seen. A long school and screen name must fit too.
func TestDisplayFitsScreens(t *testing.T) {
	bin := apitest.Chromium(t)
	e, sc := attendanceEnv(t)
	long := "南昌市青山湖区第一实验学校教育集团北校区" // 20 characters, as long as names get
	if err := e.DB.Table("schools").Where("id = ?", sc.ID).Update("name", long).Error; err != nil {
		t.Fatal(err)
	}
	d := e.Post("attendance/displays", sc.Principal.Token, map[string]any{"name": "行政楼三楼教师办公室（东）"}).
		Want(http.StatusCreated).Map()
	srv := httptest.NewServer(e.Handler)
	defer srv.Close()
	page := srv.URL + strings.TrimPrefix(d["url"].(string), "http://schoolcheck.test")

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium")))
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil { // start the browser without a deadline (see chromedp.Run)
		t.Fatalf("start chromium: %v", err)
	}
	for _, s := range screens {
		t.Run(fmt.Sprintf("%dx%d", s.w, s.h), func(t *testing.T) {
			tab, cancelTab := chromedp.NewContext(browser)
			defer cancelTab()
			ctx, cancel := context.WithTimeout(tab, 30*time.Second)
			defer cancel()
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(s.w, s.h), chromedp.Navigate(page),
				chromedp.WaitVisible("#qr")); err != nil {
				t.Fatal(err)
			}
			check := func(when string) {
				t.Helper()
				bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fitScript))
				if err != nil {
					t.Fatal(err)
				}
				if len(bad) > 0 {
					shot(t, ctx, s.w, s.h, when)
					t.Fatalf("%s: does not fit %dx%d: %s", when, s.w, s.h, strings.Join(bad, "; "))
				}
			}
			check("online")
			// The network drops: the page says so at once, in the status line, which stays in view.
			if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{
					Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
				return err
			}), chromedp.WaitVisible("#status.lost")); err != nil {
				t.Fatalf("the page did not say it lost the network: %v", err)
			}
			text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("status").textContent`))
			if err != nil || !strings.Contains(text, "网络中断") {
				t.Fatalf("status line %q (%v)", text, err)
			}
			check("offline")
			shot(t, ctx, s.w, s.h, "offline")
		})
	}
}

// shot saves a screenshot where SCHOOLCHECK_TEST_SCREENSHOTS names a directory, for a person to look at.
func shot(t *testing.T, ctx context.Context, w, h int64, when string) {
	dir := os.Getenv("SCHOOLCHECK_TEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("display-%dx%d-%s.png", w, h, when)), png, 0o644)
}
