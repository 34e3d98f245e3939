package observations

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/jobs"
	"schoolcheck/service/moderation"
)

// recheckBatch bounds how many observations one run sends to WeChat.
const recheckBatch = 50

// Jobs are the module's scheduled work: asking WeChat again about texts stored while it was down.
func (s *Service) Jobs(every time.Duration) []jobs.Job {
	return []jobs.Job{{Name: "observations.moderation_recheck", Every: every, Run: func(ctx context.Context, _ jobs.Slot) error {
		_, err := s.RecheckModeration(ctx)
		return err
	}}}
}

// RecheckModeration asks WeChat about evaluations (the observer's) and reflections (the teacher's) stored
// while it was down; risky text is then hidden from everyone but its author, review is flagged for
// leaders. Updates are conditional on "pending", so instances running it together agree.
func (s *Service) RecheckModeration(ctx context.Context) (int, error) {
	db := model.CrossSchool(s.Read(ctx)).Session(&gorm.Session{}) // every school's pending texts, by design
	var rows []model.Observation
	if err := db.Where("moderation = ? OR reflection_moderation = ?", moderation.Pending, moderation.Pending).
		Order("created_at").Limit(recheckBatch).Find(&rows).Error; err != nil {
		return 0, service.WrapDB(err)
	}
	var staffIDs []string
	for _, r := range rows {
		staffIDs = append(staffIDs, r.ObserverID, r.TeacherID)
	}
	openIDs, err := openIDs(db, staffIDs)
	if err != nil {
		return 0, err
	}
	var items []moderation.Item
	for _, r := range rows {
		if r.Moderation == moderation.Pending {
			items = append(items, moderation.Item{ID: "moderation:" + r.ID, OpenID: openIDs[r.ObserverID],
				Text: feedbackText(r.Strengths, r.Suggestions)})
		}
		if r.ReflectionModeration == moderation.Pending {
			items = append(items, moderation.Item{ID: "reflection_moderation:" + r.ID, OpenID: openIDs[r.TeacherID],
				Text: r.Reflection})
		}
	}
	n := 0
	_, err = s.check.Recheck(ctx, items, func(id, outcome string) error {
		col, rowID, _ := strings.Cut(id, ":")
		res := db.Model(&model.Observation{}).Where("id = ? AND "+col+" = ?", rowID, moderation.Pending).
			Update(col, outcome)
		n += int(res.RowsAffected)
		return service.WrapDB(res.Error)
	})
	return n, err
}

// openIDs finds the WeChat openids of staff members' bound accounts (absent when not bound).
func openIDs(db *gorm.DB, staffIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(staffIDs) == 0 {
		return out, nil
	}
	var rows []struct{ ID, OpenID string }
	if err := db.Table("staff").Select("staff.id AS id, accounts.open_id AS open_id").
		Joins("JOIN accounts ON accounts.id = staff.account_id").Where("staff.id IN ?", staffIDs).
		Scan(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	for _, r := range rows {
		out[r.ID] = r.OpenID
	}
	return out, nil
}
