package inspections

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/report"
)

// Overview is GET /reports/overview: a month across the schools the actor reads — a row per school, a row
// per sub-region directly below the region read (each summing its whole subtree), and the region's total.
// A principal or leader sees their school's row (and a total equal to it).
type Overview struct {
	Region     *service.Ref `json:"region"`
	Month      string       `json:"month"`
	Items      []SchoolRow  `json:"items"`
	SubRegions []RegionRow  `json:"sub_regions"`
	Total      RegionRow    `json:"total"`
}

// SchoolRow is one school's month. Counted is false for a school that had not started using schoolcheck
// by the month's end (its figures are zero then).
type SchoolRow struct {
	School  service.Ref `json:"school"`
	Region  service.Ref `json:"region"`
	Counted bool        `json:"counted"`
	Figures
}

// RegionRow sums the schools of a region's subtree: counts are added and each rate recomputed from the
// sums (never an average of the schools' rates); MedianReplyHours is the median of the schools' medians.
type RegionRow struct {
	Region  service.Ref `json:"region"`
	Schools int         `json:"schools"`
	Figures
}

// Figures are a school's (or a region's) month. Each module's figure is the module's own (Sources): the
// attendance rate is present/workdays of GET /reports/attendance, meal coverage covered/served of
// GET /reports/meals, phone coverage the checks made of those due of GET /reports/phones, the observation
// figures those of GET /reports/observations for the month, feedback that of the meals report; findings are
// those not closed at the time of asking, and those of them past their due date.
type Figures struct {
	Attendance      AttendanceFigures  `json:"attendance"`
	Meals           MealFigures        `json:"meals"`
	Phones          PhoneFigures       `json:"phones"`
	Observations    ObservationFigures `json:"observations"`
	OpenFindings    int                `json:"open_findings"`
	OverdueFindings int                `json:"overdue_findings"`
}

// Overview computes the month across the actor's schools (inspectors: their subtree, or the sub-region
// named; principals and leaders: their school; everyone else 403).
func (s *Service) Overview(ctx context.Context, a *service.Actor, q report.Query) (Overview, error) {
	return s.overview(ctx, a, q, "")
}

// SchoolMonth is one school's row of the overview for the month — the school that the actor reads (an
// inspector's school of their subtree, a leader's own; another is 404) — computed for that school alone.
func (s *Service) SchoolMonth(ctx context.Context, a *service.Actor, schoolID, month string) (SchoolRow, error) {
	v := service.Invalid{}
	v.ID("school_id", schoolID)
	if err := v.Err(); err != nil {
		return SchoolRow{}, err
	}
	o, err := s.overview(ctx, a, report.Query{Month: month}, schoolID)
	if err != nil {
		return SchoolRow{}, err
	}
	return o.Items[0], nil
}

// overview is Overview, over only the school named when only is set (404 when the actor does not read it).
func (s *Service) overview(ctx context.Context, a *service.Actor, q report.Query, only string) (Overview, error) {
	v := service.Invalid{}
	first, last := v.Month("month", q.Month)
	v.ID("region_id", q.RegionID)
	if err := v.Err(); err != nil {
		return Overview{}, err
	}
	db := s.Read(ctx)
	sc, err := ReadScope(db, a, q.RegionID)
	if err != nil {
		return Overview{}, err
	}
	if only != "" {
		if _, ok := sc.Schools[only]; !ok {
			return Overview{}, service.NotFound("学校")
		}
		sc.Order = []string{only}
	}
	now := s.Now()
	if first > service.LocalDate(now, service.Beijing()) {
		return Overview{}, service.Invalid{"month": "不能查询今天以后的报表"}.Err()
	}
	out := Overview{Region: sc.Region, Month: q.Month, Items: make([]SchoolRow, len(sc.Order)), SubRegions: []RegionRow{}}
	today := map[string][]string{}
	for _, id := range sc.Order {
		d := sc.Schools[id].Today(now)
		today[d] = append(today[d], id)
	}
	counts, err := countFindings(db, today)
	if err != nil {
		return Overview{}, err
	}
	names, err := regionNames(db, sc)
	if err != nil {
		return Overview{}, err
	}
	var ts report.Targets
	for _, id := range sc.Order {
		si := sc.Schools[id]
		if si.Opened() > last {
			continue // not started by the month's end: not counted, its figures zero
		}
		p, err := report.MonthPeriod(report.Query{Month: q.Month}, si, now)
		if err != nil {
			return Overview{}, err
		}
		ts = append(ts, report.Target{School: si, Period: p})
	}
	figures, err := s.batch(ctx, ts)
	if err != nil {
		return Overview{}, err
	}
	for i, id := range sc.Order {
		si := sc.Schools[id]
		row := SchoolRow{School: si.Ref(), Region: service.Ref{ID: si.School.RegionID, Name: names[si.School.RegionID]}}
		row.Figures, row.Counted = figures[id]
		c := counts[id]
		row.OpenFindings, row.OverdueFindings = c.Open, c.Overdue
		out.Items[i] = row
	}
	out.Total = sum(out.Items, func(SchoolRow) bool { return true })
	if sc.Region != nil {
		out.Total.Region = *sc.Region
		for _, child := range sc.Tree.Children(sc.Region.ID) {
			sub := sc.Tree.Subtree(child.ID)
			row := sum(out.Items, func(r SchoolRow) bool { return slices.Contains(sub, r.Region.ID) })
			row.Region = service.Ref{ID: child.ID, Name: child.Name}
			out.SubRegions = append(out.SubRegions, row)
		}
	} else if len(out.Items) > 0 {
		out.Total.Region = out.Items[0].Region
	}
	return out, nil
}

// regionNames names the regions of the scope's schools (from the tree, or for a leader's school its row).
func regionNames(db *gorm.DB, sc *Scope) (map[string]string, error) {
	names := map[string]string{}
	if sc.Tree != nil {
		for _, id := range sc.Order {
			r, _ := sc.Tree.Region(sc.Schools[id].School.RegionID)
			names[r.ID] = r.Name
		}
		return names, nil
	}
	var ids []string
	for _, id := range sc.Order {
		ids = append(ids, sc.Schools[id].School.RegionID)
	}
	var rows []model.Region
	if len(ids) > 0 {
		if err := db.Where("id IN ?", ids).Find(&rows).Error; err != nil {
			return nil, service.WrapDB(err)
		}
	}
	for _, r := range rows {
		names[r.ID] = r.Name
	}
	return names, nil
}

// sum adds up the rows kept into a region's row (addUp).
func sum(rows []SchoolRow, keep func(SchoolRow) bool) RegionRow {
	var t RegionRow
	var fs []Figures
	for _, r := range rows {
		if keep(r) {
			t.Schools++
			fs = append(fs, r.Figures)
		}
	}
	t.Figures = addUp(fs)
	return t
}

// addUp is the figures of several schools, or of one school's months, together: counts summed, each rate
// recomputed from the sums (never an average of rates), the quota share weighted by the quotas, and the
// median reply time the median of the medians.
func addUp(fs []Figures) Figures {
	var t Figures
	var medians []float64
	for _, f := range fs {
		t.Attendance.Workdays += f.Attendance.Workdays
		t.Attendance.Present += f.Attendance.Present
		t.Meals.Served += f.Meals.Served
		t.Meals.Covered += f.Meals.Covered
		t.Meals.FeedbackReceived += f.Meals.FeedbackReceived
		t.Meals.FeedbackOpen += f.Meals.FeedbackOpen
		if f.Meals.MedianReplyHours != nil {
			medians = append(medians, *f.Meals.MedianReplyHours)
		}
		t.Phones.Due += f.Phones.Due
		t.Phones.Done += f.Phones.Done
		t.Observations.Observations += f.Observations.Observations
		t.Observations.Staff += f.Observations.Staff
		t.Observations.QuotaSum += f.Observations.QuotaSum
		t.Observations.QuotaMet += f.Observations.QuotaMet * float64(f.Observations.QuotaSum)
		t.OpenFindings += f.OpenFindings
		t.OverdueFindings += f.OverdueFindings
	}
	t.Attendance.Rate = report.Ratio(t.Attendance.Present, t.Attendance.Workdays)
	t.Meals.Coverage = report.Ratio(t.Meals.Covered, t.Meals.Served)
	t.Phones.Coverage = report.Ratio(t.Phones.Done, t.Phones.Due)
	if t.Observations.Staff > 0 {
		t.Observations.PerTeacher = round2(float64(t.Observations.Observations) / float64(t.Observations.Staff))
	}
	if t.Observations.QuotaSum > 0 {
		t.Observations.QuotaMet = round4(t.Observations.QuotaMet / float64(t.Observations.QuotaSum))
	} else {
		t.Observations.QuotaMet = 0
	}
	t.Meals.MedianReplyHours = median(medians)
	return t
}

func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	slices.Sort(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	m = float64(int64(m*10+0.5)) / 10
	return &m
}

func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }
func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }

// overviewColumns are the overview sheet's columns after the name.
var overviewColumns = []report.Column{
	{Title: "坐班出勤率", Width: 9, Kind: report.Percent},
	{Title: "陪餐覆盖率", Width: 9, Kind: report.Percent},
	{Title: "手机检查\n覆盖率", Width: 9, Kind: report.Percent},
	{Title: "听课次数", Width: 7, Kind: report.Int},
	{Title: "人均听课", Width: 7, Kind: report.Decimal},
	{Title: "听课配额\n完成率", Width: 9, Kind: report.Percent},
	{Title: "家长反馈", Width: 7, Kind: report.Int},
	{Title: "待回复\n反馈", Width: 7, Kind: report.Int},
	{Title: "回复中位\n时长(时)", Width: 9, Kind: report.Decimal},
	{Title: "未销号\n问题", Width: 7, Kind: report.Int},
	{Title: "逾期\n问题", Width: 7, Kind: report.Int},
}

// cells are a row's figures in the order of overviewColumns.
func (f Figures) cells() []any {
	var median any = "—"
	if f.Meals.MedianReplyHours != nil {
		median = *f.Meals.MedianReplyHours
	}
	return []any{f.Attendance.Rate, f.Meals.Coverage, f.Phones.Coverage, f.Observations.Observations,
		f.Observations.PerTeacher, f.Observations.QuotaMet, f.Meals.FeedbackReceived, f.Meals.FeedbackOpen, median,
		f.OpenFindings, f.OverdueFindings}
}

// OverviewXLSX is the overview as a workbook: a sheet of schools (with the region's total) and, for a
// region with sub-regions, a sheet of them — on the printing rules of service/report.
func (s *Service) OverviewXLSX(ctx context.Context, a *service.Actor, q report.Query) (report.File, error) {
	ov, err := s.Overview(ctx, a, q)
	if err != nil {
		return report.File{}, err
	}
	name := ov.Total.Region.Name
	if ov.Region == nil && len(ov.Items) > 0 {
		name = ov.Items[0].School.Name
	}
	ym, _ := time.Parse("2006-01", ov.Month)
	w := report.NewWorkbook(name, s.Now().In(service.Beijing()))
	cols := append([]report.Column{{Title: "学校", Width: 22}, {Title: "区域", Width: 10}}, overviewColumns...)
	rows := make([][]any, 0, len(ov.Items))
	for _, r := range ov.Items {
		rows = append(rows, append([]any{r.School.Name, r.Region.Name}, r.cells()...))
	}
	notes := []string{"各项数据与各模块报表同源计算：出勤率 = 出勤天数 ÷ 应出勤天数；陪餐覆盖率 = 有领导陪餐记录的餐次 ÷ 供餐餐次；" +
		"手机检查覆盖率 = 已记录的收存与发还 ÷ 应记录次数；听课配额完成率按每人完成数（不超过配额）计；未销号问题含待核查；" +
		"区域合计按各校数量相加后重新计算比率，回复中位时长取各校中位数的中位数。"}
	err = w.Add(report.Sheet{Name: "学校", Title: fmt.Sprintf("%s %d年%d月 督查总览", name, ym.Year(), ym.Month()),
		Columns: cols, Rows: rows, Totals: append([]any{"合计（" + fmt.Sprint(ov.Total.Schools) + " 所）", ""}, ov.Total.cells()...),
		FreezeCols: 1, Notes: notes})
	if err != nil {
		return report.File{}, err
	}
	if len(ov.SubRegions) > 0 {
		rcols := append([]report.Column{{Title: "区域", Width: 14}, {Title: "学校数", Width: 7, Kind: report.Int}}, overviewColumns...)
		rrows := make([][]any, 0, len(ov.SubRegions))
		for _, r := range ov.SubRegions {
			rrows = append(rrows, append([]any{r.Region.Name, r.Schools}, r.cells()...))
		}
		err = w.Add(report.Sheet{Name: "区域", Title: fmt.Sprintf("%s %d年%d月 督查总览（按区域）", name, ym.Year(), ym.Month()),
			Columns: rcols, Rows: rrows, Totals: append([]any{ov.Total.Region.Name + "合计", ov.Total.Schools}, ov.Total.cells()...),
			FreezeCols: 1, Notes: notes})
		if err != nil {
			return report.File{}, err
		}
	}
	return w.Finish(fmt.Sprintf("%s 督查总览 %s.xlsx", ov.Month, name))
}
