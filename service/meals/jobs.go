package meals

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/jobs"
	"schoolcheck/service/moderation"
)

// recheckBatch bounds how many pending texts one run sends to WeChat.
const recheckBatch = 50

// Jobs are the meals module's scheduled work: asking WeChat again about feedback stored while it was down.
func (s *Service) Jobs(every time.Duration) []jobs.Job {
	return []jobs.Job{{Name: "meals.moderation_recheck", Every: every, Run: func(ctx context.Context, _ jobs.Slot) error {
		_, err := s.RecheckModeration(ctx)
		return err
	}}}
}

// RecheckModeration asks WeChat about feedback and replies stored while it was down. Risky text is then
// hidden from the school ("rejected"); review is flagged. Updates are conditional on "pending", so instances
// running it together agree.
func (s *Service) RecheckModeration(ctx context.Context) (int, error) {
	db := model.CrossSchool(s.Read(ctx)).Session(&gorm.Session{}) // every school's pending texts, by design
	var fbs []model.Feedback
	if err := db.Where("moderation = ?", moderation.Pending).Order("created_at").Limit(recheckBatch).
		Find(&fbs).Error; err != nil {
		return 0, service.WrapDB(err)
	}
	var replies []model.FeedbackReply
	if err := db.Where("moderation = ?", moderation.Pending).Order("created_at").Limit(recheckBatch).
		Find(&replies).Error; err != nil {
		return 0, service.WrapDB(err)
	}
	table := map[string]string{}
	var items []moderation.Item
	for _, f := range fbs {
		openID, err := s.openIDOf(db, f.AccountID, "")
		if err != nil {
			return 0, err
		}
		table[f.ID] = "feedback"
		items = append(items, moderation.Item{ID: f.ID, OpenID: openID, Text: f.Content})
	}
	for _, r := range replies {
		acct, staff := "", r.AuthorID
		if r.AuthorRole == CompanionParent { // a parent's reply carries a pseudonym: the account is the link's
			var links []string
			if err := db.Model(&model.ParentLink{}).Where("author_id = ?", r.AuthorID).Pluck("account_id", &links).Error; err != nil {
				return 0, service.WrapDB(err)
			}
			acct, staff = "", ""
			if len(links) > 0 {
				acct = links[0]
			}
		}
		openID, err := s.openIDOf(db, acct, staff)
		if err != nil {
			return 0, err
		}
		table[r.ID] = "feedback_replies"
		items = append(items, moderation.Item{ID: r.ID, OpenID: openID, Text: r.Content})
	}
	n := 0
	_, err := s.check.Recheck(ctx, items, func(id, outcome string) error {
		res := db.Table(table[id]).Where("id = ? AND moderation = ?", id, moderation.Pending).Update("moderation", outcome)
		n += int(res.RowsAffected)
		return service.WrapDB(res.Error)
	})
	return n, err
}

// openIDOf finds the WeChat openid of a parent account or of a staff member's bound account ("" if none).
func (s *Service) openIDOf(db *gorm.DB, accountID, staffID string) (string, error) {
	if accountID == "" && staffID != "" {
		var st model.Staff
		if err := db.Where("id = ?", staffID).Take(&st).Error; err != nil {
			if model.IsNotFound(err) {
				return "", nil
			}
			return "", service.WrapDB(err)
		}
		if st.AccountID == nil {
			return "", nil
		}
		accountID = *st.AccountID
	}
	var acct model.Account
	if err := db.Where("id = ?", accountID).Take(&acct).Error; err != nil {
		if model.IsNotFound(err) || errors.Is(err, gorm.ErrRecordNotFound) {
			return "", nil
		}
		return "", service.WrapDB(err)
	}
	return acct.OpenID, nil
}
