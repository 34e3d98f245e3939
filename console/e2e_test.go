package console_test

import (
	"context"
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
	"github.com/xuri/excelize/v2"

	"schoolcheck/api/apitest"
	"schoolcheck/console"
)

// The console end to end in Debian's headless Chromium (chromedp): the pages as a person uses them, their
// scripts running under the strict CSP. A failing step saves a screenshot of the page in
// $SCHOOLCHECK_TEST_ARTIFACTS (default: a folder under the system's temp dir), and says where.

// tab is one browser tab on the console of a test server.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// newTab starts Chromium on a test server over e's router.
func newTab(t *testing.T, e *apitest.Env) *tab {
	t.Helper()
	bin := apitest.Chromium(t)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium")), chromedp.WindowSize(1366, 900))
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil { // start the browser without a deadline (see chromedp.Run)
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(browser, 90*time.Second)
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, base: srv.URL}
	t.Cleanup(func() {
		if t.Failed() {
			tb.screenshot("failed")
		}
	})
	return tb
}

// screenshot saves the page as it is now under the artefacts folder.
func (tb *tab) screenshot(when string) {
	dir := os.Getenv("SCHOOLCHECK_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "schoolcheck-test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Logf("screenshot: %v", err)
		return
	}
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Logf("screenshot: %v", err)
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(tb.t.Name()) + "-" + when + ".png"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Logf("screenshot: %v", err)
		return
	}
	tb.t.Logf("screenshot of the page: %s", path)
}

// do runs steps; a failure fails the test (with a screenshot, at cleanup).
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// noViolation fails when the page reported a Content-Security-Policy violation (console.js notes it).
func (tb *tab) noViolation() {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.documentElement.getAttribute("data-csp-violation") || ""`))
	if err != nil || v != "" {
		tb.t.Fatalf("CSP violation on the page: %q (%v)", v, err)
	}
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(sel))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// loginID is the login request the sign-in page is waiting on, from its (HttpOnly) cookie, which the
// mini-program would read from the QR code.
func (tb *tab) loginID() string {
	tb.t.Helper()
	res, err := chromedp.Run(tb.ctx, chromedp.Action[network.GetCookiesResult](
		func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
			return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{tb.base + "/console/login"}})
		}))
	if err != nil {
		tb.t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == console.LoginCookie {
			if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict {
				tb.t.Fatalf("login cookie %+v", c)
			}
			id, _, _ := strings.Cut(c.Value, ".")
			return id
		}
	}
	tb.t.Fatal("no login cookie in the browser")
	return ""
}

// scanIn signs the tab in as u: the page shows the QR code, the mini-program (the API with u's token)
// confirms it while the page polls, and the page goes in by itself.
func (tb *tab) scanIn(e *apitest.Env, u *apitest.User) {
	tb.t.Helper()
	tb.do("open the console", chromedp.Navigate(tb.base+"/console/"), chromedp.WaitVisible("#qr"))
	loaded, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`document.getElementById("qr").naturalWidth > 0 &&
		getComputedStyle(document.querySelector("header.top")).display === "flex"`))
	if err != nil || !loaded {
		tb.t.Fatalf("the QR code or the stylesheet did not load under the CSP (%v)", err)
	}
	id := tb.loginID()
	e.Post("auth/console/confirm", u.Token, map[string]string{"id": id}).Want(http.StatusOK)
	tb.do("go in after the scan", chromedp.WaitVisible(`form[action="/console/logout"]`))
	if who := tb.text(".who"); !strings.Contains(who, u.Name) {
		tb.t.Fatalf("signed in as %q, want %s", who, u.Name)
	}
	tb.noViolation()
}

func TestBrowserScanToLogin(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	tb := newTab(t, e)
	// A code left unscanned expires: the page shows a new one by itself, and the old one cannot be confirmed.
	tb.do("open the sign-in page", chromedp.Navigate(tb.base+"/console/login"), chromedp.WaitVisible("#qr"))
	old := tb.loginID()
	e.Clock.Advance(2*time.Minute + time.Second)
	for tb.loginID() == old { // the page polls every two seconds; the tab's deadline bounds the wait
		tb.do("wait for a new code", chromedp.Sleep(200*time.Millisecond))
	}
	tb.do("the new code shows", chromedp.WaitVisible("#qr"))
	e.Post("auth/console/confirm", sc.Principal.Token, map[string]string{"id": old}).WantError(http.StatusNotFound, "login_expired")
	tb.scanIn(e, sc.Principal)
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil || loc != tb.base+"/console/" {
		t.Fatalf("after sign-in at %s (%v)", loc, err)
	}
}

// roster writes an .xlsx roster: a header and the rows.
func roster(t *testing.T, rows ...[]string) string {
	t.Helper()
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	for i, r := range append([][]string{{"姓名", "手机号", "角色", "学科"}}, rows...) {
		for j, v := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			_ = f.SetCellValue("Sheet1", cell, v)
		}
	}
	path := filepath.Join(t.TempDir(), "花名册.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBrowserPrincipal(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	tb := newTab(t, e)
	tb.scanIn(e, sc.Principal)

	t.Run("import staff with one bad row", func(t *testing.T) {
		before := e.Count("staff", sc.ID)
		path := roster(t, []string{"赵老师", apitest.Phone(), "教师", "语文"}, []string{"钱老师", "12345", "教师", "数学"})
		tb.do("upload the roster", chromedp.Navigate(tb.base+"/console/staff"), chromedp.WaitVisible("#import"),
			chromedp.SetUploadFiles(`#import input[type=file]`, []string{path}), chromedp.Click(`#import button`),
			chromedp.WaitVisible("#error"))
		if msg := tb.text("#error"); !strings.Contains(msg, "第 3 行") || !strings.Contains(msg, "手机号") {
			t.Fatalf("the row's error is not shown: %q", msg)
		}
		if n := e.Count("staff", sc.ID); n != before {
			t.Fatalf("a refused import changed the roster: %d → %d", before, n)
		}
		good := roster(t, []string{"赵老师", apitest.Phone(), "教师", "语文"}, []string{"钱老师", apitest.Phone(), "教师", "数学"})
		tb.do("upload the corrected roster", chromedp.SetUploadFiles(`#import input[type=file]`, []string{good}),
			chromedp.Click(`#import button`), chromedp.WaitVisible("#flash"))
		if msg := tb.text("#flash"); !strings.Contains(msg, "新增 2 人") {
			t.Fatalf("notice %q", msg)
		}
		if list := tb.text("#staff"); !strings.Contains(list, "钱老师") {
			t.Fatalf("the list lacks the imported: %q", list)
		}
		// The list sorts by a click on its header (by phone here: the imported phones are the newest).
		tb.do("sort by phone", chromedp.Click(`#staff thead th:nth-child(2)`), chromedp.Click(`#staff thead th:nth-child(2)`))
		sorted, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`(() => {
			const p = [...document.querySelectorAll("#staff tbody tr td:nth-child(2)")].map(td => td.textContent);
			return p.length > 2 && p.every((v, i) => i === 0 || p[i-1].localeCompare(v, "zh-CN") >= 0);
		})()`))
		if err != nil || !sorted {
			t.Fatalf("the staff list did not sort descending by phone (%v)", err)
		}
		tb.noViolation()
	})

	t.Run("edit settings", func(t *testing.T) {
		fence := `#fences tbody tr:first-child `
		tb.do("fill the settings form", chromedp.Navigate(tb.base+"/console/settings"), chromedp.WaitVisible("#settings"),
			chromedp.SetValue(`input[name=max_accuracy_m]`, "150"),
			chromedp.SetValue(fence+`input[name=fence_name]`, "主校区"),
			chromedp.SetValue(fence+`input[name=fence_lat]`, "28.6829"),
			chromedp.SetValue(fence+`input[name=fence_lng]`, "115.8579"),
			chromedp.SetValue(fence+`input[name=fence_radius]`, "250"),
			chromedp.Click(`#settings button[type=submit]`), chromedp.WaitVisible("#flash"))
		st := sc.Settings()
		if st.Attendance.MaxAccuracyM != 150 || len(st.Attendance.Fences) != 1 || st.Attendance.Fences[0].Lat != 28.6829 ||
			st.Attendance.Fences[0].RadiusM != 250 {
			t.Fatalf("saved %+v", st.Attendance)
		}
		// A bad number: the contract's message, nothing saved.
		tb.do("a radius out of range", chromedp.SetValue(fence+`input[name=fence_radius]`, "5"),
			chromedp.Click(`#settings button[type=submit]`), chromedp.WaitVisible("#error"))
		if msg := tb.text("#error"); !strings.Contains(msg, "半径应在 10–5000 米之间") {
			t.Fatalf("error %q", msg)
		}
		if got := sc.Settings().Attendance.Fences[0].RadiusM; got != 250 {
			t.Fatalf("a refused form saved radius %v", got)
		}
		tb.noViolation()
	})

	t.Run("calendar", func(t *testing.T) {
		tb.do("set a 调休 day", chromedp.Navigate(tb.base+"/console/calendar?month=2026-12"), chromedp.WaitVisible("#set-day"),
			chromedp.SetValue(`#set-day input[name=date]`, "2026-12-12"),
			chromedp.SetValue(`#set-day select[name=workday]`, "true"),
			chromedp.SetValue(`#set-day input[name=note]`, "调休"),
			chromedp.Click(`#set-day button`), chromedp.WaitVisible("#flash"))
		if row := tb.text("#calendar tr.override"); !strings.Contains(row, "2026-12-12") || !strings.Contains(row, "上班") {
			t.Fatalf("calendar row %q", row)
		}
	})
}
