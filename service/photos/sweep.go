package photos

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/jobs"
)

const (
	// photoOrphanAge is how long an unattached photo is kept (DESIGN.md: deleted after a day).
	photoOrphanAge = 24 * time.Hour
	// sweepBatch bounds one sweep run's work.
	sweepBatch = 200
	// sweepClaimTTL is when a claim whose instance died (or whose object delete failed) may be taken again.
	sweepClaimTTL = 10 * time.Minute
)

// Sweep deletes photos that no record attached within a day: objects first, then rows. It is safe
// with several instances at once: a run claims rows with a conditional update (unattached, unclaimed or
// claim gone stale) under a token of its own and only deletes what it claimed; a record attaching the same
// photo at the same moment is the other side of the same conditional update, so exactly one wins. An
// object already gone counts as deleted; a delete that fails leaves the row claimed for a later run.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	claimable := "attached_to IS NULL AND created_at < ? AND (sweep_claim IS NULL OR sweep_claimed_at < ?)"
	cutoff, stale := now.Add(-photoOrphanAge), now.Add(-sweepClaimTTL)
	db := model.CrossSchool(s.Read(ctx)).Session(&gorm.Session{}) // a sweep of every school by design
	var ids []string
	if err := db.Model(&model.Photo{}).Where(claimable, cutoff, stale).Order("created_at").Limit(sweepBatch).
		Pluck("id", &ids).Error; err != nil {
		return 0, service.WrapDB(err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	token := model.NewID()
	if err := db.Model(&model.Photo{}).Where("id IN ? AND "+claimable, ids, cutoff, stale).
		Updates(map[string]any{"sweep_claim": token, "sweep_claimed_at": now}).Error; err != nil {
		return 0, service.WrapDB(err)
	}
	var rows []model.Photo
	if err := db.Where("sweep_claim = ?", token).Find(&rows).Error; err != nil {
		return 0, service.WrapDB(err)
	}
	n := 0
	var errs []error
	for _, r := range rows {
		if err := s.store.Delete(ctx, r.ObjectKey); err != nil {
			errs = append(errs, err)
			continue
		}
		res := db.Where("id = ? AND sweep_claim = ?", r.ID, token).Delete(&model.Photo{})
		if res.Error != nil {
			errs = append(errs, service.WrapDB(res.Error))
			continue
		}
		n += int(res.RowsAffected)
	}
	if n > 0 {
		s.Log.InfoContext(ctx, "photo sweep", "deleted", n)
	}
	return n, errors.Join(errs...)
}

// Job sweeps unattached photos every interval.
func (s *Service) Job(every time.Duration) jobs.Job {
	return jobs.Job{Name: "photos.sweep", Every: every, Run: func(ctx context.Context, _ jobs.Slot) error {
		_, err := s.Sweep(ctx)
		return err
	}}
}
