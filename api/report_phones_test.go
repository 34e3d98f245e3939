package api_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"schoolcheck/api/apitest"
	"schoolcheck/service/phones"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// The month of 2026-11 up to Wednesday the 25th, 09:00 (collection due, hand-back not yet): 18 school days
// (weekdays, less the 3rd made a holiday, plus Saturday the 21st made a 调休 workday).
//   - class 1 (40 phones, 38 from the 16th): no collection on the 10th, no hand-back on the 12th and 13th;
//     one short on the 17th (resolved), two short on the 24th (open); a spot check found one on the 5th
//     (resolved). Today's collection is in, today's hand-back not yet due.
//   - class 2 (no phones registered until 30 from the 16th): a collection on the 9th all the same; collect
//     and return the 16th to the 20th, nothing after; spot checks on the 18th (two found, open) and 19th.
//   - class 3: no phones, no arrangement, no checks. Class 4, created on the 18th with 10 phones: one
//     collection. Classes 3 and 4 have no arrangement.
func TestPhoneReport(t *testing.T) {
	e := newEnv(t)
	e.Clock.Set(apitest.At("2026-10-20", "09:00")) // the school has used schoolcheck since October
	sc := e.School()
	h1, h2, leader := sc.Teacher("一班主任"), sc.Teacher("二班主任"), sc.Leader("德育主任")
	c1, c2, c3 := sc.Class(h1), sc.Class(h2), sc.Class(nil)
	users := []*apitest.User{sc.Principal, h1, h2, leader}
	at := func(date, hhmm string) {
		e.Clock.Set(apitest.At(date, hhmm))
		relogin(e, users...)
	}
	p := sc.Principal.Token
	e.Put("calendar/2026-11-03", p, map[string]any{"workday": false, "note": "校庆"}).Want(http.StatusOK)
	e.Put("calendar/2026-11-21", p, map[string]any{"workday": true, "note": "调休"}).Want(http.StatusOK)
	e.Put("classes/"+c1.ID+"/phone-custody", h1.Token, custodyReq(h1.ID)).Want(http.StatusOK)
	e.Put("classes/"+c2.ID+"/phone-custody", leader.Token, custodyReq(leader.ID)).Want(http.StatusOK)
	at("2026-10-30", "09:00")
	e.Put("classes/"+c1.ID+"/phones-registered", h1.Token, map[string]any{"count": 40}).Want(http.StatusOK)

	post := func(u *apitest.User, body map[string]any) string {
		t.Helper()
		return e.Post("phone-checks", u.Token, body).Want(http.StatusCreated).Str("id")
	}
	noted := func(body map[string]any, note string) map[string]any { body["note"] = note; return body }
	var c4 *apitest.Class
	var resolveLater string
	days := []string{"02", "04", "05", "06", "09", "10", "11", "12", "13", "16", "17", "18", "19", "20", "21", "23", "24"}
	for _, d := range days {
		date := "2026-11-" + d
		at(date, "17:00")
		switch d {
		case "16":
			e.Put("classes/"+c1.ID+"/phones-registered", h1.Token, map[string]any{"count": 38}).Want(http.StatusOK)
			e.Put("classes/"+c2.ID+"/phones-registered", h2.Token, map[string]any{"count": 30}).Want(http.StatusOK)
		case "18":
			c4 = sc.Class(h1)
			e.Put("classes/"+c4.ID+"/phones-registered", h1.Token, map[string]any{"count": 10}).Want(http.StatusOK)
			post(h1, checkReq(c4.ID, date, "collect", 10))
		}
		registered := 40
		if d >= "16" {
			registered = 38
		}
		counted := registered
		switch d {
		case "17":
			counted = 37
		case "24":
			counted = 36
		}
		if d != "10" {
			id := post(h1, noted(checkReq(c1.ID, date, "collect", counted), "见跟进"))
			if d == "17" {
				resolveLater = id
			}
		}
		if d != "12" && d != "13" {
			post(h1, checkReq(c1.ID, date, "return", counted))
		}
		if d == "05" {
			spot := post(leader, checkReq(c1.ID, date, "spot", 1))
			e.Post("phone-checks/"+spot+"/resolve", leader.Token, map[string]string{"note": "已交家长带回"}).Want(http.StatusOK)
		}
		if d == "09" {
			post(h2, checkReq(c2.ID, date, "collect", 0))
		}
		if d >= "16" && d <= "20" {
			post(h2, checkReq(c2.ID, date, "collect", 30))
			post(h2, checkReq(c2.ID, date, "return", 30))
		}
		if d == "18" {
			post(leader, noted(checkReq(c2.ID, date, "spot", 2), "课桌内查出"))
			e.Post("phone-checks/"+resolveLater+"/resolve", h1.Token, map[string]string{"note": "学生已补交"}).Want(http.StatusOK)
		}
		if d == "19" {
			post(leader, checkReq(c2.ID, date, "spot", 0))
		}
	}
	at("2026-11-25", "09:00")
	post(h1, checkReq(c1.ID, "2026-11-25", "collect", 38))

	var rep phones.PhoneReport
	e.Get("reports/phones?month=2026-11", leader.Token).Want(http.StatusOK).JSON(&rep)
	if rep.Since != "2026-11-01" || rep.Upto != "2026-11-25" || len(rep.Items) != 4 {
		t.Fatalf("period %s..%s, %d classes", rep.Since, rep.Upto, len(rep.Items))
	}
	want := []struct {
		class      *apitest.Class
		registered int
		arranged   bool
		f          phones.Figures
	}{
		{c1, 38, true, phones.Figures{SchoolDays: 18, CollectDue: 18, CollectDays: 17, ReturnDue: 17, ReturnDays: 15,
			Coverage: 0.9143, Discrepancies: phones.Discrepancies{Open: 1, Resolved: 1}, SpotChecks: 1, PhonesFound: 1, OpenFollowups: 1}},
		{c2, 30, true, phones.Figures{SchoolDays: 18, CollectDue: 10, CollectDays: 6, ReturnDue: 8, ReturnDays: 5,
			Coverage: 0.6111, SpotChecks: 2, PhonesFound: 2, OpenFollowups: 1}},
		{c3, 0, false, phones.Figures{SchoolDays: 18}},
		{c4, 10, false, phones.Figures{SchoolDays: 7, CollectDue: 7, CollectDays: 1, ReturnDue: 6, Coverage: 0.0769}},
	}
	for i, w := range want {
		it := rep.Items[i]
		if it.Class.ID != w.class.ID || it.Class.Name != w.class.Label || it.Registered != w.registered ||
			it.Arranged != w.arranged || (it.Custody != nil) != w.arranged || it.Figures != w.f {
			t.Errorf("class %d: %+v\nwant %+v", i+1, it, w.f)
		}
	}
	if h := rep.Items[0].HeadTeacher; h == nil || h.Name != "一班主任" || rep.Items[2].HeadTeacher != nil {
		t.Errorf("head teachers %+v %+v", rep.Items[0].HeadTeacher, rep.Items[2].HeadTeacher)
	}
	if k := rep.Items[1].Custody.Keeper; k.Name != "德育主任" || k.Role != "leader" || k.ID != "" {
		t.Errorf("class 2 keeper %+v", k)
	}
	total := phones.Summary{Figures: phones.Figures{SchoolDays: 18, CollectDue: 35, CollectDays: 24, ReturnDue: 31,
		ReturnDays: 20, Coverage: 0.6667, Discrepancies: phones.Discrepancies{Open: 1, Resolved: 1}, SpotChecks: 3,
		PhonesFound: 3, OpenFollowups: 2}, Classes: 4, Arranged: 2, Unarranged: 2}
	if rep.Total != total {
		t.Errorf("school row %+v\nwant %+v", rep.Total, total)
	}
	if len(rep.Unarranged) != 2 || rep.Unarranged[0].ClassID != c3.ID || rep.Unarranged[1].ClassID != c4.ID {
		t.Errorf("unarranged %+v", rep.Unarranged)
	}
	var kinds []string
	for _, x := range rep.Exceptions {
		kinds = append(kinds, x.Date[8:]+" "+x.Kind+" "+x.Followup.Status)
	}
	if !slices.Equal(kinds, []string{"05 spot resolved", "17 collect resolved", "18 spot open", "24 collect open"}) {
		t.Errorf("exceptions %v", kinds)
	}
	// The overview's figure is the school row, by the same code.
	si, err := school.Load(e.DB, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	period, err := report.MonthPeriod(report.Query{Month: "2026-11"}, si, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := e.App.Phones.Summary(context.Background(), si, period); err != nil || !reflect.DeepEqual(sum, rep.Total) {
		t.Errorf("summary %+v (%v), want the school row", sum, err)
	}
	// Who reads it: leaders and the region's inspector (naming the school); not a head teacher or a parent.
	insp := e.Inspector(sc.Region)
	e.Get("reports/phones?month=2026-11&school_id="+sc.ID, insp.Token).Want(http.StatusOK)
	e.Get("reports/phones?month=2026-11", insp.Token).WantError(http.StatusBadRequest, "invalid_argument")
	e.Get("reports/phones?month=2026-11", h1.Token).WantError(http.StatusForbidden, "forbidden")
	e.Get("reports/phones?month=2026-11", sc.Parent(c1).Token).WantError(http.StatusForbidden, "forbidden")
	e.Get("reports/phones?month=2026-12", leader.Token).WantError(http.StatusBadRequest, "invalid_argument")
	e.Get("reports/phones?month=2026-09", leader.Token).WantError(http.StatusBadRequest, "invalid_argument")

	checkPhoneWorkbook(t, e, sc, leader.Token, []string{c1.Label, c2.Label, c3.Label, c4.Label})
}

// checkPhoneWorkbook opens the month's workbook with excelize: sheets, headers, the figures of the
// scenario above, the printing rules.
func checkPhoneWorkbook(t *testing.T, e *apitest.Env, sc *apitest.School, token string, labels []string) {
	t.Helper()
	r := e.Get("reports/phones?month=2026-11&format=xlsx", token).Want(http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != report.XLSXType {
		t.Fatalf("content type %q", ct)
	}
	name := "2026-11 手机管理报表 " + sc.Name + ".xlsx"
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape(name)) {
		t.Fatalf("content disposition %q", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"手机管理汇总", "保管安排", "差异与查出"}) {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows("手机管理汇总")
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"班级", "班主任", "登记\n手机数", "上学日", "应收存\n天数", "收存\n天数", "应发还\n天数", "发还\n天数",
		"记录\n覆盖率", "差异\n待处理", "差异\n已处理", "抽查\n次数", "查出\n手机数", "保管安排"}
	if !slices.Equal(rows[1], header) {
		t.Fatalf("header %q", rows[1])
	}
	wantRows := [][]string{
		{labels[0], "一班主任", "38", "18", "18", "17", "17", "15", "91.4%", "1", "1", "1", "1", "已制定"},
		{labels[1], "二班主任", "30", "18", "10", "6", "8", "5", "61.1%", "0", "0", "2", "2", "已制定"},
		{labels[2], "未设置", "0", "18", "0", "0", "0", "0", "0.0%", "0", "0", "0", "0", "未制定"},
		{labels[3], "一班主任", "10", "7", "7", "1", "6", "0", "7.7%", "0", "0", "0", "0", "未制定"},
		{"全校", "4 个班", "", "18", "35", "24", "31", "20", "66.7%", "1", "1", "3", "3", "2 班未制定"},
	}
	for i, want := range wantRows {
		if !slices.Equal(rows[2+i], want) {
			t.Errorf("row %d: %q\nwant %q", i+3, rows[2+i], want)
		}
	}
	// Numbers are stored as numbers: the coverage is the fraction, shown as a percentage.
	if raw, _ := f.GetCellValue("手机管理汇总", "I3", excelize.Options{RawCellValue: true}); raw != "0.9143" {
		t.Errorf("coverage cell holds %q", raw)
	}
	if last := rows[len(rows)-1]; len(last) == 0 || !strings.Contains(last[0], "校长签字") {
		t.Errorf("no signature line: %v", last)
	}
	if lay, _ := f.GetPageLayout("手机管理汇总"); lay.Size == nil || *lay.Size != 9 {
		t.Errorf("page layout %+v", lay)
	}
	custody, _ := f.GetRows("保管安排")
	if !slices.Equal(custody[1], []string{"班级", "保管地点", "保管方式", "保管人", "亲情电话"}) ||
		!slices.Equal(custody[2], []string{labels[0], "班级手机柜", "上课前统一收存，放学后发还", "一班主任（班主任）", "0791-88881234"}) ||
		custody[4][1] != "未制定" || custody[5][1] != "未制定" || custody[6][2] != "未制定 2 班" {
		t.Errorf("custody sheet %q", custody[:7])
	}
	exc, _ := f.GetRows("差异与查出")
	if len(exc) < 7 || exc[2][0] != "2026-11-05" || exc[2][2] != "抽查" || exc[2][6] != "1" || exc[2][8] != "已处理" ||
		exc[2][9] != "德育主任" || exc[2][10] != "已交家长带回" || exc[5][0] != "2026-11-24" || exc[5][5] != "2" ||
		exc[5][8] != "待处理" || exc[6][0] != "合计" {
		t.Errorf("exceptions sheet %q", exc)
	}
}

// A school that opened in mid-month counts its days from then.
func TestPhoneReportOpenedMidMonth(t *testing.T) {
	e := newEnv(t)
	e.Clock.Set(apitest.At("2026-11-18", "09:00"))
	sc := e.School()
	c := sc.Class(nil)
	e.Clock.Set(apitest.DefaultNow)
	tok := e.Relogin(sc.Principal)
	var rep phones.PhoneReport
	e.Get("reports/phones?month=2026-11", tok).Want(http.StatusOK).JSON(&rep)
	if rep.Since != "2026-11-18" || rep.Total.SchoolDays != 6 || len(rep.Items) != 1 || rep.Items[0].Class.ID != c.ID ||
		rep.Items[0].SchoolDays != 6 || rep.Items[0].CollectDue != 0 || rep.Total.Unarranged != 1 {
		t.Fatalf("report %+v", rep)
	}
}
