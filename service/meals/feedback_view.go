package meals

import (
	"context"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/moderation"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

// feedbackViews builds the API form of feedback rows with their replies and photos, in two queries. Leaders
// see moderation markers; text found risky after the fact is hidden from all but its author.
func (s *Service) feedbackViews(ctx context.Context, schoolID string, leader bool, rows []model.Feedback) ([]Feedback, error) {
	out := make([]Feedback, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var replies []model.FeedbackReply
	si, err := school.Load(s.Read(ctx), schoolID)
	if err != nil {
		return nil, err
	}
	if err := s.Read(ctx).Scopes(model.InSchool(schoolID)).Where("feedback_id IN ?", ids).
		Order("created_at, id").Find(&replies).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	ph, err := s.photos.Of(ctx, schoolID, evidence.Feedback, ids...)
	if err != nil {
		return nil, err
	}
	thread := map[string][]FeedbackReply{}
	for _, r := range replies {
		rv := FeedbackReply{ID: r.ID, Content: r.Content, From: FeedbackAuthor{Label: r.Label, Role: r.AuthorRole},
			CreatedAt: service.Local(r.CreatedAt, si.Loc)}
		// A parent's view: the parent's own replies are theirs; the school's are always shown to them.
		if r.Moderation == moderation.Rejected && (leader || r.AuthorRole != CompanionParent) {
			rv.Content = moderation.Hidden
		}
		if leader {
			rv.Flagged = moderation.Flagged(r.Moderation)
		}
		thread[r.FeedbackID] = append(thread[r.FeedbackID], rv)
	}
	for _, r := range rows {
		fv := Feedback{ID: r.ID, Status: r.Status, Category: r.Category, Content: r.Content,
			From: FeedbackAuthor{Label: r.Label, Role: CompanionParent}, MealID: r.MealID, Date: r.Date, Meal: r.Meal,
			Photos: photos.For(ph, r.ID), Replies: thread[r.ID], Satisfied: r.Satisfied, CreatedAt: service.Local(r.CreatedAt, si.Loc),
			ClosedAt: service.InZone(r.ClosedAt, si.Loc)}
		if fv.Replies == nil {
			fv.Replies = []FeedbackReply{}
		}
		if leader {
			fv.Flagged, fv.Moderation = moderation.Flagged(r.Moderation), r.Moderation
			if r.Moderation == moderation.Rejected {
				fv.Content = moderation.Hidden
			}
		}
		out = append(out, fv)
	}
	return out, nil
}
