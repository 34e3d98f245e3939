package meals

import (
	"context"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/notify"
	"schoolcheck/service/school"
)

// ReplyFeedback adds a message to a thread: a leader's reply makes the feedback "replied" (and notifies the
// parent after the commit, if they granted a feedback_reply subscription), the parent's own reply makes it
// "open" again. Closed feedback takes no replies (409). The text goes through msgSecCheck like feedback.
func (s *Service) ReplyFeedback(ctx context.Context, a *service.Actor, id, content string) (Feedback, error) {
	v := service.Invalid{}
	content = v.Content("content", content, 1, 500)
	if err := v.Err(); err != nil {
		return Feedback{}, err
	}
	fb, leader, err := findFeedback(s.Read(ctx), a, id)
	if err != nil {
		return Feedback{}, err
	}
	if leader && fb.AccountID == a.AccountID {
		// No self-dealing: a leader never answers what they wrote as a parent (it would count as answered).
		return Feedback{}, service.ForbiddenBecause("不能以学校身份回复自己提交的反馈")
	}
	if fb.Status == FeedbackClosed {
		return Feedback{}, service.Conflict("feedback_closed", "该反馈已关闭，不能再回复")
	}
	author := a // the parent's reply carries their class link's pseudonym
	if !leader {
		if author = a.AsParent(fb.ClassID); author == nil { // no longer linked to that class
			return Feedback{}, service.Forbidden()
		}
	}
	outcome, err := s.check.Check(ctx, a, content)
	if err != nil {
		return Feedback{}, err
	}
	reply := model.FeedbackReply{ID: model.NewID(), SchoolID: fb.SchoolID, FeedbackID: fb.ID, AuthorID: author.UserID(),
		AuthorRole: CompanionParent, Label: fb.Label, Content: content, Moderation: outcome}
	status := FeedbackOpen
	if leader {
		reply.AuthorRole, reply.Label, status = CompanionLeader, a.Name, FeedbackReplied
	}
	err = s.Tx(ctx, func(tx *service.Tx) error {
		now := tx.Now
		reply.CreatedAt = now
		// Conditional on "not closed": a close that commits first wins.
		res := tx.Model(&model.Feedback{}).Scopes(a.Scope()).Where("id = ? AND status <> ?", fb.ID, FeedbackClosed).
			Updates(map[string]any{"status": status, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 { // closed meanwhile, or (MySQL counts changed rows) nothing to change
			var st []string
			if err := tx.Model(&model.Feedback{}).Scopes(a.Scope()).Where("id = ?", fb.ID).Pluck("status", &st).Error; err != nil {
				return err
			}
			if len(st) == 0 || st[0] == FeedbackClosed {
				return service.Conflict("feedback_closed", "该反馈已关闭，不能再回复")
			}
		}
		if leader {
			if err := tx.Model(&model.Feedback{}).Scopes(a.Scope()).Where("id = ? AND first_reply_at IS NULL", fb.ID).
				Update("first_reply_at", now).Error; err != nil {
				return err
			}
		}
		if err := tx.Create(&reply).Error; err != nil {
			return err
		}
		// The reply's row carries the thread's status change, so the trail has one row per message.
		changes := evidence.Diff(nil, map[string]any{"feedback_id": fb.ID, "content": content, "moderation": outcome})
		changes["status"] = evidence.Change{From: fb.Status, To: status}
		if err := evidence.Record(tx, author, fb.SchoolID, evidence.ActionCreate, evidence.FeedbackReply, reply.ID, changes); err != nil {
			return err
		}
		if !leader {
			return nil
		}
		return s.queueReplyNotice(tx, fb, reply)
	})
	if err != nil {
		return Feedback{}, err
	}
	fb, _, err = findFeedback(s.Read(ctx), a, id)
	if err != nil {
		return Feedback{}, err
	}
	return s.feedbackOut(ctx, a, fb)
}

// CloseFeedback is the parent closing their feedback, saying whether they are satisfied. Only the parent
// who wrote it may (a leader is 403, another parent 404); closing twice is 409.
func (s *Service) CloseFeedback(ctx context.Context, a *service.Actor, id string, satisfied bool) (Feedback, error) {
	fb, leader, err := findFeedback(s.Read(ctx), a, id)
	if err != nil {
		return Feedback{}, err
	}
	if leader || fb.AccountID != a.AccountID {
		return Feedback{}, service.ForbiddenBecause("只有提交反馈的家长可以关闭反馈")
	}
	err = s.Tx(ctx, func(tx *service.Tx) error {
		now := tx.Now
		res := tx.Model(&model.Feedback{}).Scopes(a.Scope()).Where("id = ? AND status <> ?", fb.ID, FeedbackClosed).
			Updates(map[string]any{"status": FeedbackClosed, "satisfied": satisfied, "closed_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return service.Conflict("feedback_closed", "该反馈已经关闭")
		}
		return evidence.Record(tx, a.AsParent(fb.ClassID), fb.SchoolID, evidence.ActionUpdate, evidence.Feedback, fb.ID, evidence.Changes{
			"status": {From: fb.Status, To: FeedbackClosed}, "satisfied": {From: nil, To: satisfied}})
	})
	if err != nil {
		return Feedback{}, err
	}
	fb, _, err = findFeedback(s.Read(ctx), a, id)
	if err != nil {
		return Feedback{}, err
	}
	return s.feedbackOut(ctx, a, fb)
}

// queueReplyNotice queues, in the reply's transaction, the message that tells the parent the school
// answered; the outbox sends it after the commit, against one of their feedback_reply consents.
func (s *Service) queueReplyNotice(tx *service.Tx, fb model.Feedback, reply model.FeedbackReply) error {
	si, err := school.Load(tx.DB, fb.SchoolID)
	if err != nil {
		return err
	}
	_, err = s.notify.Enqueue(tx, notify.Message{SchoolID: fb.SchoolID, AccountID: fb.AccountID,
		Template: notify.TemplateFeedbackReply, Page: "pages/feedback/detail?id=" + fb.ID,
		Key: "feedback_reply:" + reply.ID,
		Data: map[string]string{
			"subject":    "陪餐反馈：" + FeedbackCategories[fb.Category],
			"reply":      reply.Content,
			"replied_at": reply.CreatedAt.In(si.Loc).Format(notify.DateTimeLayout),
		}})
	return err
}
