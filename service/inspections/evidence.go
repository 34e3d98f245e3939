package inspections

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/photos"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// EvidenceQuery is GET /reports/evidence: a school (inspectors name one of their subtree) and a period of
// at most 400 days.
type EvidenceQuery struct {
	SchoolID string
	From, To string
}

// Evidence is the inspection evidence pack (督查材料包), one workbook an inspector files as it is: a cover
// (school, period, generated at, by whom), a summary by month with native charts (sign-in, meal and
// phone-check coverage; observations given against quota), one sheet per module with its records (photos
// as links valid for 7 days) and the findings with their thread. Record sheets stream their rows
// (report.Workbook.Stream), so a year costs little more memory than a term.
func (s *Service) Evidence(ctx context.Context, a *service.Actor, q EvidenceQuery) (report.File, error) {
	db := s.Read(ctx)
	si, err := SchoolFor(db, a, q.SchoolID)
	if err != nil {
		return report.File{}, err
	}
	now := s.Now()
	p, err := report.SpanPeriod(report.Query{From: q.From, To: q.To}, si, now)
	if err != nil {
		return report.File{}, err
	}
	w := report.NewWorkbook(si.School.Name, now.In(si.Loc))
	if err := s.cover(db, w, si, p, a, now); err != nil {
		return report.File{}, err
	}
	if err := s.summary(ctx, w, si, p, now); err != nil {
		return report.File{}, err
	}
	for _, records := range s.src.Records {
		r, err := records(ctx, si, p)
		if err != nil {
			return report.File{}, err
		}
		if _, err := w.Stream(r); err != nil {
			return report.File{}, err
		}
	}
	if _, err := w.Stream(s.findingRecords(ctx, db, si, p)); err != nil {
		return report.File{}, err
	}
	return w.Finish(fmt.Sprintf("%s 督查材料 %s 至 %s.xlsx", si.School.Name, p.From, p.To))
}

// cover is the first sheet: what the pack is, for whom, when and by whom it was made.
func (s *Service) cover(db *gorm.DB, w *report.Workbook, si *school.Info, p report.Period, a *service.Actor, now time.Time) error {
	var region model.Region
	if err := db.Where("id = ?", si.School.RegionID).Take(&region).Error; err != nil && !model.IsNotFound(err) {
		return service.WrapDB(err)
	}
	by := a.Name
	if isInspector(a) {
		by += "（督学）"
	}
	rows := [][]any{
		{"学校", si.School.Name},
		{"所属区域", region.Name},
		{"材料时段", p.From + " 至 " + p.To},
		{"生成时间", now.In(si.Loc).Format("2006-01-02 15:04")},
		{"生成人", by},
		{"内容", "汇总与图表、坐班考勤、陪餐记录、家长反馈、手机管理、听课评课、问题清单与整改"},
	}
	return w.Add(report.Sheet{Name: "封面", Title: si.School.Name + " 督查材料", NoSignature: true,
		Columns: []report.Column{{Title: "项目", Width: 14}, {Title: "内容", Width: 60}}, Rows: rows,
		Notes: []string{"照片以链接形式提供，链接自生成时起 7 天内有效；逾期请重新导出。"}})
}

// month is one calendar month of the period, clamped to it.
type month struct {
	label string
	p     report.Period
}

// months splits a period into its calendar months.
func months(p report.Period) []month {
	var out []month
	start, _ := time.Parse(time.DateOnly, p.From)
	end, _ := time.Parse(time.DateOnly, p.To)
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(end); m = m.AddDate(0, 1, 0) {
		first, last := m.Format(time.DateOnly), m.AddDate(0, 1, -1).Format(time.DateOnly)
		sub := report.Period{From: max(first, p.From), To: min(last, p.To)}
		sub.Since, sub.Upto = max(sub.From, p.Since), min(sub.To, p.Upto)
		out = append(out, month{label: m.Format("2006-01"), p: sub})
	}
	return out
}

// summary is the month-by-month sheet of the modules' figures with its charts.
func (s *Service) summary(ctx context.Context, w *report.Workbook, si *school.Info, p report.Period, now time.Time) error {
	ms := months(p)
	rows := make([][]any, 0, len(ms))
	var each []Figures
	for _, m := range ms {
		var f Figures
		if !m.p.Empty() {
			var err error
			if f, _, err = s.figures(ctx, si, m.p); err != nil {
				return err
			}
		}
		rows = append(rows, []any{m.label, f.Attendance.Rate, f.Meals.Coverage, f.Phones.Coverage,
			f.Observations.Observations, f.Observations.QuotaSum, f.Meals.FeedbackReceived, f.Meals.FeedbackOpen})
		each = append(each, f)
	}
	total := addUp(each)
	quota := 0
	if len(rows) > 0 {
		quota = rows[len(rows)-1][5].(int)
	}
	const sheet = "汇总"
	err := w.Add(report.Sheet{Name: sheet, Title: fmt.Sprintf("%s %s 至 %s 汇总", si.School.Name, p.From, p.To),
		Columns: []report.Column{{Title: "月份", Width: 10}, {Title: "坐班出勤率", Width: 10, Kind: report.Percent},
			{Title: "陪餐覆盖率", Width: 10, Kind: report.Percent}, {Title: "手机检查覆盖率", Width: 10, Kind: report.Percent},
			{Title: "听课次数", Width: 9, Kind: report.Int}, {Title: "听课配额（学期）", Width: 10, Kind: report.Int},
			{Title: "家长反馈", Width: 9, Kind: report.Int}, {Title: "待回复反馈", Width: 9, Kind: report.Int}},
		Rows: rows, Totals: []any{"合计", total.Attendance.Rate, total.Meals.Coverage, total.Phones.Coverage,
			total.Observations.Observations, quota, total.Meals.FeedbackReceived, total.Meals.FeedbackOpen},
		Notes: []string{"比率与各模块月报同源计算；听课配额为全体教职工本学期配额之和。"}})
	if err != nil || len(rows) == 0 {
		return err
	}
	last := len(rows) + 2
	ref := func(col string) string { return fmt.Sprintf("'%s'!$%s$3:$%s$%d", sheet, col, col, last) }
	name := func(col string) string { return fmt.Sprintf("'%s'!$%s$2", sheet, col) }
	one, zero := 1.0, 0.0
	f := w.File()
	anchor := fmt.Sprintf("J%d", 3)
	if err := f.AddChart(sheet, anchor, &excelize.Chart{Type: excelize.Line,
		Series: []excelize.ChartSeries{
			{Name: name("B"), Categories: ref("A"), Values: ref("B")},
			{Name: name("C"), Categories: ref("A"), Values: ref("C")},
			{Name: name("D"), Categories: ref("A"), Values: ref("D")}},
		Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "各月覆盖率：坐班、陪餐、手机检查"}}},
		YAxis:  excelize.ChartAxis{Maximum: &one, Minimum: &zero, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
		Legend: excelize.ChartLegend{Position: "bottom"},
		Format: excelize.GraphicOptions{OffsetX: 5}, Dimension: excelize.ChartDimension{Width: 560, Height: 300}}); err != nil {
		return err
	}
	return f.AddChart(sheet, "J20", &excelize.Chart{Type: excelize.Col,
		Series: []excelize.ChartSeries{
			{Name: name("E"), Categories: ref("A"), Values: ref("E")},
			{Name: name("F"), Categories: ref("A"), Values: ref("F")}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "听课次数与学期配额"}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 560, Height: 300}})
}

// figures are a school's figures for a period, each from its module (the summary sheet's): batch of one.
func (s *Service) figures(ctx context.Context, si *school.Info, p report.Period) (Figures, bool, error) {
	fs, err := s.batch(ctx, report.Targets{{School: si, Period: p}})
	return fs[si.School.ID], true, err
}

// batch is the figures of several schools, each for its period, by school id: each module computes all of
// them at once, the four modules side by side.
func (s *Service) batch(ctx context.Context, ts report.Targets) (map[string]Figures, error) {
	var (
		att map[string]AttendanceFigures
		ml  map[string]MealFigures
		ph  map[string]PhoneFigures
		ob  map[string]ObservationFigures
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		att, err = s.src.Attendance(gctx, ts)
		return wrapModule("attendance", err)
	})
	g.Go(func() (err error) {
		ml, err = s.src.Meals(gctx, ts)
		return wrapModule("meals", err)
	})
	g.Go(func() (err error) {
		ph, err = s.src.Phones(gctx, ts)
		return wrapModule("phones", err)
	})
	g.Go(func() (err error) {
		ob, err = s.src.Observations(gctx, ts)
		return wrapModule("observations", err)
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[string]Figures, len(ts))
	for _, t := range ts {
		id := t.School.School.ID
		out[id] = Figures{Attendance: att[id], Meals: ml[id], Phones: ph[id], Observations: ob[id]}
	}
	return out, nil
}

func wrapModule(module string, err error) error {
	if err != nil {
		return fmt.Errorf("%s figures: %w", module, err)
	}
	return nil
}

// findingBatch is how many findings one read of the findings sheet takes.
const findingBatch = 200

// findingRecords are the findings of the period (recorded in it, or still not closed) with their threads.
func (s *Service) findingRecords(ctx context.Context, db *gorm.DB, si *school.Info, p report.Period) report.Records {
	statusNames := map[string]string{StatusOpen: "待整改", StatusAnswered: "待核查", StatusClosed: "已销号"}
	start := service.At(p.From, "00:00", si.Loc)
	end := service.DayEnd(p.To, si.Loc)
	today := si.Today(s.Now())
	return report.Records{Name: "问题清单", Title: fmt.Sprintf("%s 问题清单与整改销号（%s 至 %s）", si.School.Name, p.From, p.To),
		Columns: []report.Column{{Title: "记录日期", Width: 11}, {Title: "模块", Width: 9}, {Title: "问题", Width: 18},
			{Title: "详情", Width: 26}, {Title: "整改期限", Width: 11}, {Title: "状态", Width: 8, Kind: report.Center},
			{Title: "逾期", Width: 5, Kind: report.Center}, {Title: "督学", Width: 8}, {Title: "整改与核查记录", Width: 40},
			{Title: "照片链接", Width: 30}},
		Notes: []string{"含本时段内记录的问题及此前记录、尚未销号的问题；照片链接 7 天内有效。"},
		Each: func(emit func([]any) error) error {
			after := ""
			for {
				var rows []model.Finding
				q := db.Scopes(model.InSchool(si.School.ID)).
					Where("((created_at >= ? AND created_at < ?) OR status <> ?)", start, end, StatusClosed)
				if after != "" {
					q = q.Where("id > ?", after)
				}
				if err := q.Order("id").Limit(findingBatch).Find(&rows).Error; err != nil {
					return service.WrapDB(err)
				}
				if len(rows) == 0 {
					return nil
				}
				after = rows[len(rows)-1].ID
				ids := make([]string, len(rows))
				for i, f := range rows {
					ids[i] = f.ID
				}
				th, err := threads(db, []string{si.School.ID}, ids)
				if err != nil {
					return err
				}
				pics, err := s.photos.EvidenceLinks(ctx, si.School.ID, evidence.Finding, ids...)
				if err != nil {
					return err
				}
				for _, f := range rows {
					var thread []string
					for _, r := range th[f.ID] {
						what := "整改回复"
						if r.Kind == KindVerify {
							what = "核查退回"
							if r.Accepted != nil && *r.Accepted {
								what = "核查销号"
							}
						}
						thread = append(thread, fmt.Sprintf("%s %s %s：%s", r.CreatedAt.In(si.Loc).Format("2006-01-02 15:04"),
							r.AuthorName, what, r.Content))
					}
					late := ""
					if overdue(f, today) {
						late = "是"
					}
					if err := emit([]any{service.LocalDate(f.CreatedAt, si.Loc), moduleNames[f.Module], f.Title, f.Detail, f.Due,
						statusNames[f.Status], late, f.ByName, strings.Join(thread, "\n"), photos.Links(pics[f.ID])}); err != nil {
						return err
					}
				}
			}
		}}
}
