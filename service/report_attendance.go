package service

import (
	"context"
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"

	"schoolcheck/model"
)

// AttendanceReport is a school's monthly office sign-in sheet (GET /reports/attendance).
type AttendanceReport struct {
	School Ref                `json:"school"`
	Month  string             `json:"month"`
	Days   []ReportDay        `json:"days"`
	Items  []AttendanceTotals `json:"items"`
}

// ReportDay is one column of the sheet: a date and whether the calendar makes it a workday.
type ReportDay struct {
	Date    string `json:"date"`
	Workday bool   `json:"workday"`
	Note    string `json:"note"`
}

// AttendanceTotals is one staff member's row. Workdays counts the days that were due (present + absent +
// on_leave); present is every day with a punch (normal, late, early_leave, late_early_leave, missing_out);
// late and early_leave count the days whose sign-in was late or sign-out early, missing_out the days with
// one punch missing. Rest and upcoming days count nowhere.
type AttendanceTotals struct {
	Staff      Ref         `json:"staff"`
	Workdays   int         `json:"workdays"`
	Present    int         `json:"present"`
	Late       int         `json:"late"`
	EarlyLeave int         `json:"early_leave"`
	Absent     int         `json:"absent"`
	OnLeave    int         `json:"on_leave"`
	MissingOut int         `json:"missing_out"`
	Days       []DayStatus `json:"days"`
}

// DayStatus is one cell of the sheet.
type DayStatus struct {
	Date   string `json:"date"`
	Status string `json:"status"`
}

func tally(staff model.Staff, days []AttendanceDay) AttendanceTotals {
	t := AttendanceTotals{Staff: Ref{ID: staff.ID, Name: staff.Name}, Days: make([]DayStatus, 0, len(days))}
	for _, d := range days {
		t.Days = append(t.Days, DayStatus{Date: d.Date, Status: d.Status})
		switch d.Status {
		case DayRest, DayUpcoming:
			continue
		case DayAbsent:
			t.Absent++
		case DayOnLeave:
			t.OnLeave++
		default:
			t.Present++
			if d.Status == DayMissingOut {
				t.MissingOut++
			}
			if d.In != nil && d.In.Status == StatusLate {
				t.Late++
			}
			if d.Out != nil && d.Out.Status == StatusEarlyLeave {
				t.EarlyLeave++
			}
		}
		t.Workdays++
	}
	return t
}

// AttendanceReport computes the month's sheet for every active staff member of the school, with the same
// day rules as GET /attendance/days (leaders: their school; inspectors: a school of their region).
func (s *Service) AttendanceReport(ctx context.Context, a *Actor, month, schoolID string) (AttendanceReport, error) {
	first, last, err := monthRange(month)
	if err != nil {
		return AttendanceReport{}, err
	}
	si, err := s.reportSchool(ctx, a, schoolID)
	if err != nil {
		return AttendanceReport{}, err
	}
	db := s.read(ctx)
	var staff []model.Staff
	if err := db.Scopes(model.InSchool(si.School.ID)).Where("active = ?", true).Order("name, id").
		Find(&staff).Error; err != nil {
		return AttendanceReport{}, wrapDB(err)
	}
	inputs, err := loadDayInputs(db, si, first, last, "")
	if err != nil {
		return AttendanceReport{}, err
	}
	rep := AttendanceReport{School: Ref{ID: si.School.ID, Name: si.School.Name}, Month: month,
		Days: make([]ReportDay, 0, len(inputs.plans)), Items: make([]AttendanceTotals, 0, len(staff))}
	for _, p := range inputs.plans {
		rep.Days = append(rep.Days, ReportDay{Date: p.Date, Workday: p.Workday, Note: p.Note})
	}
	now := s.now()
	for _, st := range staff {
		in := inputs.of(st.ID)
		in.joined = st.CreatedAt.In(si.Loc).Format(time.DateOnly)
		rep.Items = append(rep.Items, tally(st, attendanceDays(si, in, now)))
	}
	return rep, nil
}

// daySymbols are the marks schools use on the hand-kept sheet.
var daySymbols = map[string]string{
	DayNormal: "√", DayLate: "迟", DayEarlyLeave: "早", DayLateEarlyLeave: "迟早", DayAbsent: "缺",
	DayOnLeave: "假", DayMissingOut: "漏", DayRest: "休", DayUpcoming: "",
}

const attendanceLegend = "图例：√ 正常　迟 迟到　早 早退　迟早 迟到且早退　缺 缺勤　假 请假　漏 漏卡（缺签到或签退）　" +
	"休 休息日　空白 未到日期。灰底为周末及节假日。应出勤 = 出勤 + 缺勤 + 请假。"

// AttendanceReportXLSX is the month's sheet as the grid schools keep by hand: names × days, a symbol per
// day, totals per row, weekends and holidays shaded, names and header frozen, landscape one page wide.
func (s *Service) AttendanceReportXLSX(ctx context.Context, a *Actor, month, schoolID string) (File, error) {
	rep, err := s.AttendanceReport(ctx, a, month, schoolID)
	if err != nil {
		return File{}, err
	}
	w, err := newWorkbook()
	if err != nil {
		return File{}, err
	}
	totals := []string{"应出勤", "出勤", "迟到", "早退", "缺勤", "请假", "漏卡"}
	nd := len(rep.Days)
	headers, widths := []string{"姓名"}, []float64{10}
	for _, d := range rep.Days {
		t, _ := time.Parse(time.DateOnly, d.Date)
		headers = append(headers, fmt.Sprintf("%d\n%s", t.Day(), weekdayCN[t.Weekday()]))
		widths = append(widths, 4.2)
	}
	for _, h := range totals {
		headers, widths = append(headers, h), append(widths, 6.5)
	}
	sum := make([]int, nd+len(totals))
	rows := make([][]any, 0, len(rep.Items))
	for _, it := range rep.Items {
		row := []any{it.Staff.Name}
		for i, d := range it.Days {
			row = append(row, daySymbols[d.Status])
			if d.Status != DayRest && d.Status != DayUpcoming && d.Status != DayAbsent && d.Status != DayOnLeave {
				sum[i]++
			}
		}
		for i, n := range []int{it.Workdays, it.Present, it.Late, it.EarlyLeave, it.Absent, it.OnLeave, it.MissingOut} {
			row = append(row, n)
			sum[nd+i] += n
		}
		rows = append(rows, row)
	}
	footer := []any{"出勤人数/合计"}
	for _, n := range sum {
		footer = append(footer, n)
	}
	centered, err := w.style(&excelize.Style{Border: gridBorder, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return File{}, err
	}
	restHeader, err := w.style(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: gridBorder,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"BFBFBF"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		return File{}, err
	}
	ym, _ := time.Parse("2006-01", rep.Month)
	sheet := "坐班考勤"
	err = w.add(Table{Sheet: sheet, Title: fmt.Sprintf("%s %d年%d月 教职工坐班考勤表", rep.School.Name, ym.Year(), ym.Month()),
		Headers: headers, Widths: widths, Rows: rows, Totals: footer, FreezeCols: 1,
		CellStyle: func(_, col int, _ any) int {
			switch {
			case col == 0:
				return 0
			case col <= nd && !rep.Days[col-1].Workday:
				return w.shaded()
			}
			return centered
		}})
	if err != nil {
		return File{}, err
	}
	f := w.f
	_ = f.SetRowHeight(sheet, 2, 30)
	for i, d := range rep.Days {
		if !d.Workday {
			cell, _ := excelize.CoordinatesToCellName(i+2, 2)
			_ = f.SetCellStyle(sheet, cell, cell, restHeader)
		}
	}
	legendRow := len(rows) + 5
	start, _ := excelize.CoordinatesToCellName(1, legendRow)
	end, _ := excelize.CoordinatesToCellName(len(headers), legendRow)
	if err := f.SetCellValue(sheet, start, attendanceLegend); err != nil {
		return File{}, err
	}
	_ = f.MergeCell(sheet, start, end)
	wrap, _ := w.style(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	_ = f.SetCellStyle(sheet, start, end, wrap)
	_ = f.SetRowHeight(sheet, legendRow, 32)
	return w.file(fmt.Sprintf("坐班考勤_%s_%s.xlsx", rep.School.Name, rep.Month))
}

// weekdayCN names the weekdays as the sheet's header does (Sunday first, like time.Weekday).
var weekdayCN = []string{"日", "一", "二", "三", "四", "五", "六"}

// gridBorder is the thin grey border of the sheet's cells.
var gridBorder = []excelize.Border{{Type: "left", Color: "999999", Style: 1}, {Type: "right", Color: "999999", Style: 1},
	{Type: "top", Color: "999999", Style: 1}, {Type: "bottom", Color: "999999", Style: 1}}
