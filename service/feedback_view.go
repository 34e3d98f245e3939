package service

import (
	"context"

	"schoolcheck/model"
)

// Moderation outcomes of msgSecCheck kept with feedback and replies.
const (
	moderationPass     = "pass"
	moderationReview   = "review"
	moderationPending  = "pending"
	moderationRejected = "rejected"
)

// hiddenContent replaces text that a later check found risky, for everyone but its author.
const hiddenContent = "（该内容未通过微信内容安全检查，已隐藏）"

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
	if err := s.read(ctx).Scopes(model.InSchool(schoolID)).Where("feedback_id IN ?", ids).
		Order("created_at, id").Find(&replies).Error; err != nil {
		return nil, wrapDB(err)
	}
	photos, err := s.photosOf(ctx, schoolID, entityFeedback, ids...)
	if err != nil {
		return nil, err
	}
	thread := map[string][]FeedbackReply{}
	for _, r := range replies {
		rv := FeedbackReply{ID: r.ID, Content: r.Content, From: FeedbackAuthor{Label: r.Label, Role: r.AuthorRole},
			CreatedAt: r.CreatedAt}
		// A parent's view: the parent's own replies are theirs; the school's are always shown to them.
		if r.Moderation == moderationRejected && (leader || r.AuthorRole != CompanionParent) {
			rv.Content = hiddenContent
		}
		if leader {
			rv.Flagged = flagged(r.Moderation)
		}
		thread[r.FeedbackID] = append(thread[r.FeedbackID], rv)
	}
	for _, r := range rows {
		fv := Feedback{ID: r.ID, Status: r.Status, Category: r.Category, Content: r.Content,
			From: FeedbackAuthor{Label: r.Label, Role: CompanionParent}, MealID: r.MealID, Date: r.Date, Meal: r.Meal,
			Photos: photoList(photos, r.ID), Replies: thread[r.ID], Satisfied: r.Satisfied, CreatedAt: r.CreatedAt,
			ClosedAt: r.ClosedAt}
		if fv.Replies == nil {
			fv.Replies = []FeedbackReply{}
		}
		if leader {
			fv.Flagged, fv.Moderation = flagged(r.Moderation), r.Moderation
			if r.Moderation == moderationRejected {
				fv.Content = hiddenContent
			}
		}
		out = append(out, fv)
	}
	return out, nil
}

// flagged marks text WeChat's check wants a human at the school to look at ("review").
func flagged(moderation string) *bool {
	f := moderation == moderationReview
	return &f
}
