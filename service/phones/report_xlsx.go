package phones

import (
	"context"
	"fmt"
	"time"

	"schoolcheck/service"
	"schoolcheck/service/report"
)

// ReportXLSX is the month as a workbook a principal can print as it is, on the shared printing rules: the
// classes one per row with the school row, each class's custody arrangement (the classes without one
// marked), and the checks that needed a follow-up with how they were resolved.
func (s *Service) ReportXLSX(ctx context.Context, a *service.Actor, q report.Query) (report.File, error) {
	rep, si, err := s.month(ctx, a, q)
	if err != nil {
		return report.File{}, err
	}
	ym, _ := time.Parse("2006-01", rep.Month)
	period := fmt.Sprintf("%d年%d月", ym.Year(), ym.Month())
	w := report.NewWorkbook(rep.School.Name, s.Now().In(si.Loc))
	for _, t := range []report.Sheet{summarySheet(rep, period), custodySheet(rep, period), exceptionSheet(rep, period)} {
		if err := w.Add(t); err != nil {
			return report.File{}, err
		}
	}
	return w.Finish(fmt.Sprintf("%s 手机管理报表 %s.xlsx", rep.Month, rep.School.Name))
}

func summarySheet(rep PhoneReport, period string) report.Sheet {
	t := report.Sheet{Name: "手机管理汇总", Title: fmt.Sprintf("%s %s 手机管理情况（按班级）", rep.School.Name, period),
		FreezeCols: 1,
		Columns: []report.Column{{Title: "班级", Width: 12}, {Title: "班主任", Width: 10},
			{Title: "登记\n手机数", Width: 7, Kind: report.Int}, {Title: "上学日", Width: 7, Kind: report.Int},
			{Title: "应收存\n天数", Width: 7, Kind: report.Int}, {Title: "收存\n天数", Width: 7, Kind: report.Int},
			{Title: "应发还\n天数", Width: 7, Kind: report.Int}, {Title: "发还\n天数", Width: 7, Kind: report.Int},
			{Title: "记录\n覆盖率", Width: 8, Kind: report.Percent}, {Title: "差异\n待处理", Width: 7, Kind: report.Int},
			{Title: "差异\n已处理", Width: 7, Kind: report.Int}, {Title: "抽查\n次数", Width: 7, Kind: report.Int},
			{Title: "查出\n手机数", Width: 7, Kind: report.Int}, {Title: "保管安排", Width: 9, Kind: report.Center}}}
	for _, it := range rep.Items {
		head := "未设置"
		if it.HeadTeacher != nil {
			head = it.HeadTeacher.Name
		}
		t.Rows = append(t.Rows, append([]any{it.Class.Name, head, it.Registered}, figureCells(it.Figures, arrangedText(it.Arranged))...))
	}
	tot := rep.Total
	t.Totals = append([]any{"全校", fmt.Sprintf("%d 个班", tot.Classes), ""},
		figureCells(tot.Figures, fmt.Sprintf("%d 班未制定", tot.Unarranged))...)
	t.Notes = []string{
		fmt.Sprintf("统计期间：%s 至 %s（学校开始使用本系统之前和今天以后的日期不计）。", rep.Since, rep.Upto),
		"上学日按学校校历计算；班级登记了手机的上学日应有收存和发还记录各一次，今天的收存、发还分别在设置的收存截止、发还开始时间后计入。",
		"记录覆盖率 =（收存天数 + 发还天数）÷（应收存天数 + 应发还天数）。差异为应收数与清点数不一致的收存、发还记录。",
	}
	return t
}

// figureCells are the figure columns of a row, from school days to the arrangement.
func figureCells(f Figures, arrangement string) []any {
	return []any{f.SchoolDays, f.CollectDue, f.CollectDays, f.ReturnDue, f.ReturnDays, report.Pct(f.Coverage),
		f.Discrepancies.Open, f.Discrepancies.Resolved, f.SpotChecks, f.PhonesFound, arrangement}
}

func arrangedText(ok bool) string {
	if ok {
		return "已制定"
	}
	return "未制定"
}

func custodySheet(rep PhoneReport, period string) report.Sheet {
	t := report.Sheet{Name: "保管安排", Title: fmt.Sprintf("%s %s 手机保管安排", rep.School.Name, period),
		Columns: []report.Column{{Title: "班级", Width: 12}, {Title: "保管地点", Width: 18}, {Title: "保管方式", Width: 30},
			{Title: "保管人", Width: 14}, {Title: "亲情电话", Width: 16}}}
	for _, it := range rep.Items {
		if it.Custody == nil {
			t.Rows = append(t.Rows, []any{it.Class.Name, "未制定", "", "", ""})
			continue
		}
		c := it.Custody
		t.Rows = append(t.Rows, []any{it.Class.Name, c.Location, c.Method, c.Keeper.Name + "（" + roleNames[c.Keeper.Role] + "）",
			c.Hotline})
	}
	t.Totals = []any{"合计", fmt.Sprintf("已制定 %d 班", rep.Total.Arranged), fmt.Sprintf("未制定 %d 班", rep.Total.Unarranged), "", ""}
	return t
}

func exceptionSheet(rep PhoneReport, period string) report.Sheet {
	t := report.Sheet{Name: "差异与查出", Title: fmt.Sprintf("%s %s 手机检查差异与查出情况", rep.School.Name, period),
		Columns: []report.Column{{Title: "日期", Width: 11}, {Title: "班级", Width: 11}, {Title: "类型", Width: 6, Kind: report.Center},
			{Title: "应收", Width: 6, Kind: report.Int}, {Title: "清点", Width: 6, Kind: report.Int},
			{Title: "差异", Width: 6, Kind: report.Int}, {Title: "查出", Width: 6, Kind: report.Int},
			{Title: "情况说明", Width: 24}, {Title: "跟进", Width: 8, Kind: report.Center}, {Title: "处理人", Width: 9},
			{Title: "处理说明", Width: 24}}}
	for _, e := range rep.Exceptions {
		status, by := "待处理", ""
		if e.Followup.Status == FollowupResolved {
			status = "已处理"
			if e.Followup.ResolvedBy != nil {
				by = e.Followup.ResolvedBy.Name
			}
		}
		var diff any = e.Discrepancy
		if e.Kind == KindSpot {
			diff = ""
		}
		t.Rows = append(t.Rows, []any{e.Date, e.Class, kindNames[e.Kind], cell(e.Expected), cell(e.Counted), diff,
			cell(e.Found), e.Note, status, by, e.Followup.Note})
	}
	t.Totals = []any{"合计", fmt.Sprintf("%d 条", len(rep.Exceptions)), "", "", "", "", rep.Total.PhonesFound, "",
		fmt.Sprintf("待处理 %d", rep.Total.OpenFollowups), "", ""}
	return t
}

// cell is an optional count: the number, or blank.
func cell(n *int) any {
	if n == nil {
		return ""
	}
	return *n
}

// roleNames are a keeper's roles as a sheet writes them.
var roleNames = map[string]string{KeeperHeadTeacher: "班主任", service.RolePrincipal: "校长",
	service.RoleLeader: "学校领导", service.RoleTeacher: "教师"}
