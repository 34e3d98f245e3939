package service

import (
	"context"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service/wechat"
)

// ReplyFeedback adds a message to a thread: a leader's reply makes the feedback "replied" (and notifies the
// parent after the commit, if they granted a feedback_reply subscription), the parent's own reply makes it
// "open" again. Closed feedback takes no replies (409). The text goes through msgSecCheck like feedback.
func (s *Service) ReplyFeedback(ctx context.Context, a *Actor, id, content string) (Feedback, error) {
	v := invalid{}
	content = checkContent(v, content)
	if err := v.err(); err != nil {
		return Feedback{}, err
	}
	fb, leader, err := findFeedback(s.read(ctx), a, id)
	if err != nil {
		return Feedback{}, err
	}
	if fb.Status == FeedbackClosed {
		return Feedback{}, conflict("feedback_closed", "该反馈已关闭，不能再回复")
	}
	moderation, err := s.moderate(ctx, a, content)
	if err != nil {
		return Feedback{}, err
	}
	now := s.now().UTC()
	reply := model.FeedbackReply{ID: model.NewID(), SchoolID: fb.SchoolID, FeedbackID: fb.ID, AuthorID: a.UserID(),
		AuthorRole: CompanionParent, Label: fb.Label, Content: content, Moderation: moderation, CreatedAt: now}
	status := FeedbackOpen
	if leader {
		reply.AuthorRole, reply.Label, status = CompanionLeader, a.Name, FeedbackReplied
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		// Conditional on "not closed": a close that commits first wins.
		res := tx.Model(&model.Feedback{}).Scopes(a.scope()).Where("id = ? AND status <> ?", fb.ID, FeedbackClosed).
			Updates(map[string]any{"status": status, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 { // closed meanwhile, or (MySQL counts changed rows) nothing to change
			var st []string
			if err := tx.Model(&model.Feedback{}).Scopes(a.scope()).Where("id = ?", fb.ID).Pluck("status", &st).Error; err != nil {
				return err
			}
			if len(st) == 0 || st[0] == FeedbackClosed {
				return conflict("feedback_closed", "该反馈已关闭，不能再回复")
			}
		}
		if leader {
			if err := tx.Model(&model.Feedback{}).Scopes(a.scope()).Where("id = ? AND first_reply_at IS NULL", fb.ID).
				Update("first_reply_at", now).Error; err != nil {
				return err
			}
		}
		if err := tx.Create(&reply).Error; err != nil {
			return err
		}
		return s.audit(tx, a, fb.SchoolID, ActionCreate, "feedback_reply", reply.ID, map[string]any{
			"feedback_id": fb.ID, "content": content, "status": map[string]string{"from": fb.Status, "to": status},
			"moderation": moderation})
	})
	if err != nil {
		return Feedback{}, err
	}
	if leader && moderation != moderationRejected {
		s.notifyFeedbackReply(ctx, fb, reply)
	}
	fb, _, err = findFeedback(s.read(ctx), a, id)
	if err != nil {
		return Feedback{}, err
	}
	return s.feedbackOut(ctx, a, fb)
}

// CloseFeedback is the parent closing their feedback, saying whether they are satisfied. Only the parent
// who wrote it may (a leader is 403, another parent 404); closing twice is 409.
func (s *Service) CloseFeedback(ctx context.Context, a *Actor, id string, satisfied bool) (Feedback, error) {
	fb, leader, err := findFeedback(s.read(ctx), a, id)
	if err != nil {
		return Feedback{}, err
	}
	if leader || fb.AccountID != a.AccountID {
		return Feedback{}, E(ErrForbidden, "forbidden", "只有提交反馈的家长可以关闭反馈")
	}
	now := s.now().UTC()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&model.Feedback{}).Scopes(a.scope()).Where("id = ? AND status <> ?", fb.ID, FeedbackClosed).
			Updates(map[string]any{"status": FeedbackClosed, "satisfied": satisfied, "closed_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return conflict("feedback_closed", "该反馈已经关闭")
		}
		return s.audit(tx, a, fb.SchoolID, ActionUpdate, entityFeedback, fb.ID, map[string]any{
			"status": map[string]string{"from": fb.Status, "to": FeedbackClosed}, "satisfied": satisfied})
	})
	if err != nil {
		return Feedback{}, err
	}
	fb, _, err = findFeedback(s.read(ctx), a, id)
	if err != nil {
		return Feedback{}, err
	}
	return s.feedbackOut(ctx, a, fb)
}

// notifyFeedbackReply tells the parent the school answered, using one of their feedback_reply consents. It
// runs after the reply committed and never fails it: problems are logged.
func (s *Service) notifyFeedbackReply(ctx context.Context, fb model.Feedback, reply model.FeedbackReply) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var acct model.Account
	if err := s.read(ctx).Where("id = ?", fb.AccountID).Take(&acct).Error; err != nil {
		s.log.WarnContext(ctx, "feedback reply: parent account not found", "feedback_id", fb.ID, "error", err.Error())
		return
	}
	loc := time.UTC
	if si, err := loadSchool(s.read(ctx), fb.SchoolID); err == nil {
		loc = si.Loc
	}
	s.sendSubscribe(ctx, fb.AccountID, wechat.SubscribeMessage{
		ToOpenID: acct.OpenID, Template: TemplateFeedbackReply, Page: "pages/feedback/detail?id=" + fb.ID,
		Data: map[string]string{
			"thing1": clip("陪餐反馈："+FeedbackCategories[fb.Category], 20),
			"thing2": clip(reply.Content, 20),
			"time3":  reply.CreatedAt.In(loc).Format("2006-01-02 15:04"),
		}})
}

// clip shortens text to n characters for a subscribe message field (WeChat's "thing" holds 20).
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
