package observations

import (
	"context"
	"fmt"
	"strings"

	"schoolcheck/service"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// roleNames are the roles as a Chinese sheet writes them.
var roleNames = map[string]string{service.RolePrincipal: "校长", service.RoleLeader: "领导", service.RoleTeacher: "教师"}

// ReportXLSX is the period as a workbook on the shared printing rules: the staff sheet (given against the
// quota, received, average rate, acknowledgements, overdue) with a totals row, the subjects (教研组) sheet,
// and every observation with its scores, strengths, suggestions and the teacher's reflection.
func (s *Service) ReportXLSX(ctx context.Context, a *service.Actor, q report.Query) (report.File, error) {
	rep, err := s.Report(ctx, a, q)
	if err != nil {
		return report.File{}, err
	}
	si, err := school.Load(s.Read(ctx), rep.School.ID)
	if err != nil {
		return report.File{}, err
	}
	period := rep.From + " 至 " + rep.To
	sum := rep.Summary
	staff := report.Sheet{Name: "听课汇总", Title: fmt.Sprintf("%s %s 听课评课汇总", rep.School.Name, period),
		Columns: []report.Column{{Title: "姓名", Width: 14}, {Title: "角色", Width: 10}, {Title: "学期听课任务", Width: 9, Kind: report.Int},
			{Title: "听课节数", Width: 9, Kind: report.Int}, {Title: "差额", Width: 7, Kind: report.Int},
			{Title: "被听课节数", Width: 9, Kind: report.Int}, {Title: "平均得分率", Width: 10, Kind: report.Percent},
			{Title: "已确认", Width: 8, Kind: report.Int}, {Title: "确认率", Width: 9, Kind: report.Percent},
			{Title: "逾期未确认", Width: 9, Kind: report.Int}},
		FreezeCols: 1,
		Notes: []string{
			fmt.Sprintf("学期听课任务按本学期（%s 至 %s）学校设置的角色任务数计，兼任多个角色取最大值；差额 = 任务 − 听课节数（不少于 0）。", rep.Term.Start, rep.Term.End),
			"得分率 = 总分 ÷ 该次评课所用评分表版本的满分；不同版本的评分表按得分率比较。",
			fmt.Sprintf("逾期未确认：评课后 %d 天内被听课教师未确认并填写教学反思。", rep.AckDays),
		}}
	var given, shortfall, received, acked, overdue int
	for _, r := range rep.Items {
		staff.Rows = append(staff.Rows, []any{r.Label, roleLabel(r.Roles), r.Quota, r.Given, r.Shortfall, r.Received,
			orDash(r.AverageRate), r.Acknowledged, orDash(r.AcknowledgedShare), r.Overdue})
		given, shortfall, received = given+r.Given, shortfall+r.Shortfall, received+r.Received
		acked, overdue = acked+r.Acknowledged, overdue+r.Overdue
	}
	staff.Totals = []any{"合计", fmt.Sprintf("%d 人", sum.Staff), sum.QuotaSum, given, shortfall, received, "",
		acked, orDash(share(acked, received)), overdue}
	subjects := report.Sheet{Name: "教研组", Title: fmt.Sprintf("%s %s 各学科（教研组）听课评课情况", rep.School.Name, period),
		Columns: []report.Column{{Title: "学科", Width: 14}, {Title: "听课节数", Width: 10, Kind: report.Int},
			{Title: "被听课教师（人）", Width: 12, Kind: report.Int}, {Title: "平均得分率", Width: 11, Kind: report.Percent},
			{Title: "已确认", Width: 9, Kind: report.Int}, {Title: "确认率", Width: 9, Kind: report.Percent},
			{Title: "逾期未确认", Width: 10, Kind: report.Int}}}
	for _, r := range rep.Subjects {
		subjects.Rows = append(subjects.Rows, []any{r.Subject, r.Observations, r.Teachers, orDash(r.AverageRate),
			r.Acknowledged, orDash(r.AcknowledgedShare), r.Overdue})
	}
	subjects.Totals = []any{"合计", sum.Observations, "", orDash(sum.AverageRate), sum.Acknowledged,
		report.Pct(sum.AcknowledgedShare), sum.Overdue}
	records := report.Sheet{Name: "听课记录", Title: fmt.Sprintf("%s %s 听课评课记录", rep.School.Name, period),
		Columns: []report.Column{{Title: "日期", Width: 11}, {Title: "节次", Width: 5, Kind: report.Int},
			{Title: "授课教师", Width: 10}, {Title: "学科", Width: 8}, {Title: "课题", Width: 18}, {Title: "班级", Width: 10},
			{Title: "类型", Width: 8, Kind: report.Center}, {Title: "听课人", Width: 10}, {Title: "评分表\n版本", Width: 6, Kind: report.Int},
			{Title: "各项得分", Width: 22}, {Title: "总分", Width: 6, Kind: report.Int}, {Title: "满分", Width: 6, Kind: report.Int},
			{Title: "得分率", Width: 8, Kind: report.Percent}, {Title: "优点", Width: 30}, {Title: "建议", Width: 30},
			{Title: "确认时间", Width: 16}, {Title: "教学反思", Width: 30}},
		FreezeCols: 3}
	for _, r := range rep.Observations {
		scores := make([]string, 0, len(r.Scores))
		for _, sc := range r.Scores {
			scores = append(scores, fmt.Sprintf("%s %d/%d", sc.Name, sc.Score, sc.Max))
		}
		ack := "未确认"
		if r.Overdue {
			ack = "逾期未确认"
		}
		if r.AcknowledgedAt != nil {
			ack = r.AcknowledgedAt.Format("2006-01-02 15:04")
		}
		records.Rows = append(records.Rows, []any{r.Date, r.Period, r.Teacher.Name, r.Subject, r.Topic, r.Class,
			kindNames[r.Kind], r.Observer.Name, r.RubricVersion, strings.Join(scores, "\n"), r.Total, r.MaxTotal,
			report.Pct(r.Rate), r.Strengths, r.Suggestions, ack, r.Reflection})
	}
	records.Totals = []any{"合计", "", fmt.Sprintf("%d 节", len(rep.Observations))}
	w := report.NewWorkbook(rep.School.Name, s.Now().In(si.Loc))
	for _, t := range []report.Sheet{staff, subjects, records} {
		if err := w.Add(t); err != nil {
			return report.File{}, err
		}
	}
	return w.Finish(fmt.Sprintf("%s至%s 听课评课报表 %s.xlsx", rep.From, rep.To, rep.School.Name))
}

// roleLabel writes roles in Chinese ("校长、领导").
func roleLabel(roles []string) string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		out = append(out, roleNames[r])
	}
	return strings.Join(out, "、")
}

// orDash is a share as a percentage, or "—" when there is none.
func orDash(x *float64) any {
	if x == nil {
		return "—"
	}
	return report.Pct(*x)
}
