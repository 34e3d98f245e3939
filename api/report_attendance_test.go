package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestAttendanceReport(t *testing.T) {
	w := newMonthWorld(t)
	e := w.e
	rep := e.Get("reports/attendance?month=2026-11", w.boss.Token).Want(http.StatusOK).Map()
	if rep["month"] != "2026-11" || rep["school"].(map[string]any)["id"] != w.sc.ID || len(rep["days"].([]any)) != 30 {
		t.Fatalf("report header %v", rep)
	}
	var row map[string]any
	for _, it := range rep["items"].([]any) {
		if m := it.(map[string]any); m["staff"].(map[string]any)["id"] == w.u.ID {
			row = m
		}
	}
	if row == nil {
		t.Fatalf("teacher missing from %v", rep["items"])
	}
	// 20 days due (Nov 3 on, 22 workdays minus the holiday and the Monday before joining):
	// present 3,4,5,6,9,11,28,30; absent 10 and 17–27; on leave 13 and 16; late 4 and 6; early 5 and 6.
	want := map[string]float64{"workdays": 20, "present": 8, "absent": 10, "on_leave": 2, "late": 2, "early_leave": 2, "missing_out": 1}
	for k, v := range want {
		if row[k] != v {
			t.Errorf("%s = %v, want %v", k, row[k], v)
		}
	}
	for _, d := range row["days"].([]any) {
		d := d.(map[string]any)
		if want := wantNovember[d["date"].(string)]; d["status"] != want {
			t.Errorf("report %s: %v, want %s", d["date"], d["status"], want)
		}
	}

	// The workbook: names × days with symbols, shaded rest days, frozen names and header, a legend.
	r := e.Get("reports/attendance?month=2026-11&format=xlsx", w.boss.Token).Want(http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("headers %v", r.Header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetName(0)
	rows, _ := f.GetRows(sheet)
	if len(rows) < 4 || rows[1][0] != "姓名" || rows[1][1] != "1\n日" || rows[1][4] != "4\n三" || rows[1][31] != "应出勤" {
		t.Fatalf("header %q", rows[1])
	}
	var mine []string
	for _, rw := range rows {
		if len(rw) > 0 && rw[0] == "黄老师" {
			mine = rw
		}
	}
	wantCells := map[int]string{1: "—", 2: "—", 3: "√", 4: "迟", 5: "早", 6: "迟早", 9: "漏", 10: "缺", 12: "休", 13: "假", 14: "休", 28: "√",
		31: "20", 32: "8", 33: "2", 34: "2", 35: "10", 36: "2", 37: "1"}
	for col, v := range wantCells {
		if col >= len(mine) || mine[col] != v {
			t.Fatalf("黄老师's row %q: column %d want %q", mine, col, v)
		}
	}
	fill := func(cell string) string {
		id, _ := f.GetCellStyle(sheet, cell)
		st, _ := f.GetStyle(id)
		if st == nil || len(st.Fill.Color) == 0 {
			return ""
		}
		return st.Fill.Color[0]
	}
	if fill("H3") == "" || fill("E3") != "" || fill("M3") == "" || fill("AC3") != "" { // Sat 7th, Wed 4th, holiday 12th, 调休 28th
		t.Fatalf("shading: Sat %q Wed %q holiday %q 调休 %q", fill("H3"), fill("E3"), fill("M3"), fill("AC3"))
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.XSplit != 1 || panes.YSplit != 2 {
		t.Fatalf("panes %+v %v", panes, err)
	}
	layout, err := f.GetPageLayout(sheet)
	if err != nil || layout.Orientation == nil || *layout.Orientation != "landscape" || layout.FitToWidth == nil || *layout.FitToWidth != 1 {
		t.Fatalf("page layout %+v %v", layout, err)
	}
	legend := false
	for _, rw := range rows {
		if len(rw) > 0 && strings.HasPrefix(rw[0], "图例") && strings.Contains(rw[0], "迟 迟到") {
			legend = true
		}
	}
	if !legend {
		t.Fatal("no legend under the grid")
	}
	wantPrintTitles(t, f, sheet)
	if last := rows[len(rows)-1]; len(last) == 0 || !strings.Contains(last[0], "审核人") {
		t.Fatalf("no signature line: %v", last)
	}
}

func TestAttendanceReportAccess(t *testing.T) {
	e, sc := attendanceEnv(t)
	other := e.School()
	teacher, leader := sc.Teacher("普通老师"), sc.Leader("主任")
	insp, farInsp := e.Inspector(sc.Region), e.Inspector(other.Region)
	q := "reports/attendance?month=2026-11"
	e.Get(q, teacher.Token).WantError(http.StatusForbidden, "forbidden")
	e.Get(q, leader.Token).Want(http.StatusOK)
	e.Get(q+"&school_id="+other.ID, leader.Token).WantError(http.StatusNotFound, "not_found")
	e.Get(q+"&school_id="+sc.ID, insp.Token).Want(http.StatusOK)
	e.Get(q, insp.Token).WantError(http.StatusBadRequest, "invalid_argument")
	e.Get(q+"&school_id="+sc.ID, farInsp.Token).WantError(http.StatusNotFound, "not_found")
	e.Get(q+"&school_id="+sc.ID+"&format=xlsx", insp.Token).Want(http.StatusOK)
	e.Get(q+"&format=pdf", leader.Token).WantError(http.StatusBadRequest, "invalid_argument")
	e.Get("reports/attendance?month=11-2026", leader.Token).WantError(http.StatusBadRequest, "invalid_argument")
	items := e.Get(q, sc.Principal.Token).Want(http.StatusOK).Map()["items"].([]any)
	if len(items) != 3 { // principal, teacher, leader
		t.Fatalf("%d rows", len(items))
	}
}
