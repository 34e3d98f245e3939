package attendance

import (
	"context"
	"fmt"
	"time"

	"schoolcheck/service"
	"schoolcheck/service/report"
	"schoolcheck/service/school"

	"gorm.io/gorm"
)

// AttendanceReport is a school's monthly office sign-in sheet (GET /reports/attendance).
type AttendanceReport struct {
	School service.Ref        `json:"school"`
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
// one punch missing. Rest, upcoming and not_joined days count nowhere; an approved leave counts in
// on_leave (and workdays) for the whole month, future days too, as the personal view shows it.
type AttendanceTotals struct {
	Staff service.Ref `json:"staff"`
	// Label tells two people of the same name apart ("李娜（尾号5678）"); it is the name otherwise.
	Label      string      `json:"label"`
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

func tally(p report.Person, days []AttendanceDay) AttendanceTotals {
	t := AttendanceTotals{Staff: p.Ref, Label: p.Label, Days: make([]DayStatus, 0, len(days))}
	for _, d := range days {
		t.Days = append(t.Days, DayStatus{Date: d.Date, Status: d.Status})
		switch d.Status {
		case DayRest, DayUpcoming, DayNotJoined:
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

// Report computes the month's sheet for every active staff member of the school in roster order, with the
// same day rules as GET /attendance/days (leaders: their school; inspectors: a school of their region).
func (s *Service) Report(ctx context.Context, a *service.Actor, q report.Query) (AttendanceReport, error) {
	db := s.Read(ctx)
	si, err := report.School(db, a, q.SchoolID)
	if err != nil {
		return AttendanceReport{}, err
	}
	now := s.Now()
	p, err := report.MonthPeriod(q, si, now)
	if err != nil {
		return AttendanceReport{}, err
	}
	return s.report(db, si, p, now)
}

// report is the sheet of a school and month; the overview uses it for its attendance rate.
func (s *Service) report(db *gorm.DB, si *school.Info, p report.Period, now time.Time) (AttendanceReport, error) {
	people, err := report.Roster(db, si.School.ID)
	if err != nil {
		return AttendanceReport{}, err
	}
	inputs, err := loadDayInputs(db, si, p.From, p.To, "")
	if err != nil {
		return AttendanceReport{}, err
	}
	rep := AttendanceReport{School: si.Ref(), Month: p.Month, Days: make([]ReportDay, 0, len(inputs.plans)),
		Items: make([]AttendanceTotals, 0, len(people))}
	for _, pl := range inputs.plans {
		rep.Days = append(rep.Days, ReportDay{Date: pl.Date, Workday: pl.Workday, Note: pl.Note})
	}
	for _, person := range people {
		in := inputs.of(person.ID)
		in.joined = service.LocalDate(person.Row().CreatedAt, si.Loc)
		rep.Items = append(rep.Items, tally(person, attendanceDays(si, in, now)))
	}
	return rep, nil
}

// Summary is a school's sign-in figures for a month, the ones the inspections overview shows: the report's
// rows added up. Rate is present / workdays (0..1; 0 when no day was due), so it is the share of the days
// due on which staff came.
type Summary struct {
	Staff      int     `json:"staff"`
	Workdays   int     `json:"workdays"`
	Present    int     `json:"present"`
	Late       int     `json:"late"`
	EarlyLeave int     `json:"early_leave"`
	Absent     int     `json:"absent"`
	OnLeave    int     `json:"on_leave"`
	MissingOut int     `json:"missing_out"`
	Rate       float64 `json:"rate"`
}

// Summarize adds up a report's rows: what the overview shows for the school is exactly what the sheet sums
// to.
func Summarize(rep AttendanceReport) Summary {
	var sum Summary
	for _, it := range rep.Items {
		sum.Staff++
		sum.Workdays += it.Workdays
		sum.Present += it.Present
		sum.Late += it.Late
		sum.EarlyLeave += it.EarlyLeave
		sum.Absent += it.Absent
		sum.OnLeave += it.OnLeave
		sum.MissingOut += it.MissingOut
	}
	sum.Rate = report.Ratio(sum.Present, sum.Workdays)
	return sum
}

// Summary is the school's figures for a period (a month), computed by the code of GET /reports/attendance
// (for the inspections overview).
func (s *Service) Summary(ctx context.Context, si *school.Info, p report.Period) (Summary, error) {
	rep, err := s.report(s.Read(ctx), si, p, s.Now())
	if err != nil {
		return Summary{}, err
	}
	return Summarize(rep), nil
}

// present reports a day the person came to work (with both punches or one of them).
func present(status string) bool {
	switch status {
	case DayRest, DayUpcoming, DayNotJoined, DayAbsent, DayOnLeave:
		return false
	}
	return true
}

// daySymbols are the marks schools use on the hand-kept sheet.
var daySymbols = map[string]string{
	DayNormal: "√", DayLate: "迟", DayEarlyLeave: "早", DayLateEarlyLeave: "迟早", DayAbsent: "缺",
	DayOnLeave: "假", DayMissingOut: "漏", DayRest: "休", DayUpcoming: "", DayNotJoined: "—",
}

const attendanceLegend = "图例：√ 正常　迟 迟到　早 早退　迟早 迟到且早退　缺 缺勤　假 请假　漏 漏卡（缺签到或签退）　" +
	"休 休息日　— 尚未入职　空白 未到日期。灰底为周末及节假日。应出勤 = 出勤 + 缺勤 + 请假。"

// weekdayCN names the weekdays as the sheet's header does (Sunday first, like time.Weekday).
var weekdayCN = []string{"日", "一", "二", "三", "四", "五", "六"}

// ReportXLSX is the month's sheet as the grid schools keep by hand: names × days, a symbol per day, totals
// per row, weekends and holidays shaded, names and header frozen, on the shared printing rules.
func (s *Service) ReportXLSX(ctx context.Context, a *service.Actor, q report.Query) (report.File, error) {
	rep, err := s.Report(ctx, a, q)
	if err != nil {
		return report.File{}, err
	}
	si, err := school.Load(s.Read(ctx), rep.School.ID)
	if err != nil {
		return report.File{}, err
	}
	totals := []string{"应出勤", "出勤", "迟到", "早退", "缺勤", "请假", "漏卡"}
	nd := len(rep.Days)
	cols := []report.Column{{Title: "姓名", Width: 10}}
	for _, d := range rep.Days {
		t, _ := time.Parse(time.DateOnly, d.Date)
		cols = append(cols, report.Column{Title: fmt.Sprintf("%d\n%s", t.Day(), weekdayCN[t.Weekday()]), Width: 4.2,
			Kind: report.Center})
	}
	for _, h := range totals {
		cols = append(cols, report.Column{Title: h, Width: 6.5, Kind: report.Int})
	}
	sum := make([]int, nd+len(totals))
	rows := make([][]any, 0, len(rep.Items))
	for _, it := range rep.Items {
		row := []any{it.Label}
		for i, d := range it.Days {
			row = append(row, daySymbols[d.Status])
			if present(d.Status) {
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
	ym, _ := time.Parse("2006-01", rep.Month)
	rest := func(col int) bool { return col >= 1 && col <= nd && !rep.Days[col-1].Workday }
	w := report.NewWorkbook(rep.School.Name, s.Now().In(si.Loc))
	err = w.Add(report.Sheet{Name: "坐班考勤", Title: fmt.Sprintf("%s %d年%d月 教职工坐班考勤表", rep.School.Name, ym.Year(), ym.Month()),
		Columns: cols, Rows: rows, Totals: footer, FreezeCols: 1, Notes: []string{attendanceLegend},
		Shade: func(_, col int) bool { return rest(col) }, HeaderShade: rest})
	if err != nil {
		return report.File{}, err
	}
	return w.Finish(fmt.Sprintf("%s 坐班考勤表 %s.xlsx", rep.Month, rep.School.Name))
}
