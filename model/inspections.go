package model

import "time"

// The inspections module (督查考核) keeps the problems an inspector finds at a school (问题清单) and the
// school's rectifications, each finding closed out only when the inspector accepts the fix (销号管理).

// Finding is one problem an inspector recorded for a school: the module it concerns, a title and detail,
// the date it is due to be fixed by, and its state — open (waiting for the school), answered (the school
// responded; waiting for the inspector) or closed (accepted). ByID is the inspector's roster entry (a
// region's staff row); RegionID is the school's region when it was recorded.
type Finding struct {
	ID         string `gorm:"primaryKey;size:36"`
	SchoolID   string `gorm:"size:36;index:idx_findings_school_status,priority:1"`
	RegionID   string `gorm:"size:36"`
	Module     string `gorm:"size:16"`
	Title      string `gorm:"size:200"`
	Detail     string `gorm:"type:text"`
	Due        string `gorm:"size:10;index:idx_findings_school_status,priority:3"`
	Status     string `gorm:"size:16;index:idx_findings_school_status,priority:2"`
	ByID       string `gorm:"size:36"`
	ByName     string `gorm:"size:64"`
	AnsweredAt *time.Time
	ClosedAt   *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// FindingResponse is one entry of a finding's thread: the school's rectification (Kind "response", by a
// principal or leader, with text and photos) or the inspector's verification (Kind "verify", Accepted
// saying whether it closed the finding or sent it back, with a comment).
type FindingResponse struct {
	ID         string `gorm:"primaryKey;size:36"`
	SchoolID   string `gorm:"size:36;index:idx_finding_responses_thread,priority:1"`
	FindingID  string `gorm:"size:36;index:idx_finding_responses_thread,priority:2"`
	Kind       string `gorm:"size:16"`
	AuthorID   string `gorm:"size:36"`
	AuthorName string `gorm:"size:64"`
	Content    string `gorm:"type:text"`
	Accepted   *bool
	CreatedAt  time.Time
}
