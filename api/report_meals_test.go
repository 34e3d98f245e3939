package api_test

import (
	"bytes"
	"net/http"
	"net/url"
	"schoolcheck/api/apitest"
	"schoolcheck/service/meals"
	"schoolcheck/service/report"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// The month of 2026-11 up to Wednesday the 25th: lunch on 18 days (weekdays, less the 3rd made a holiday,
// plus Saturday the 21st made a 调休 workday); leaders came on the 24th (two of them) and the 25th; a
// parent on the 23rd, whose duty leader did not come; two feedbacks, one answered after 3 hours.
func TestMealReport(t *testing.T) {
	e := mealEnv(t)
	e.Clock.Set(apitest.At("2026-10-20", "09:00")) // the school has used schoolcheck since October
	sc := e.School()
	e.Clock.Set(apitest.DefaultNow)
	sc.Principal.Token = e.Relogin(sc.Principal)
	l1, l2 := sc.Leader("甲主任"), sc.Leader("乙主任")
	parent := sc.Parent(sc.Class(nil))
	p := sc.Principal.Token
	e.Put("calendar/2026-11-03", p, map[string]any{"workday": false, "note": "校庆"}).Want(http.StatusOK)
	e.Put("calendar/2026-11-21", p, map[string]any{"workday": true, "note": "调休"}).Want(http.StatusOK)
	e.Put("meals/duty", p, map[string]any{"date": "2026-11-23", "meal": "lunch", "leader_id": l1.ID}).Want(http.StatusOK)
	e.Put("meals/duty", p, map[string]any{"date": "2026-11-24", "meal": "lunch", "leader_id": l2.ID}).Want(http.StatusOK)
	e.Post("meals", l1.Token, mealReq("2026-11-24", photoID(e, l1.Token))).Want(http.StatusCreated)
	e.Post("meals", l2.Token, mealReq("2026-11-24", photoID(e, l2.Token))).Want(http.StatusCreated)
	e.Post("meals", l1.Token, mealReq("2026-11-25", photoID(e, l1.Token))).Want(http.StatusCreated)
	e.Post("meals", parent.Token, mealReq("2026-11-23")).Want(http.StatusCreated)
	answered := e.Post("feedback", parent.Token, map[string]any{"category": "price", "content": "价格偏高"}).
		Want(http.StatusCreated).Str("id")
	e.Post("feedback", parent.Token, map[string]any{"category": "taste", "content": "偏咸"}).Want(http.StatusCreated)
	e.Clock.Advance(3 * time.Hour)
	l1tok := e.Relogin(l1)
	e.Post("feedback/"+answered+"/replies", l1tok, map[string]string{"content": "下月调整"}).Want(http.StatusCreated)
	e.Clock.Advance(time.Hour)
	e.Post("feedback/"+answered+"/replies", l1tok, map[string]string{"content": "补充"}).Want(http.StatusCreated)

	var rep meals.MealReport
	e.Get("reports/meals?month=2026-11", l1tok).Want(http.StatusOK).JSON(&rep)
	if rep.Served != 18 || rep.Covered != 2 || rep.Coverage != 0.1111 || rep.ParentMeals != 1 || len(rep.Uncovered) != 16 {
		t.Fatalf("served %d covered %d coverage %v parents %d uncovered %d", rep.Served, rep.Covered, rep.Coverage,
			rep.ParentMeals, len(rep.Uncovered))
	}
	i := slices.IndexFunc(rep.Uncovered, func(u meals.UncoveredMeal) bool { return u.Date == "2026-11-23" })
	if i < 0 || rep.Uncovered[i].DutyLeader == nil || rep.Uncovered[i].DutyLeader.Name != "甲主任" {
		t.Fatalf("uncovered 23rd: %+v", rep.Uncovered)
	}
	for _, u := range rep.Uncovered {
		if u.Date == "2026-11-03" || u.Date == "2026-11-22" || u.Date > "2026-11-25" {
			t.Fatalf("not served but counted: %+v", u)
		}
	}
	if fb := rep.Feedback; fb.Received != 2 || fb.Open != 1 || fb.MedianReplyHours == nil || *fb.MedianReplyHours != 3 {
		t.Fatalf("feedback %+v", fb)
	}
	// A month after this one, or before the school used schoolcheck, has no report; a bad month is 400.
	if f := e.Get("reports/meals?month=2026-12", l1tok).WantError(400, "invalid_argument").ErrorFields(); f["month"] == "" {
		t.Fatalf("future month: fields %v", f)
	}
	e.Get("reports/meals?month=2026-09", l1tok).WantError(400, "invalid_argument")
	e.Get("reports/meals?month=2026-13", l1tok).WantError(400, "invalid_argument")
	e.Get("reports/meals?month=2026-11&format=pdf", l1tok).WantError(400, "invalid_argument")

	// The workbook.
	r := e.Get("reports/meals?month=2026-11&format=xlsx", l1tok).Want(http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != report.XLSXType {
		t.Fatalf("content type %q", ct)
	}
	name := "2026-11 陪餐报表 " + sc.Name + ".xlsx"
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") ||
		!strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape(name)) {
		t.Fatalf("content disposition %q", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"陪餐汇总", "陪餐明细", "未陪餐", "陪餐记录", "家长反馈"}) {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows("陪餐明细")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[1], []string{"日期", "星期", "餐次", "值班领导", "陪餐领导", "家长陪餐（人次）", "是否陪餐"}) {
		t.Fatalf("header %v", rows[1])
	}
	if len(rows) < 2+18+1 || rows[20][0] != "合计" || rows[20][2] != "18 餐" || rows[20][6] != "11.1%" {
		t.Fatalf("%d rows, totals %v", len(rows), rows[min(20, len(rows)-1)])
	}
	if last := rows[len(rows)-1]; len(last) == 0 || !strings.Contains(last[0], "制表人") || !strings.Contains(last[0], "校长签字") {
		t.Fatalf("no signature line: %v", last)
	}
	last := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "2026-11-24" })
	if last < 0 || rows[last][1] != "周二" || rows[last][2] != "午餐" || rows[last][3] != "乙主任" ||
		rows[last][4] != "甲主任、乙主任" || rows[last][6] != "是" {
		t.Fatalf("24th row %v", rows[last])
	}
	panes, err := f.GetPanes("陪餐明细")
	if err != nil || !panes.Freeze || panes.YSplit != 2 {
		t.Fatalf("header not frozen: %+v %v", panes, err)
	}
	if w, _ := f.GetColWidth("陪餐明细", "E"); w != 28 {
		t.Fatalf("column E width %v", w)
	}
	// The printing rules: A4, portrait for a sheet this narrow, title and header on every page, page numbers.
	if lay, _ := f.GetPageLayout("陪餐明细"); lay.Orientation == nil || *lay.Orientation != "portrait" ||
		lay.Size == nil || *lay.Size != 9 {
		t.Fatalf("page layout %+v", lay)
	}
	wantPrintTitles(t, f, "陪餐明细")
	missed, _ := f.GetRows("未陪餐")
	if len(missed) < 2+16+1 || missed[2+16][2] != "16 餐" {
		t.Fatalf("uncovered sheet %v", missed)
	}
}

func TestMealReportAccess(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	other := e.SchoolIn(sc.Region)
	far := e.School()
	insp, farInsp := e.Inspector(sc.Region), e.Inspector(far.Region)
	teacher, parent := sc.Teacher("teacher"), sc.Parent(sc.Class(nil))
	q := "reports/meals?month=2026-11"
	e.Get(q+"&school_id="+sc.ID, insp.Token).Want(http.StatusOK)
	e.Get(q+"&school_id="+other.ID+"&format=xlsx", insp.Token).Want(http.StatusOK)
	e.Get(q, insp.Token).WantError(400, "invalid_argument")
	e.Get(q+"&school_id="+sc.ID, farInsp.Token).WantError(404, "not_found")
	e.Get(q, teacher.Token).WantError(403, "forbidden")
	e.Get(q, parent.Token).WantError(403, "forbidden")
	e.Get(q+"&school_id="+sc.ID, other.Principal.Token).WantError(404, "not_found")
	if got := e.Get(q, sc.Principal.Token).Want(http.StatusOK).Map(); got["school"].(map[string]any)["id"] != sc.ID {
		t.Fatalf("principal's report %v", got["school"])
	}
}

// wantPrintTitles checks the printing rules every workbook follows on one sheet: the title and header rows
// repeated on every page, page numbers and the print time in the footer, the East Asian font.
func wantPrintTitles(t *testing.T, f *excelize.File, sheet string) {
	t.Helper()
	found := false
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" && dn.Scope == sheet && strings.Contains(dn.RefersTo, "$1:$2") {
			found = true
		}
	}
	if !found {
		t.Errorf("%s: no print titles in %+v", sheet, f.GetDefinedName())
	}
	hf, err := f.GetHeaderFooter(sheet)
	if err != nil || hf == nil || !strings.Contains(hf.OddFooter, "&P") || !strings.Contains(hf.OddFooter, "&N") ||
		!strings.Contains(hf.OddFooter, "打印时间") {
		t.Errorf("%s: footer %+v %v", sheet, hf, err)
	}
	id, err := f.GetCellStyle(sheet, "A3")
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil || st.Font == nil || st.Font.Family != report.Font {
		t.Errorf("%s: cell A3 font %+v %v", sheet, st, err)
	}
}

// TestMealReportCountsOnlyWhatHappened: a school that started on Friday 2026-11-20 is not blamed for the
// meals before it existed, nor, at 03:00, for today's lunch: a served meal counts once it is due (its
// reminders.meal_unrecorded.after time) or once a leader recorded it.
func TestMealReportCountsOnlyWhatHappened(t *testing.T) {
	e := mealEnv(t, apitest.WithNow(apitest.At("2026-11-20", "08:00")))
	sc := e.School()
	leader := sc.Leader("甲主任")
	served := func(hhmm string) (int, int, []string) {
		t.Helper()
		e.Clock.Set(apitest.At("2026-11-25", hhmm))
		var rep meals.MealReport
		e.Get("reports/meals?month=2026-11", e.Relogin(leader)).Want(http.StatusOK).JSON(&rep)
		var dates []string
		for _, u := range rep.Uncovered {
			dates = append(dates, u.Date)
		}
		return rep.Served, len(rep.Uncovered), dates
	}
	// Lunch on the 20th, 23rd and 24th; the 25th's is still to come at 03:00 and until 13:30.
	if n, u, dates := served("03:00"); n != 3 || u != 3 || slices.Contains(dates, "2026-11-25") {
		t.Fatalf("at 03:00: served %d uncovered %d %v", n, u, dates)
	}
	if n, _, _ := served("13:29"); n != 3 {
		t.Fatalf("at 13:29: served %d", n)
	}
	if n, u, _ := served("13:30"); n != 4 || u != 4 {
		t.Fatalf("at 13:30: served %d uncovered %d", n, u)
	}
	// A leader's record before the meal is due counts it at once; the school's own due time is used.
	e.Clock.Set(apitest.At("2026-11-25", "11:00"))
	sc.Principal.Token = e.Relogin(sc.Principal)
	st := sc.Settings()
	st.Reminders.MealUnrecorded.After["lunch"] = "12:00"
	sc.SetSettings(st)
	if n, _, _ := served("11:59"); n != 3 {
		t.Fatalf("at 11:59 with lunch due 12:00: served %d", n)
	}
	if n, _, _ := served("12:00"); n != 4 {
		t.Fatalf("at 12:00 with lunch due 12:00: served %d", n)
	}
	e.Clock.Set(apitest.At("2026-11-25", "11:30"))
	tok := e.Relogin(leader)
	e.Post("meals", tok, mealReq("2026-11-25", photoID(e, tok))).Want(http.StatusCreated)
	if n, u, _ := served("11:31"); n != 4 || u != 3 {
		t.Fatalf("recorded before it was due: served %d uncovered %d", n, u)
	}
	// Months before the school existed, or out of the years that make sense, are refused.
	for _, month := range []string{"2026-10", "1970-01", "9999-12"} {
		wantFields(t, e.Get("reports/meals?month="+month, tok).WantError(http.StatusBadRequest, "invalid_argument"), "month")
	}
}
