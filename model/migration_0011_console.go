package model

import (
	"time"

	"gorm.io/gorm"
)

// The web console's login requests and sessions as they were when migration 11 shipped.
type (
	m11ConsoleLogin struct {
		ID          string    `gorm:"primaryKey;size:64"`
		PollHash    string    `gorm:"size:64"`
		CreatedAt   time.Time `gorm:"index:idx_console_logins_created"`
		ExpiresAt   time.Time
		IP          string `gorm:"size:64"`
		UserAgent   string `gorm:"size:255"`
		ConfirmedAt *time.Time
		AccountID   string `gorm:"size:36"`
		Membership  string `gorm:"size:64"`
		Binding     string `gorm:"size:36"`
		ClaimedAt   *time.Time
	}
	m11ConsoleSession struct {
		ID         string    `gorm:"primaryKey;size:36"`
		TokenHash  string    `gorm:"size:64;uniqueIndex"`
		AccountID  string    `gorm:"size:36;index"`
		Membership string    `gorm:"size:64"`
		Binding    string    `gorm:"size:36"`
		CSRF       string    `gorm:"size:64"`
		CreatedAt  time.Time `gorm:"index:idx_console_sessions_created"`
		ExpiresAt  time.Time
		EndedAt    *time.Time
	}
)

// migrate11Console creates the web console's scan-to-login requests and its sessions.
func migrate11Console(tx *gorm.DB) error {
	return createTables(tx, map[string]any{"console_logins": &m11ConsoleLogin{}, "console_sessions": &m11ConsoleSession{}})
}
