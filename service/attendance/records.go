package attendance

import (
	"context"
	"fmt"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

var punchKindNames = map[string]string{"in": "签到", "out": "签退"}
var punchStatusNames = map[string]string{StatusLate: "迟到", StatusEarlyLeave: "早退", "on_time": "正常", "normal": "正常"}
var methodNames = map[string]string{"location": "定位", "qr": "扫码", "correction": "补卡"}

// Records are the period's punches as an evidence sheet (the inspection evidence pack), read in batches.
func (s *Service) Records(ctx context.Context, si *school.Info, p report.Period) (report.Records, error) {
	db := s.Read(ctx)
	people, err := report.Roster(db, si.School.ID)
	if err != nil {
		return report.Records{}, err
	}
	names := map[string]string{}
	for _, person := range people {
		names[person.ID] = person.Label
	}
	return report.Records{Name: "坐班考勤", Title: fmt.Sprintf("%s 坐班签到记录（%s 至 %s）", si.School.Name, p.From, p.To),
		Columns: []report.Column{{Title: "日期", Width: 11}, {Title: "姓名", Width: 12}, {Title: "类型", Width: 6, Kind: report.Center},
			{Title: "时间", Width: 8, Kind: report.Center}, {Title: "方式", Width: 6, Kind: report.Center}, {Title: "地点", Width: 12},
			{Title: "距离（米）", Width: 8, Kind: report.Int}, {Title: "状态", Width: 6, Kind: report.Center}},
		Notes: []string{"服务器时间记录；定位签到只保存签到点与距离，不保存坐标。"},
		Each: func(emit func([]any) error) error {
			q := db.Scopes(model.InSchool(si.School.ID))
			return report.Windows(q, "date", p.Since, p.Upto, func(rows []model.AttendancePunch) error {
				for _, r := range rows {
					var dist any = ""
					if r.DistanceM != nil {
						dist = *r.DistanceM
					}
					name := names[r.StaffID]
					if name == "" {
						name = "（已离职）"
					}
					if err := emit([]any{r.Date, name, punchKindNames[r.Kind], service.Local(r.At, si.Loc).Format("15:04"),
						methodNames[r.Method], r.Fence, dist, punchStatusNames[r.Status]}); err != nil {
						return err
					}
				}
				return nil
			})
		}}, nil
}
