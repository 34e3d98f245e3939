package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/school"
)

const defaultLease = 10 * time.Minute

// Scheduler runs jobs. Several instances may run one each on the same database.
type Scheduler struct {
	service.Core
	jobs   []Job
	holder string
}

// New builds a scheduler for the jobs (no registration anywhere else: main collects every module's Jobs).
func New(core service.Core, jobs ...Job) *Scheduler {
	return &Scheduler{Core: core, jobs: jobs, holder: model.NewID()}
}

// PassStats counts what one pass did.
type PassStats struct {
	Ran, Skipped, Failed int
}

// Run calls Pass every interval until ctx ends.
func (s *Scheduler) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Pass(ctx); err != nil && ctx.Err() == nil {
			s.Log.WarnContext(ctx, "scheduler pass", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Pass looks once for due slots and runs those no instance has taken or finished.
func (s *Scheduler) Pass(ctx context.Context) (PassStats, error) {
	now := s.Now().UTC()
	var st PassStats
	var errs []error
	var perSchool []Job
	for _, j := range s.jobs {
		if j.Occasions != nil {
			perSchool = append(perSchool, j)
			continue
		}
		if j.Every <= 0 {
			continue
		}
		start := now.Truncate(j.Every)
		slot := Slot{Job: j.Name, Key: start.Format("2006-01-02T15:04:05Z"), At: start, Until: start.Add(j.Every)}
		s.runSlot(ctx, j, "", slot, now, &st, &errs)
	}
	if len(perSchool) > 0 {
		if err := s.schoolPass(ctx, perSchool, now, &st, &errs); err != nil {
			errs = append(errs, err)
		}
	}
	return st, errors.Join(errs...)
}

// schoolPass evaluates the per-school jobs for every school's local today: the schools, their calendar
// overrides and the slots already taken are three queries, whatever the number of schools.
func (s *Scheduler) schoolPass(ctx context.Context, js []Job, now time.Time, st *PassStats, errs *[]error) error {
	db := model.CrossSchool(s.Read(ctx)).Session(&gorm.Session{}) // the scheduler serves every school by design
	var schools []model.School
	if err := db.Find(&schools).Error; err != nil {
		return service.WrapDB(err)
	}
	infos := make([]*school.Info, 0, len(schools))
	dates := map[string]bool{}
	for _, sc := range schools {
		si, err := school.InfoOf(sc) // decoded once per stored document, not every pass
		if err != nil {
			*errs = append(*errs, err)
			continue
		}
		infos = append(infos, si)
		dates[si.Today(now)] = true
	}
	if len(infos) == 0 {
		return nil
	}
	list := make([]string, 0, len(dates))
	for d := range dates {
		list = append(list, d)
	}
	var overrides []model.CalendarDay
	if err := db.Where("date IN ?", list).Find(&overrides).Error; err != nil {
		return service.WrapDB(err)
	}
	bySchool := map[string]map[string]model.CalendarDay{}
	for _, o := range overrides {
		if bySchool[o.SchoolID] == nil {
			bySchool[o.SchoolID] = map[string]model.CalendarDay{}
		}
		bySchool[o.SchoolID][o.Date] = o
	}
	names := make([]string, len(js))
	for i, j := range js {
		names[i] = j.Name
	}
	type key struct{ job, school, slot string }
	done := map[key]bool{}
	var runs []model.JobRun
	if err := db.Where("job IN ? AND slot >= ? AND done_at IS NOT NULL", names, minDate(list)).
		Select("job", "school_id", "slot").Find(&runs).Error; err != nil {
		return service.WrapDB(err)
	}
	for _, r := range runs {
		done[key{r.Job, r.SchoolID, r.Slot}] = true
	}
	// Slots of a job with RunAll are gathered by key and run together after the walk.
	type gkey struct {
		job int
		key string
	}
	groups := map[gkey][]Slot{}
	var order []gkey
	for _, si := range infos {
		today := si.Today(now)
		if today < si.Opened() {
			continue
		}
		d, _ := time.Parse(time.DateOnly, today)
		plan := si.PlanOf(d, bySchool[si.School.ID])
		for ji, j := range js {
			for _, occ := range j.Occasions(si, plan) {
				slotKey := today + " " + occ.Key
				switch {
				case now.Before(occ.At):
					continue // not yet
				case done[key{j.Name, si.School.ID, slotKey}]:
					continue
				case !now.Before(occ.Until):
					st.Skipped++ // over: dropped, not run late
					continue
				}
				slot := Slot{Job: j.Name, Key: slotKey, At: occ.At, Until: occ.Until, School: si, Day: plan,
					Occasion: occ.Key}
				if j.RunAll == nil {
					s.runSlot(ctx, j, si.School.ID, slot, now, st, errs)
					continue
				}
				g := gkey{ji, slotKey}
				if groups[g] == nil {
					order = append(order, g)
				}
				groups[g] = append(groups[g], slot)
			}
		}
	}
	for _, g := range order {
		slots := groups[g]
		for len(slots) > 0 {
			n := min(len(slots), groupChunk)
			s.runGroup(ctx, js[g.job], g.key, slots[:n], now, st, errs)
			slots = slots[n:]
		}
	}
	return nil
}

// groupChunk bounds the schools one RunAll call (and one lease statement) covers, to keep statements'
// parameter lists within what every database takes.
const groupChunk = 500

// runGroup takes the leases of slots sharing one key, hands those it holds to RunAll and finishes them
// together: done when it succeeds, released when it fails.
func (s *Scheduler) runGroup(ctx context.Context, j Job, slotKey string, slots []Slot, now time.Time, st *PassStats,
	errs *[]error) {
	mine, err := s.takeAll(ctx, j, slotKey, slots, now)
	if err != nil {
		*errs = append(*errs, err)
		return
	}
	if len(mine) == 0 {
		return
	}
	ids := SchoolIDs(mine)
	runErr := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("job %s panicked: %v", j.Name, p)
			}
		}()
		return j.RunAll(ctx, mine)
	}()
	held := s.Read(ctx).Where("job = ? AND slot = ? AND school_id IN ? AND holder = ?", j.Name, slotKey, ids, s.holder)
	if runErr != nil {
		st.Failed += len(mine)
		s.Log.WarnContext(ctx, "job failed", "job", j.Name, "slot", slotKey, "schools", len(mine), "error", runErr.Error())
		if err := held.Delete(&model.JobRun{}).Error; err != nil {
			*errs = append(*errs, service.WrapDB(err))
		}
		*errs = append(*errs, runErr)
		return
	}
	st.Ran += len(mine)
	if err := held.Model(&model.JobRun{}).Updates(map[string]any{"done_at": s.Now().UTC(), "outcome": "ok"}).Error; err != nil {
		*errs = append(*errs, service.WrapDB(err))
	}
}

// takeAll inserts the leases of the slots (one statement; a lease that exists is left as it is), takes over
// those whose holder let them expire unfinished, and returns the slots this instance now holds.
func (s *Scheduler) takeAll(ctx context.Context, j Job, slotKey string, slots []Slot, now time.Time) ([]Slot, error) {
	lease := j.Lease
	if lease <= 0 {
		lease = defaultLease
	}
	db := s.Read(ctx)
	rows := make([]model.JobRun, len(slots))
	ids := SchoolIDs(slots)
	for i := range slots {
		rows[i] = model.JobRun{Job: j.Name, SchoolID: ids[i], Slot: slotKey, Holder: s.holder, StartedAt: now,
			ExpiresAt: now.Add(lease), Runs: 1}
	}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	if err := db.Model(&model.JobRun{}).
		Where("job = ? AND slot = ? AND school_id IN ? AND done_at IS NULL AND expires_at < ?", j.Name, slotKey, ids, now).
		Updates(map[string]any{"holder": s.holder, "started_at": now, "expires_at": now.Add(lease),
			"runs": gorm.Expr("runs + 1")}).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	var held []string
	if err := db.Model(&model.JobRun{}).Where("job = ? AND slot = ? AND school_id IN ? AND holder = ? AND done_at IS NULL",
		j.Name, slotKey, ids, s.holder).Pluck("school_id", &held).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	mine := make(map[string]bool, len(held))
	for _, id := range held {
		mine[id] = true
	}
	out := make([]Slot, 0, len(held))
	for _, sl := range slots {
		if mine[sl.School.School.ID] {
			out = append(out, sl)
		}
	}
	return out, nil
}

func minDate(dates []string) string {
	m := dates[0]
	for _, d := range dates[1:] {
		m = min(m, d)
	}
	return m
}

// runSlot takes the slot's lease, runs it and marks it done; a slot another instance holds or finished is
// left alone.
func (s *Scheduler) runSlot(ctx context.Context, j Job, schoolID string, slot Slot, now time.Time, st *PassStats,
	errs *[]error) {
	taken, err := s.take(ctx, j, schoolID, slot.Key, now)
	if err != nil {
		*errs = append(*errs, err)
		return
	}
	if !taken {
		return
	}
	runErr := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("job %s panicked: %v", j.Name, p)
			}
		}()
		return j.Run(ctx, slot)
	}()
	if runErr != nil {
		st.Failed++
		s.Log.WarnContext(ctx, "job failed", "job", j.Name, "school_id", schoolID, "slot", slot.Key, "error", runErr.Error())
		// A failed slot is released (not marked done) so a later pass retries it while it is still due.
		if err := s.Read(ctx).Where("job = ? AND school_id = ? AND slot = ? AND holder = ?", j.Name, schoolID, slot.Key,
			s.holder).Delete(&model.JobRun{}).Error; err != nil {
			*errs = append(*errs, service.WrapDB(err))
		}
		*errs = append(*errs, runErr)
		return
	}
	st.Ran++
	doneAt := s.Now().UTC()
	if err := s.Read(ctx).Model(&model.JobRun{}).Where("job = ? AND school_id = ? AND slot = ? AND holder = ?",
		j.Name, schoolID, slot.Key, s.holder).Updates(map[string]any{"done_at": doneAt, "outcome": "ok"}).Error; err != nil {
		*errs = append(*errs, service.WrapDB(err))
	}
}

// take inserts the slot's lease; when it exists, it takes over a lease whose holder let it expire without
// finishing. It reports whether this instance now holds the slot.
func (s *Scheduler) take(ctx context.Context, j Job, schoolID, key string, now time.Time) (bool, error) {
	lease := j.Lease
	if lease <= 0 {
		lease = defaultLease
	}
	db := s.Read(ctx)
	row := model.JobRun{Job: j.Name, SchoolID: schoolID, Slot: key, Holder: s.holder, StartedAt: now,
		ExpiresAt: now.Add(lease), Runs: 1}
	err := db.Create(&row).Error
	if err == nil {
		return true, nil
	}
	if !model.IsDuplicate(err) {
		return false, service.WrapDB(err)
	}
	res := db.Model(&model.JobRun{}).
		Where("job = ? AND school_id = ? AND slot = ? AND done_at IS NULL AND expires_at < ?", j.Name, schoolID, key, now).
		Updates(map[string]any{"holder": s.holder, "started_at": now, "expires_at": now.Add(lease),
			"runs": gorm.Expr("runs + 1")})
	if res.Error != nil {
		return false, service.WrapDB(res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Purge is a job of the whole server that deletes finished leases older than 40 days.
func Purge(core service.Core) Job {
	return Job{Name: "jobs.purge", Every: 6 * time.Hour, Run: func(ctx context.Context, _ Slot) error {
		cutoff := core.Now().UTC().Add(-40 * 24 * time.Hour)
		return service.WrapDB(core.Read(ctx).Where("done_at IS NOT NULL AND done_at < ?", cutoff).
			Delete(&model.JobRun{}).Error)
	}}
}
