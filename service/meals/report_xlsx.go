package meals

import (
	"context"
	"fmt"
	"strings"
	"time"

	"schoolcheck/service"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// ReportXLSX is the month as a workbook a principal can print as it is: a summary sheet, the served meals
// one per row (duty leader, leaders who came, parents, covered or not) with a totals row, and the uncovered
// meals with the leader who was on duty, on the shared printing rules.
func (s *Service) ReportXLSX(ctx context.Context, a *service.Actor, q report.Query) (report.File, error) {
	rep, err := s.Report(ctx, a, q)
	if err != nil {
		return report.File{}, err
	}
	si, err := school.Load(s.Read(ctx), rep.School.ID)
	if err != nil {
		return report.File{}, err
	}
	ym, _ := time.Parse("2006-01", rep.Month)
	period := fmt.Sprintf("%d年%d月", ym.Year(), ym.Month())
	var median any = "—"
	if rep.Feedback.MedianReplyHours != nil {
		median = *rep.Feedback.MedianReplyHours
	}
	summary := report.Sheet{Name: "陪餐汇总", Title: fmt.Sprintf("%s %s 陪餐情况汇总", rep.School.Name, period),
		Columns: []report.Column{{Title: "项目", Width: 26}, {Title: "数值", Width: 14, Kind: report.Decimal},
			{Title: "说明", Width: 46}},
		Rows: [][]any{
			{"供餐餐次", rep.Served, "按学校设置与校历计算，截至今日"},
			{"领导陪餐餐次", rep.Covered, "至少有一位领导的陪餐记录"},
			{"陪餐覆盖率", report.Pct(rep.Coverage), "领导陪餐餐次 ÷ 供餐餐次"},
			{"未陪餐餐次", len(rep.Uncovered), "明细见“未陪餐”工作表"},
			{"家长陪餐次数", rep.ParentMeals, "家长提交的陪餐记录"},
			{"收到家长反馈", rep.Feedback.Received, "本月提交的反馈"},
			{"待回复反馈", rep.Feedback.Open, "状态为待回复"},
			{"首次回复用时中位数（小时）", median, "从家长提交到学校首次回复"},
		}}
	detail := report.Sheet{Name: "陪餐明细", Title: fmt.Sprintf("%s %s 陪餐明细", rep.School.Name, period),
		Columns: []report.Column{{Title: "日期", Width: 12}, {Title: "星期", Width: 7}, {Title: "餐次", Width: 7},
			{Title: "值班领导", Width: 12}, {Title: "陪餐领导", Width: 28}, {Title: "家长陪餐（人次）", Width: 10, Kind: report.Int},
			{Title: "是否陪餐", Width: 9, Kind: report.Center}}}
	parents := 0
	for _, it := range rep.Items {
		covered := "否"
		if it.Covered {
			covered = "是"
		}
		detail.Rows = append(detail.Rows, []any{it.Date, weekdayName(it.Date), mealNames[it.Meal], refName(it.DutyLeader),
			strings.Join(it.Leaders, "、"), it.Parents, covered})
		parents += it.Parents
	}
	detail.Totals = []any{"合计", "", fmt.Sprintf("%d 餐", rep.Served), "", fmt.Sprintf("已陪餐 %d 餐", rep.Covered),
		parents, report.Pct(rep.Coverage)}
	missed := report.Sheet{Name: "未陪餐", Title: fmt.Sprintf("%s %s 未陪餐餐次", rep.School.Name, period),
		Columns: []report.Column{{Title: "日期", Width: 12}, {Title: "星期", Width: 8}, {Title: "餐次", Width: 8},
			{Title: "值班领导", Width: 14}}}
	for _, u := range rep.Uncovered {
		missed.Rows = append(missed.Rows, []any{u.Date, weekdayName(u.Date), mealNames[u.Meal], refName(u.DutyLeader)})
	}
	missed.Totals = []any{"合计", "", fmt.Sprintf("%d 餐", len(rep.Uncovered)), ""}
	w := report.NewWorkbook(rep.School.Name, s.Now().In(si.Loc))
	for _, t := range []report.Sheet{summary, detail, missed} {
		if err := w.Add(t); err != nil {
			return report.File{}, err
		}
	}
	// The records themselves, for an inspector at a desk: dishes, ratings, issues and photos, and the
	// parents' feedback with the replies and their times.
	p, err := report.MonthPeriod(q, si, s.Now())
	if err != nil {
		return report.File{}, err
	}
	for _, records := range []func(context.Context, *school.Info, report.Period) (report.Records, error){s.Records, s.FeedbackRecords} {
		r, err := records(ctx, si, p)
		if err != nil {
			return report.File{}, err
		}
		if _, err := w.Stream(r); err != nil {
			return report.File{}, err
		}
	}
	return w.Finish(fmt.Sprintf("%s 陪餐报表 %s.xlsx", rep.Month, rep.School.Name))
}

func refName(r *service.Ref) string {
	if r == nil {
		return "未安排"
	}
	return r.Name
}
