package meals

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/moderation"
	"schoolcheck/service/photos"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

var feedbackStatusNames = map[string]string{FeedbackOpen: "待回复", "replied": "已回复", "closed": "已关闭"}

// Records are the period's 陪餐 records as a sheet — who ate, the dishes, the five ratings, the comment and
// issues, photos as 7-day links — read in batches (the meals workbook and the inspection evidence pack).
func (s *Service) Records(ctx context.Context, si *school.Info, p report.Period) (report.Records, error) {
	db := s.Read(ctx)
	return report.Records{Name: "陪餐记录", Title: fmt.Sprintf("%s 陪餐记录（%s 至 %s）", si.School.Name, p.From, p.To),
		Columns: []report.Column{{Title: "日期", Width: 11}, {Title: "餐次", Width: 5, Kind: report.Center}, {Title: "陪餐人", Width: 12},
			{Title: "身份", Width: 5, Kind: report.Center}, {Title: "菜品", Width: 18}, {Title: "卫生", Width: 5, Kind: report.Int},
			{Title: "口味", Width: 5, Kind: report.Int}, {Title: "分量", Width: 5, Kind: report.Int}, {Title: "温度", Width: 5, Kind: report.Int},
			{Title: "价格", Width: 5, Kind: report.Int}, {Title: "评价", Width: 18}, {Title: "发现的问题", Width: 18},
			{Title: "照片链接", Width: 30}},
		Notes: []string{"评分 1–5 分；家长陪餐以班级家长身份显示。照片链接 7 天内有效。"},
		Each: func(emit func([]any) error) error {
			q := db.Scopes(model.InSchool(si.School.ID))
			return report.Windows(q, "date", p.Since, p.Upto, func(rows []model.Meal) error {
				ids := make([]string, len(rows))
				for i, r := range rows {
					ids[i] = r.ID
				}
				pics, err := s.photos.EvidenceLinks(ctx, si.School.ID, evidence.Meal, ids...)
				if err != nil {
					return err
				}
				for _, r := range rows {
					var dishes []string
					_ = json.Unmarshal([]byte(r.Dishes), &dishes)
					role := "领导"
					if r.Role != CompanionLeader {
						role = "家长"
					}
					if err := emit([]any{r.Date, mealNames[r.Meal], r.Label, role, strings.Join(dishes, "、"), r.Hygiene, r.Taste,
						r.Quantity, r.Temperature, r.Price, r.Comment, r.Issues, photos.Links(pics[r.ID])}); err != nil {
						return err
					}
				}
				return nil
			})
		}}, nil
}

// FeedbackRecords are the period's parent feedback with its replies and their times, read in batches.
// Feedback a later check found risky is left out, as the school never sees it.
func (s *Service) FeedbackRecords(ctx context.Context, si *school.Info, p report.Period) (report.Records, error) {
	db := s.Read(ctx)
	return report.Records{Name: "家长反馈", Title: fmt.Sprintf("%s 家长反馈与回复（%s 至 %s）", si.School.Name, p.From, p.To),
		Columns: []report.Column{{Title: "提交时间", Width: 16}, {Title: "家长", Width: 12}, {Title: "类别", Width: 6, Kind: report.Center},
			{Title: "内容", Width: 24}, {Title: "状态", Width: 7, Kind: report.Center}, {Title: "首次回复用时（小时）", Width: 9, Kind: report.Decimal},
			{Title: "回复记录", Width: 40}, {Title: "照片链接", Width: 30}},
		Each: func(emit func([]any) error) error {
			q := db.Scopes(model.InSchool(si.School.ID)).Where("moderation <> ?", moderation.Rejected)
			return report.Windows(q, "created_date", p.From, p.To, func(rows []model.Feedback) error {
				ids := make([]string, len(rows))
				for i, r := range rows {
					ids[i] = r.ID
				}
				var replies []model.FeedbackReply
				if err := db.Scopes(model.InSchool(si.School.ID)).Where("feedback_id IN ?", ids).Order("created_at, id").
					Find(&replies).Error; err != nil {
					return service.WrapDB(err)
				}
				thread := map[string][]string{}
				for _, r := range replies {
					content := r.Content
					if r.Moderation == moderation.Rejected {
						content = moderation.Hidden
					}
					thread[r.FeedbackID] = append(thread[r.FeedbackID], fmt.Sprintf("%s %s：%s",
						service.Local(r.CreatedAt, si.Loc).Format("2006-01-02 15:04"), r.Label, content))
				}
				pics, err := s.photos.EvidenceLinks(ctx, si.School.ID, evidence.Feedback, ids...)
				if err != nil {
					return err
				}
				for _, f := range rows {
					var hours any = ""
					if f.FirstReplyAt != nil {
						hours = float64(int64(f.FirstReplyAt.Sub(f.CreatedAt).Hours()*10+0.5)) / 10
					}
					if err := emit([]any{service.Local(f.CreatedAt, si.Loc).Format("2006-01-02 15:04"), f.Label,
						FeedbackCategories[f.Category], f.Content, feedbackStatusNames[f.Status], hours,
						strings.Join(thread[f.ID], "\n"), photos.Links(pics[f.ID])}); err != nil {
						return err
					}
				}
				return nil
			})
		}}, nil
}
