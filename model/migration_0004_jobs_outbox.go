package model

import (
	"time"

	"gorm.io/gorm"
)

// The scheduler's leases and the notification outbox as they were when migration 4 shipped.
type (
	m4JobRun struct {
		Job       string `gorm:"primaryKey;size:64"`
		SchoolID  string `gorm:"primaryKey;size:36"`
		Slot      string `gorm:"primaryKey;size:32"`
		Holder    string `gorm:"size:36"`
		StartedAt time.Time
		ExpiresAt time.Time
		DoneAt    *time.Time `gorm:"index:idx_job_runs_done"`
		Outcome   string     `gorm:"size:255"`
		Runs      int        `gorm:"not null"`
	}
	m4OutboxMessage struct {
		ID        string    `gorm:"primaryKey;size:36"`
		SchoolID  string    `gorm:"size:36"`
		AccountID string    `gorm:"size:36;index:idx_outbox_account"`
		Template  string    `gorm:"size:32"`
		DedupeKey string    `gorm:"size:191;uniqueIndex:idx_outbox_dedupe"`
		Page      string    `gorm:"size:255"`
		Data      string    `gorm:"type:text"`
		Status    string    `gorm:"size:16;index:idx_outbox_due,priority:1"`
		NextAt    time.Time `gorm:"index:idx_outbox_due,priority:2"`
		ExpiresAt *time.Time
		Attempts  int     `gorm:"not null"`
		Claim     *string `gorm:"size:36"`
		ClaimedAt *time.Time
		MsgID     string `gorm:"size:64"`
		LastError string `gorm:"size:255"`
		CreatedAt time.Time
		DoneAt    *time.Time
	}
)

// migrate4JobsOutbox creates the job leases and the outbox.
func migrate4JobsOutbox(tx *gorm.DB) error {
	return createTables(tx, map[string]any{"job_runs": &m4JobRun{}, "outbox": &m4OutboxMessage{}})
}
