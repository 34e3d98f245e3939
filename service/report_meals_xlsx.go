package service

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// MealReportXLSX is the month as a workbook a principal can print as it is: a summary sheet, the served
// meals one per row (duty leader, leaders who came, parents, covered or not) with a totals row, and the
// uncovered meals with the leader who was on duty. Headers are Chinese and frozen, widths set, landscape
// one page wide (the shared Table layout).
func (s *Service) MealReportXLSX(ctx context.Context, a *Actor, month, schoolID string) (File, error) {
	rep, err := s.MealReport(ctx, a, month, schoolID)
	if err != nil {
		return File{}, err
	}
	w, err := newWorkbook()
	if err != nil {
		return File{}, err
	}
	ym, _ := time.Parse("2006-01", rep.Month)
	period := fmt.Sprintf("%d年%d月", ym.Year(), ym.Month())
	median := "—"
	if rep.Feedback.MedianReplyHours != nil {
		median = fmt.Sprintf("%.1f", *rep.Feedback.MedianReplyHours)
	}
	summary := Table{Sheet: "陪餐汇总", Title: fmt.Sprintf("%s %s 陪餐情况汇总", rep.School.Name, period),
		Headers: []string{"项目", "数值", "说明"}, Widths: []float64{22, 14, 48},
		Rows: [][]any{
			{"供餐餐次", rep.Served, "按学校设置与校历计算，截至今日"},
			{"领导陪餐餐次", rep.Covered, "至少有一位领导的陪餐记录"},
			{"陪餐覆盖率", percent(rep.Covered, rep.Served), "领导陪餐餐次 ÷ 供餐餐次"},
			{"未陪餐餐次", len(rep.Uncovered), "明细见“未陪餐”工作表"},
			{"家长陪餐次数", rep.ParentMeals, "家长提交的陪餐记录"},
			{"收到家长反馈", rep.Feedback.Received, "本月提交的反馈"},
			{"待回复反馈", rep.Feedback.Open, "状态为待回复"},
			{"首次回复用时中位数（小时）", median, "从家长提交到学校首次回复"},
		}}
	detail := Table{Sheet: "陪餐明细", Title: fmt.Sprintf("%s %s 陪餐明细", rep.School.Name, period),
		Headers: []string{"日期", "星期", "餐次", "值班领导", "陪餐领导", "家长陪餐（人次）", "是否陪餐"},
		Widths:  []float64{12, 8, 8, 12, 28, 16, 10}}
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
		parents, percent(rep.Covered, rep.Served)}
	missed := Table{Sheet: "未陪餐", Title: fmt.Sprintf("%s %s 未陪餐餐次", rep.School.Name, period),
		Headers: []string{"日期", "星期", "餐次", "值班领导"}, Widths: []float64{12, 8, 8, 14}}
	for _, u := range rep.Uncovered {
		missed.Rows = append(missed.Rows, []any{u.Date, weekdayName(u.Date), mealNames[u.Meal], refName(u.DutyLeader)})
	}
	missed.Totals = []any{"合计", "", fmt.Sprintf("%d 餐", len(rep.Uncovered)), ""}
	for _, t := range []Table{summary, detail, missed} {
		if err := w.add(t); err != nil {
			return File{}, err
		}
	}
	return w.file(fmt.Sprintf("%s 陪餐报表 %s.xlsx", rep.Month, rep.School.Name))
}

// percent writes n/d as "85.7%" ("—" when d is 0).
func percent(n, d int) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", float64(n)*100/float64(d))
}

func refName(r *Ref) string {
	if r == nil {
		return "未安排"
	}
	return r.Name
}
