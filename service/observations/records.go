package observations

import (
	"context"
	"fmt"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/moderation"
	"schoolcheck/service/photos"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// Records are the period's observations as an evidence sheet (photos as 7-day links), read in batches.
// Text a later check found risky is hidden, as everywhere else.
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
	hide := func(text, mod string) string {
		if mod == moderation.Rejected {
			return moderation.Hidden
		}
		return text
	}
	return report.Records{Name: "听课评课", Title: fmt.Sprintf("%s 听课评课记录（%s 至 %s）", si.School.Name, p.From, p.To),
		Columns: []report.Column{{Title: "日期", Width: 11}, {Title: "节次", Width: 5, Kind: report.Int}, {Title: "授课教师", Width: 10},
			{Title: "听课人", Width: 10}, {Title: "学科", Width: 7}, {Title: "课题", Width: 14}, {Title: "类型", Width: 8},
			{Title: "得分", Width: 6, Kind: report.Int}, {Title: "满分", Width: 6, Kind: report.Int}, {Title: "优点", Width: 20},
			{Title: "建议", Width: 20}, {Title: "教学反思", Width: 20}, {Title: "确认时间", Width: 16}, {Title: "照片链接", Width: 30}},
		Notes: []string{"照片链接 7 天内有效。"},
		Each: func(emit func([]any) error) error {
			q := db.Scopes(model.InSchool(si.School.ID))
			return report.Windows(q, "date", p.Since, p.Upto, func(rows []model.Observation) error {
				ids := make([]string, len(rows))
				for i, r := range rows {
					ids[i] = r.ID
				}
				pics, err := s.photos.EvidenceLinks(ctx, si.School.ID, evidence.Observation, ids...)
				if err != nil {
					return err
				}
				for _, r := range rows {
					ack := ""
					if r.AcknowledgedAt != nil {
						ack = service.Local(*r.AcknowledgedAt, si.Loc).Format("2006-01-02 15:04")
					}
					if err := emit([]any{r.Date, r.Period, names[r.TeacherID], names[r.ObserverID], r.Subject, r.Topic, kindNames[r.Kind],
						r.Total, r.MaxTotal, hide(r.Strengths, r.Moderation), hide(r.Suggestions, r.Moderation),
						hide(r.Reflection, r.ReflectionModeration), ack, photos.Links(pics[r.ID])}); err != nil {
						return err
					}
				}
				return nil
			})
		}}, nil
}
