package api_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"schoolcheck/api/apitest"
	"schoolcheck/service/observations"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// The autumn term up to Wednesday 25 November: the leader 甲 observed 丙 (Chinese, 90/100, acknowledged)
// and 丁 (maths, 75/100, never acknowledged: overdue); 丙 observed 丁 (80/100) yesterday; after the
// principal published a 50-point rubric, 乙 (a leader who teaches) observed 丙 (40/50).
func TestObservationReport(t *testing.T) {
	e := apitest.New(t, apitest.WithNow(apitest.At("2026-09-01", "08:00")))
	sc := e.School()
	jia, yi := sc.Leader("甲主任"), sc.Staff("乙老师", "leader", "teacher")
	bing, ding := sc.Teacher("丙老师"), sc.Teacher("丁老师")
	at := func(date, hhmm string) {
		e.Clock.Set(apitest.At(date, hhmm))
		for _, u := range []*apitest.User{sc.Principal, jia, yi, bing, ding} {
			u.Token = e.Relogin(u)
		}
	}
	at("2026-10-10", "10:00")
	first := observe(e, jia.Token, with(obsReq(bing.ID, "2026-10-10", 18), "subject", "语文"))
	e.Post("observations/"+first+"/acknowledge", bing.Token, map[string]string{"reflection": "朗读环节时间偏长，下次压缩"}).
		Want(http.StatusOK)
	at("2026-11-02", "10:00")
	observe(e, jia.Token, with(obsReq(ding.ID, "2026-11-02", 15), "subject", "数学", "topic", "圆的周长"))
	at("2026-11-24", "10:00")
	observe(e, bing.Token, with(obsReq(ding.ID, "2026-11-24", 16), "subject", "数学", "topic", "圆的面积"))
	at("2026-11-25", "09:00")
	e.Put("observations/rubric", sc.Principal.Token, map[string]any{"items": []map[string]any{
		{"key": "design", "name": "教学设计", "max": 10}, {"key": "delivery", "name": "课堂实施", "max": 20},
		{"key": "effect", "name": "教学效果", "max": 20}}}).Want(http.StatusOK)
	observe(e, yi.Token, with(obsReq(bing.ID, "2026-11-25", 0), "subject", "语文", "scores",
		map[string]int{"design": 8, "delivery": 16, "effect": 16}))

	q := "reports/observations?from=2026-09-01&to=2026-11-25"
	var rep observations.ObservationReport
	e.Get(q, jia.Token).Want(http.StatusOK).JSON(&rep)
	type row struct {
		label                             string
		quota, given, shortfall, received int
		avg                               float64 // -1: none
		acknowledged                      int
		share                             float64 // -1: none
		overdue                           int
	}
	want := []row{
		{sc.Principal.Name, 30, 0, 30, 0, -1, 0, -1, 0},
		{"甲主任", 20, 2, 18, 0, -1, 0, -1, 0},
		{"乙老师", 20, 1, 19, 0, -1, 0, -1, 0},
		{"丙老师", 10, 1, 9, 2, 0.85, 1, 0.5, 0},
		{"丁老师", 10, 0, 10, 2, 0.775, 0, 0, 1},
	}
	orNone := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	if len(rep.Items) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rep.Items), len(want), rep.Items)
	}
	for i, it := range rep.Items {
		got := row{it.Label, it.Quota, it.Given, it.Shortfall, it.Received, orNone(it.AverageRate), it.Acknowledged,
			orNone(it.AcknowledgedShare), it.Overdue}
		if got != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, got, want[i])
		}
	}
	if !slices.Equal(rep.Items[2].Roles, []string{"leader", "teacher"}) {
		t.Errorf("roles %v", rep.Items[2].Roles)
	}
	sum := rep.Summary
	if sum.Observations != 4 || sum.Staff != 5 || sum.PerTeacher != 0.8 || sum.QuotaSum != 90 || sum.QuotaMet != 0.0444 ||
		sum.Acknowledged != 1 || sum.AcknowledgedShare != 0.25 || sum.Overdue != 1 || orNone(sum.AverageRate) != 0.8125 {
		t.Errorf("summary %+v", sum)
	}
	if len(rep.Subjects) != 2 || rep.Subjects[0].Subject != "数学" || rep.Subjects[0].Observations != 2 ||
		rep.Subjects[0].Teachers != 1 || orNone(rep.Subjects[0].AverageRate) != 0.775 || rep.Subjects[0].Overdue != 1 ||
		rep.Subjects[1].Subject != "语文" || orNone(rep.Subjects[1].AcknowledgedShare) != 0.5 {
		t.Errorf("subjects %+v", rep.Subjects)
	}
	if len(rep.Observations) != 4 || rep.Observations[0].Date != "2026-10-10" || rep.Observations[3].RubricVersion != 2 ||
		rep.Observations[3].Scores[0].Name != "教学设计" || rep.Observations[3].Scores[0].Score != 8 ||
		rep.Observations[0].Reflection == "" || !rep.Observations[1].Overdue {
		t.Errorf("records %+v", rep.Observations)
	}
	// The figures the inspections overview reads are the report's own.
	si, err := school.Load(e.DB, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := report.SpanPeriod(report.Query{From: "2026-09-01", To: "2026-11-25"}, si, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.App.Observations.Summary(context.Background(), si, p); err != nil || got.Observations != sum.Observations ||
		got.QuotaMet != sum.QuotaMet || orNone(got.AverageRate) != orNone(sum.AverageRate) || got.PerTeacher != sum.PerTeacher {
		t.Errorf("Summary %+v (%v), report %+v", got, err, sum)
	}

	// The workbook.
	r := e.Get(q+"&format=xlsx", jia.Token).Want(http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != report.XLSXType {
		t.Fatalf("content type %q", ct)
	}
	name := "2026-09-01至2026-11-25 听课评课报表 " + sc.Name + ".xlsx"
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape(name)) {
		t.Fatalf("content disposition %q", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"听课汇总", "教研组", "听课记录"}) {
		t.Fatalf("sheets %v", got)
	}
	staff, _ := f.GetRows("听课汇总")
	if !slices.Equal(staff[1], []string{"姓名", "角色", "学期听课任务", "听课节数", "差额", "被听课节数", "平均得分率", "已确认", "确认率", "逾期未确认"}) {
		t.Fatalf("header %v", staff[1])
	}
	if !slices.Equal(staff[4], []string{"乙老师", "领导、教师", "20", "1", "19", "0", "—", "0", "—", "0"}) ||
		!slices.Equal(staff[6], []string{"丁老师", "教师", "10", "0", "10", "2", "77.5%", "0", "0.0%", "1"}) {
		t.Fatalf("rows %v / %v", staff[4], staff[6])
	}
	if !slices.Equal(staff[7], []string{"合计", "5 人", "90", "4", "86", "4", "", "1", "25.0%", "1"}) {
		t.Fatalf("totals %v", staff[7])
	}
	// Numbers are stored as numbers, rates as fractions.
	if v, _ := f.GetCellValue("听课汇总", "G6", excelize.Options{RawCellValue: true}); v != "0.85" {
		t.Fatalf("G6 raw %q", v)
	}
	if typ, _ := f.GetCellType("听课汇总", "C3"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Fatalf("C3 type %v", typ)
	}
	if !strings.Contains(strings.Join(staff[len(staff)-1], ""), "校长签字") {
		t.Fatalf("no signature line: %v", staff[len(staff)-1])
	}
	subjects, _ := f.GetRows("教研组")
	if !slices.Equal(subjects[1], []string{"学科", "听课节数", "被听课教师（人）", "平均得分率", "已确认", "确认率", "逾期未确认"}) ||
		!slices.Equal(subjects[2], []string{"数学", "2", "1", "77.5%", "0", "0.0%", "1"}) ||
		!slices.Equal(subjects[3], []string{"语文", "2", "1", "85.0%", "1", "50.0%", "0"}) {
		t.Fatalf("subjects %v", subjects[1:4])
	}
	records, _ := f.GetRows("听课记录")
	if len(records) < 2+4+1 || records[1][9] != "各项得分" || records[1][13] != "优点" || records[1][14] != "建议" {
		t.Fatalf("records header %v", records[1])
	}
	last := records[5]
	if last[0] != "2026-11-25" || last[2] != "丙老师" || last[7] != "乙老师" || last[8] != "2" ||
		last[9] != "教学设计 8/10\n课堂实施 16/20\n教学效果 16/20" || last[10] != "40" || last[11] != "50" ||
		last[12] != "80.0%" || !strings.Contains(last[13], "朗读指导") {
		t.Fatalf("the version-2 record %v", last)
	}
	if records[3][15] != "逾期未确认" || !strings.Contains(records[2][16], "朗读环节") {
		t.Fatalf("acknowledgement columns %v / %v", records[2], records[3])
	}
	if lay, _ := f.GetPageLayout("听课记录"); lay.Orientation == nil || *lay.Orientation != "landscape" {
		t.Fatalf("records layout %+v", lay)
	}
	for _, sheet := range f.GetSheetList() {
		wantPrintTitles(t, f, sheet)
	}
}

func TestObservationReportAccess(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	other := e.SchoolIn(sc.Region)
	far := e.School()
	insp, farInsp := e.Inspector(sc.Region), e.Inspector(far.Region)
	leader, teacher, parent := sc.Leader("主任"), sc.Teacher("老师"), sc.Parent(sc.Class(nil))
	q := "reports/observations?from=2026-11-01&to=2026-11-25"
	e.Get(q+"&school_id="+sc.ID, insp.Token).Want(http.StatusOK)
	e.Get(q+"&school_id="+other.ID+"&format=xlsx", insp.Token).Want(http.StatusOK)
	e.Get(q, insp.Token).WantError(400, "invalid_argument")
	e.Get(q+"&school_id="+sc.ID, farInsp.Token).WantError(404, "not_found")
	e.Get(q+"&school_id="+sc.ID, other.Principal.Token).WantError(404, "not_found")
	e.Get(q, teacher.Token).WantError(403, "forbidden")
	e.Get(q, parent.Token).WantError(403, "forbidden")
	e.Get(q, leader.Token).Want(http.StatusOK)
	e.Get(q+"&format=pdf", leader.Token).WantError(400, "invalid_argument")
	for _, bad := range []string{"reports/observations", "reports/observations?from=2026-11-01",
		"reports/observations?from=2026-11-26&to=2026-11-30", "reports/observations?from=2026-11-20&to=2026-11-01",
		"reports/observations?from=2025-01-01&to=2026-11-25"} {
		e.Get(bad, leader.Token).WantError(400, "invalid_argument")
	}
	// A school with no observations yet: every row, nothing to average.
	var rep observations.ObservationReport
	e.Get(q, leader.Token).Want(http.StatusOK).JSON(&rep)
	if len(rep.Items) != 3 || rep.Summary.Observations != 0 || rep.Summary.AverageRate != nil || rep.Items[0].AverageRate != nil ||
		len(rep.Subjects) != 0 || len(rep.Observations) != 0 || rep.Summary.QuotaSum != 30+20+10 {
		t.Fatalf("empty report %+v", rep)
	}
}
