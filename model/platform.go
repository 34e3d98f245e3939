package model

import "time"

// JobRun is the lease of one slot of a scheduled job: job, school ("" for a job of the whole server) and
// slot (the local date and time, or the interval it covers). Its primary key makes taking a slot atomic
// across instances: the insert that succeeds holds it until ExpiresAt; DoneAt marks a slot that finished, so
// a restart never runs it again. idx_job_runs_slot serves each pass's read of the day's finished slots.
type JobRun struct {
	Job       string `gorm:"primaryKey;size:64;index:idx_job_runs_slot,priority:1"`
	SchoolID  string `gorm:"primaryKey;size:36"`
	Slot      string `gorm:"primaryKey;size:32;index:idx_job_runs_slot,priority:2"`
	Holder    string `gorm:"size:36"`
	StartedAt time.Time
	ExpiresAt time.Time
	DoneAt    *time.Time `gorm:"index:idx_job_runs_done"`
	Outcome   string     `gorm:"size:255"`
	Runs      int        `gorm:"not null"`
}

// OutboxMessage is a subscribe message a change caused, written in the change's transaction and sent after
// the commit by the drainer. DedupeKey names its occasion (a reply, a reminder for one person and day), so
// the same occasion can never be queued twice. Status: pending, sending, sent, refused (43101), no_consent,
// expired, failed or unknown (an instance died mid-send: never retried, so never sent twice).
type OutboxMessage struct {
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

// TableName keeps "outbox" (GORM would say "outbox_messages").
func (OutboxMessage) TableName() string { return "outbox" }
