package model

import "gorm.io/gorm"

// The index migration 10 adds to job_runs, as it was when it shipped.
type m10JobRun struct {
	Job  string `gorm:"primaryKey;size:64;index:idx_job_runs_slot,priority:1"`
	Slot string `gorm:"primaryKey;size:32;index:idx_job_runs_slot,priority:2"`
}

// migrate10JobSlots indexes the scheduler's leases by job and slot. Every pass reads the slots of the day
// already finished (job IN … AND slot >= today); the primary key (job, school, slot) made that a scan of
// every school's slots of the last 40 days, about a second a pass on MariaDB for a city of 1,500 schools
// against tens of milliseconds with the index (docs/performance.md).
func migrate10JobSlots(tx *gorm.DB) error {
	if m := tx.Table("job_runs").Migrator(); !m.HasIndex(&m10JobRun{}, "idx_job_runs_slot") {
		return m.CreateIndex(&m10JobRun{}, "idx_job_runs_slot")
	}
	return nil
}
