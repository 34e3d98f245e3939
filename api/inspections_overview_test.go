package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"schoolcheck/api/apitest"
	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/report"
)

// seedModules writes a month of every module's records for a school straight into the database: sign-ins
// with a late day and a missing sign-out, leaders' and a parent's 陪餐 with feedback answered after 5 and 9
// hours and one left open, phone checks with a day missed, and observations.
func seedModules(t *testing.T, e *apitest.Env, sc *apitest.School, principal, t1, t2 *apitest.User, classID string) {
	t.Helper()
	loc := time.FixedZone("CST", 8*3600)
	at := func(date, hhmm string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", date+" "+hhmm, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	create := func(rows any) {
		t.Helper()
		if err := e.DB.Create(rows).Error; err != nil {
			t.Fatal(err)
		}
	}
	var punches []model.AttendancePunch
	punch := func(staff, date, kind, hhmm, status string) {
		punches = append(punches, model.AttendancePunch{ID: model.NewID(), SchoolID: sc.ID, StaffID: staff, Date: date,
			Kind: kind, At: at(date, hhmm), Method: "location", Fence: "行政楼", Status: status, CreatedAt: at(date, hhmm),
			UpdatedAt: at(date, hhmm)})
	}
	for _, d := range []string{"02", "03", "04", "05", "06"} {
		punch(t1.ID, "2026-11-"+d, "in", "07:40", "on_time")
		punch(t1.ID, "2026-11-"+d, "out", "17:40", "normal")
	}
	punch(t2.ID, "2026-11-02", "in", "07:45", "on_time")
	punch(t2.ID, "2026-11-03", "in", "08:20", "late")
	punch(t2.ID, "2026-11-03", "out", "17:35", "normal")
	create(&punches)

	var meals []model.Meal
	meal := func(author, role, label, date string) {
		meals = append(meals, model.Meal{ID: model.NewID(), SchoolID: sc.ID, Date: date, Meal: "lunch", AuthorID: author,
			Role: role, Label: label, Dishes: `["米饭","青菜"]`, Hygiene: 5, Taste: 4, Quantity: 4, Temperature: 4, Price: 5,
			Comment: "可口", CreatedAt: at(date, "12:30"), UpdatedAt: at(date, "12:30")})
	}
	meal(principal.ID, "leader", principal.Name, "2026-11-02")
	meal(principal.ID, "leader", principal.Name, "2026-11-03")
	meal(t1.ID, "leader", "主任", "2026-11-10")
	meal(model.NewID(), "parent", "三年级家长", "2026-11-04")
	create(&meals)
	var fbs []model.Feedback
	for i, hours := range []int{0, 5, 9} {
		created := at(fmt.Sprintf("2026-11-%02d", 10+i), "10:00")
		fb := model.Feedback{ID: model.NewID(), SchoolID: sc.ID, AccountID: model.NewID(), ClassID: classID, Label: "三年级家长",
			Category: "taste", Content: "饭菜偏咸", Status: "open", Moderation: "pass", CreatedDate: created.In(loc).Format(time.DateOnly),
			CreatedAt: created, UpdatedAt: created}
		if hours > 0 {
			r := created.Add(time.Duration(hours) * time.Hour)
			fb.Status, fb.FirstReplyAt = "replied", &r
		}
		fbs = append(fbs, fb)
	}
	create(&fbs)

	create(&model.PhoneRegistration{ID: model.NewID(), SchoolID: sc.ID, ClassID: classID, FromDate: "2026-10-20", Count: 40,
		CreatedAt: at("2026-10-20", "09:00"), UpdatedAt: at("2026-10-20", "09:00")})
	var checks []model.PhoneCheck
	check := func(date, kind string, counted int) {
		exp := 40
		checks = append(checks, model.PhoneCheck{ID: model.NewID(), SchoolID: sc.ID, ClassID: classID, Date: date, Kind: kind,
			Registered: 40, Expected: &exp, Counted: &counted, Discrepancy: exp - counted, AuthorID: t1.ID, AuthorName: t1.Name,
			CreatedAt: at(date, "08:20"), UpdatedAt: at(date, "08:20")})
	}
	for _, d := range []string{"02", "03", "04", "05", "09"} {
		check("2026-11-"+d, "collect", 40)
	}
	check("2026-11-02", "return", 39)
	create(&checks)

	var obs []model.Observation
	for i, d := range []string{"05", "06", "12"} {
		obs = append(obs, model.Observation{ID: model.NewID(), SchoolID: sc.ID, ObserverID: principal.ID, TeacherID: t1.ID,
			Date: "2026-11-" + d, Period: 1 + i, Subject: "数学", Topic: "分数", Kind: "routine", RubricVersion: 1, Scores: "{}",
			Total: 70 + 5*i, MaxTotal: 100, Strengths: "条理清楚", Suggestions: "多互动", Moderation: "pass",
			ReflectionModeration: "pass", CreatedAt: at("2026-11-"+d, "11:00"), UpdatedAt: at("2026-11-"+d, "11:00")})
	}
	create(&obs)
}

// TestOverviewAgreesWithModuleReports: the overview's figures for a school are those of each module's own
// report on the same data, for every module, as the inspector and as the principal read them — for each of
// two schools with records (the overview computes the schools together), beside a third with none.
func TestOverviewAgreesWithModuleReports(t *testing.T) {
	e := newEnv(t)
	e.Clock.Set(apitest.At("2026-10-20", "09:00"))
	sc := e.School()
	t1, t2 := sc.Teacher("一班主任"), sc.Teacher("科任")
	class := sc.Class(t1)
	other := e.SchoolIn(sc.Region) // a second school of the region, with nothing recorded
	second := e.SchoolIn(sc.Region)
	s1, s2 := second.Teacher("二校班主任"), second.Teacher("二校科任")
	sclass := second.Class(s1)
	insp := e.Inspector(sc.Region)
	e.Clock.Set(apitest.At("2026-11-25", "15:00"))
	relogin(e, sc.Principal, t1, t2, other.Principal, second.Principal, s1, s2, insp)
	seedModules(t, e, sc, sc.Principal, t1, t2, class.ID)
	seedModules(t, e, second, second.Principal, s1, s2, sclass.ID)

	ratio := func(n, d float64) float64 {
		if d == 0 {
			return 0
		}
		return float64(int64(n/d*10000+0.5)) / 10000
	}
	// reports are a school's figures as its module reports give them, and the attendance sheet's sums.
	reports := func(schoolID string) (map[string]map[string]any, float64, float64) {
		q := "month=2026-11&school_id=" + schoolID
		att := e.Get("reports/attendance?"+q, insp.Token).Want(http.StatusOK).Map()
		meals := e.Get("reports/meals?"+q, insp.Token).Want(http.StatusOK).Map()
		phones := e.Get("reports/phones?"+q, insp.Token).Want(http.StatusOK).Map()
		obs := e.Get("reports/observations?from=2026-11-01&to=2026-11-30&school_id="+schoolID, insp.Token).Want(http.StatusOK).Map()
		var workdays, present float64
		for _, it := range att["items"].([]any) {
			it := it.(map[string]any)
			workdays += it["workdays"].(float64)
			present += it["present"].(float64)
		}
		fb := meals["feedback"].(map[string]any)
		ptotal := phones["total"].(map[string]any)
		osum := obs["summary"].(map[string]any)
		// The data is not trivial: each module has something to agree on.
		if present == 0 || meals["covered"] == float64(0) || fb["median_reply_hours"] != 7.0 || ptotal["coverage"] == float64(0) ||
			osum["observations"] != float64(3) {
			t.Fatalf("seeded figures: present %v, covered %v, median %v, phones %v, observations %v", present, meals["covered"],
				fb["median_reply_hours"], ptotal["coverage"], osum["observations"])
		}
		return map[string]map[string]any{
			"attendance":   {"workdays": workdays, "present": present, "rate": ratio(present, workdays)},
			"meals":        {"served": meals["served"], "covered": meals["covered"], "coverage": meals["coverage"], "feedback_received": fb["received"], "feedback_open": fb["open"], "median_reply_hours": fb["median_reply_hours"]},
			"phones":       {"due": ptotal["collect_due"].(float64) + ptotal["return_due"].(float64), "done": ptotal["collect_days"].(float64) + ptotal["return_days"].(float64), "coverage": ptotal["coverage"]},
			"observations": {"observations": osum["observations"], "staff": osum["staff"], "per_teacher": osum["per_teacher"], "quota_sum": osum["quota_sum"], "quota_met": osum["quota_met"]},
		}, workdays, present
	}
	want, workdays, present := reports(sc.ID)
	wantSecond, workdays2, present2 := reports(second.ID)
	check := func(who *apitest.User, ov map[string]any, schoolID string, want map[string]map[string]any) {
		var row map[string]any
		for _, it := range ov["items"].([]any) {
			if it := it.(map[string]any); it["school"].(map[string]any)["id"] == schoolID {
				row = it
			}
		}
		if row == nil || row["counted"] != true {
			t.Fatalf("%s: no counted row for school %s in %v", who.Name, schoolID, ov["items"])
		}
		for module, figures := range want {
			got := row[module].(map[string]any)
			for k, v := range figures {
				t.Run(who.Name+" "+schoolID+" "+module+" "+k, func(t *testing.T) {
					if got[k] != v {
						t.Fatalf("overview %v, module report %v", got[k], v)
					}
				})
			}
		}
	}
	check(second.Principal, e.Get("reports/overview?month=2026-11", second.Principal.Token).Want(http.StatusOK).Map(),
		second.ID, wantSecond)
	for _, who := range []*apitest.User{insp, sc.Principal} {
		ov := e.Get("reports/overview?month=2026-11", who.Token).Want(http.StatusOK).Map()
		check(who, ov, sc.ID, want)
		if who == insp {
			check(who, ov, second.ID, wantSecond)
		}
		total := ov["total"].(map[string]any)
		if who == sc.Principal {
			if len(ov["items"].([]any)) != 1 || total["attendance"].(map[string]any)["rate"] != want["attendance"]["rate"] ||
				ov["region"] != nil || total["region"].(map[string]any)["name"] != sc.Region {
				t.Fatalf("principal's overview %v", ov)
			}
			continue
		}
		// The region's total adds the empty school: counts summed, rates recomputed.
		ta := total["attendance"].(map[string]any)
		var otherRow map[string]any
		for _, it := range ov["items"].([]any) {
			if it := it.(map[string]any); it["school"].(map[string]any)["id"] == other.ID {
				otherRow = it
			}
		}
		ow := otherRow["attendance"].(map[string]any)["workdays"].(float64)
		if ta["workdays"] != workdays+workdays2+ow || ta["rate"] != ratio(present+present2, workdays+workdays2+ow) ||
			total["schools"] != float64(3) {
			t.Fatalf("region total %v (other school's workdays %v)", ta, ow)
		}
		// The console's school page computes one school's row alone: the same row as the overview's.
		row, err := e.App.Inspections.SchoolMonth(context.Background(), e.Actor(insp), sc.ID, "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(row)
		alone, together := map[string]any{}, map[string]any{}
		_ = json.Unmarshal(raw, &alone)
		for _, it := range ov["items"].([]any) {
			if it := it.(map[string]any); it["school"].(map[string]any)["id"] == sc.ID {
				together = it
			}
		}
		if !reflect.DeepEqual(alone, together) {
			t.Fatalf("the school's row alone %v, in the overview %v", alone, together)
		}
		if _, err := e.App.Inspections.SchoolMonth(context.Background(), e.Actor(sc.Principal), second.ID, "2026-11"); !errors.Is(err, service.ErrNotFound) {
			t.Fatalf("a principal reading another school's row: %v, want not found", err)
		}
	}
}

// TestInspectionWorkbooks: the evidence pack, the overview and the meals workbook open in excelize with
// their sheets, headers, print titles and the summary's native charts.
func TestInspectionWorkbooks(t *testing.T) {
	e := newEnv(t)
	e.Clock.Set(apitest.At("2026-10-20", "09:00"))
	sc := e.School()
	t1, t2 := sc.Teacher("一班主任"), sc.Teacher("科任")
	class := sc.Class(t1)
	insp := e.Inspector(sc.Region)
	e.Clock.Set(apitest.At("2026-11-25", "15:00"))
	relogin(e, sc.Principal, t1, t2, insp)
	seedModules(t, e, sc, sc.Principal, t1, t2, class.ID)
	e.Post("inspections/findings", insp.Token, map[string]any{"school_id": sc.ID, "module": "phones", "title": "手机柜未上锁",
		"due": "2026-12-10"}).Want(http.StatusCreated)

	open := func(path string) (*excelize.File, []byte) {
		t.Helper()
		r := e.Get(path, insp.Token).Want(http.StatusOK)
		if r.Header.Get("Content-Type") != report.XLSXType || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%s headers %v", path, r.Header)
		}
		f, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		return f, r.Body
	}
	header := func(f *excelize.File, sheet string) []string {
		rows, err := f.GetRows(sheet)
		if err != nil || len(rows) < 2 {
			t.Fatalf("%s: %v %v", sheet, rows, err)
		}
		return rows[1]
	}

	f, raw := open("reports/evidence?from=2026-09-01&to=2026-11-25&school_id=" + sc.ID)
	wantSheets := []string{"封面", "汇总", "坐班考勤", "陪餐记录", "家长反馈", "手机管理", "听课评课", "问题清单"}
	if got := f.GetSheetList(); strings.Join(got, ",") != strings.Join(wantSheets, ",") {
		t.Fatalf("evidence sheets %v", got)
	}
	for _, sheet := range wantSheets[1:] {
		wantPrintTitles(t, f, sheet)
	}
	if h := header(f, "汇总"); h[0] != "月份" || h[1] != "坐班出勤率" {
		t.Fatalf("summary header %q", h)
	}
	rows, _ := f.GetRows("汇总")
	if len(rows) < 5 || rows[2][0] != "2026-09" || rows[4][0] != "2026-11" {
		t.Fatalf("summary months %q", rows)
	}
	counts := map[string]int{"坐班考勤": 13, "陪餐记录": 4, "家长反馈": 3, "手机管理": 6, "听课评课": 3, "问题清单": 1}
	for sheet, n := range counts {
		rows, _ := f.GetRows(sheet)
		data := 0
		for _, r := range rows[2:] {
			if len(r) > 1 && strings.HasPrefix(r[0], "2026-") {
				data++
			}
		}
		if data != n {
			t.Errorf("%s: %d records, want %d", sheet, data, n)
		}
		if last := rows[len(rows)-1]; len(last) == 0 || !strings.Contains(last[0], "审核人") {
			t.Errorf("%s: no signature line", sheet)
		}
		layout, err := f.GetPageLayout(sheet)
		if err != nil || layout.Size == nil || *layout.Size != 9 {
			t.Errorf("%s page layout %+v %v", sheet, layout, err)
		}
	}
	if h := header(f, "陪餐记录"); h[4] != "菜品" || h[5] != "卫生" || h[12] != "照片链接" {
		t.Fatalf("meal records header %q", h)
	}
	// Two native charts on the summary sheet.
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	charts := 0
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/charts/chart") {
			charts++
		}
	}
	if charts != 2 {
		t.Fatalf("%d charts in the evidence pack", charts)
	}

	ov, _ := open("reports/overview?month=2026-11&format=xlsx")
	if h := header(ov, "学校"); h[0] != "学校" || h[2] != "坐班出勤率" || h[12] != "逾期\n问题" {
		t.Fatalf("overview header %q", h)
	}
	wantPrintTitles(t, ov, "学校")

	meals, _ := open("reports/meals?month=2026-11&format=xlsx&school_id=" + sc.ID)
	list := meals.GetSheetList()
	if len(list) < 5 || list[len(list)-2] != "陪餐记录" || list[len(list)-1] != "家长反馈" {
		t.Fatalf("meals workbook sheets %v", list)
	}
	if h := header(meals, "家长反馈"); h[6] != "回复记录" {
		t.Fatalf("feedback sheet header %q", h)
	}
	wantPrintTitles(t, meals, "家长反馈")

	// A principal gets their own pack; a period over 400 days is refused.
	e.Get("reports/evidence?from=2026-11-01&to=2026-11-25", sc.Principal.Token).Want(http.StatusOK)
	e.Get("reports/evidence?from=2025-01-01&to=2026-11-25&school_id="+sc.ID, insp.Token).WantError(http.StatusBadRequest, "invalid_argument")
	e.Get("reports/evidence?from=2026-11-01&to=2026-11-25&school_id="+sc.ID+"&format=json", insp.Token).
		WantError(http.StatusBadRequest, "invalid_argument")
}
