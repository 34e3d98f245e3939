package phones

import (
	"context"
	"fmt"

	"schoolcheck/model"
	"schoolcheck/service/evidence"
	"schoolcheck/service/photos"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

var followupNames = map[string]string{"open": "待跟进", "resolved": "已处理"}

// Records are the period's phone checks as an evidence sheet (photos as 7-day links), read in batches.
func (s *Service) Records(ctx context.Context, si *school.Info, p report.Period) (report.Records, error) {
	db := s.Read(ctx)
	var classes []model.Class
	if err := db.Scopes(model.InSchool(si.School.ID)).Find(&classes).Error; err != nil {
		return report.Records{}, err
	}
	labels := map[string]string{}
	for _, c := range classes {
		labels[c.ID] = school.ClassLabel(c)
	}
	num := func(n *int) any {
		if n == nil {
			return ""
		}
		return *n
	}
	return report.Records{Name: "手机管理", Title: fmt.Sprintf("%s 手机收存检查记录（%s 至 %s）", si.School.Name, p.From, p.To),
		Columns: []report.Column{{Title: "日期", Width: 11}, {Title: "班级", Width: 12}, {Title: "类型", Width: 6, Kind: report.Center},
			{Title: "应收", Width: 6, Kind: report.Int}, {Title: "实收", Width: 6, Kind: report.Int}, {Title: "发现", Width: 6, Kind: report.Int},
			{Title: "差异", Width: 6, Kind: report.Int}, {Title: "地点", Width: 10}, {Title: "备注", Width: 18}, {Title: "记录人", Width: 8},
			{Title: "跟进", Width: 7, Kind: report.Center}, {Title: "处理说明", Width: 16}, {Title: "照片链接", Width: 30}},
		Notes: []string{"照片链接 7 天内有效。"},
		Each: func(emit func([]any) error) error {
			q := db.Scopes(model.InSchool(si.School.ID))
			return report.Windows(q, "date", p.Since, p.Upto, func(rows []model.PhoneCheck) error {
				ids := make([]string, len(rows))
				for i, r := range rows {
					ids[i] = r.ID
				}
				pics, err := s.photos.EvidenceLinks(ctx, si.School.ID, evidence.PhoneCheck, ids...)
				if err != nil {
					return err
				}
				for _, r := range rows {
					if err := emit([]any{r.Date, labels[r.ClassID], kindNames[r.Kind], num(r.Expected), num(r.Counted), num(r.Found),
						r.Discrepancy, r.Location, r.Note, r.AuthorName, followupNames[r.Followup], r.ResolveNote,
						photos.Links(pics[r.ID])}); err != nil {
						return err
					}
				}
				return nil
			})
		}}, nil
}
