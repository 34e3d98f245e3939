package service

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service/wechat"
)

// recheckBatch bounds how many pending texts one Maintain run sends to WeChat.
const recheckBatch = 50

// moderate asks msgSecCheck about text the actor wrote. Risky text is refused (422 content_rejected); text
// WeChat wants reviewed is kept as "review"; when WeChat cannot answer, the text is kept as "pending" and
// RecheckModeration asks again later, so a parent's feedback is never lost to an outage.
func (s *Service) moderate(ctx context.Context, a *Actor, text string) (string, error) {
	verdict, err := s.wx.CheckText(ctx, a.OpenID, text)
	switch {
	case err != nil:
		s.log.WarnContext(ctx, "msgSecCheck unavailable; text kept for a later check", "error", err.Error())
		return moderationPending, nil
	case verdict == wechat.VerdictRisky:
		return "", E(ErrRule, "content_rejected", "内容未通过微信内容安全检查，请修改后再提交")
	case verdict == wechat.VerdictReview:
		return moderationReview, nil
	}
	return moderationPass, nil
}

// RecheckModeration asks WeChat about feedback and replies stored while it was down. Risky text is then
// hidden from the school ("rejected"); review is flagged. It stops at the first outage (WeChat is still
// down); any other WeChat error (e.g. the author has not opened the mini-program recently, which v2 of
// msgSecCheck requires) leaves the text for a human as "review". Updates are conditional on "pending", so
// instances running it together agree.
func (s *Service) RecheckModeration(ctx context.Context) (int, error) {
	db := model.CrossSchool(s.read(ctx)).Session(&gorm.Session{}) // every school's pending texts, by design
	var fbs []model.Feedback
	if err := db.Where("moderation = ?", moderationPending).Order("created_at").Limit(recheckBatch).
		Find(&fbs).Error; err != nil {
		return 0, wrapDB(err)
	}
	var replies []model.FeedbackReply
	if err := db.Where("moderation = ?", moderationPending).Order("created_at").Limit(recheckBatch).
		Find(&replies).Error; err != nil {
		return 0, wrapDB(err)
	}
	type item struct {
		table, id, accountID, staffID, text string
	}
	var items []item
	for _, f := range fbs {
		items = append(items, item{table: "feedback", id: f.ID, accountID: f.AccountID, text: f.Content})
	}
	for _, r := range replies {
		it := item{table: "feedback_replies", id: r.ID, text: r.Content}
		if r.AuthorRole == CompanionParent {
			it.accountID = r.AuthorID
		} else {
			it.staffID = r.AuthorID
		}
		items = append(items, it)
	}
	n := 0
	for _, it := range items {
		openID, err := s.openIDOf(ctx, it.accountID, it.staffID)
		if err != nil {
			return n, err
		}
		outcome := moderationReview
		verdict, err := s.wx.CheckText(ctx, openID, it.text)
		switch {
		case errors.Is(err, wechat.ErrUnavailable):
			return n, nil // still down: the next run tries again
		case err != nil:
			s.log.WarnContext(ctx, "msgSecCheck recheck failed; left for review", "table", it.table, "id", it.id,
				"error", err.Error())
		case verdict == wechat.VerdictPass:
			outcome = moderationPass
		case verdict == wechat.VerdictRisky:
			outcome = moderationRejected
		}
		res := db.Table(it.table).Where("id = ? AND moderation = ?", it.id, moderationPending).
			Update("moderation", outcome)
		if res.Error != nil {
			return n, wrapDB(res.Error)
		}
		n += int(res.RowsAffected)
	}
	return n, nil
}

// openIDOf finds the WeChat openid of a parent account or of a staff member's bound account ("" if none).
func (s *Service) openIDOf(ctx context.Context, accountID, staffID string) (string, error) {
	db := s.read(ctx)
	if accountID == "" && staffID != "" {
		var st model.Staff
		if err := model.CrossSchool(db).Where("id = ?", staffID).Take(&st).Error; err != nil {
			if model.IsNotFound(err) {
				return "", nil
			}
			return "", wrapDB(err)
		}
		if st.AccountID == nil {
			return "", nil
		}
		accountID = *st.AccountID
	}
	var acct model.Account
	if err := db.Where("id = ?", accountID).Take(&acct).Error; err != nil {
		if model.IsNotFound(err) {
			return "", nil
		}
		return "", wrapDB(err)
	}
	return acct.OpenID, nil
}
