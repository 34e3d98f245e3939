package model

import (
	"time"

	"gorm.io/gorm"
)

// The phone-custody tables as they were when migration 7 shipped.
type (
	m7PhoneCustody struct {
		SchoolID  string `gorm:"primaryKey;size:36"`
		ClassID   string `gorm:"primaryKey;size:36"`
		Location  string `gorm:"size:100"`
		Method    string `gorm:"size:800"`
		KeeperID  string `gorm:"size:36"`
		Hotline   string `gorm:"size:32"`
		UpdatedBy string `gorm:"size:36"`
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	m7PhoneRegistration struct {
		ID        string `gorm:"primaryKey;size:36"`
		SchoolID  string `gorm:"size:36;uniqueIndex:idx_phone_reg_from,priority:1"`
		ClassID   string `gorm:"size:36;uniqueIndex:idx_phone_reg_from,priority:2"`
		FromDate  string `gorm:"size:10;uniqueIndex:idx_phone_reg_from,priority:3"`
		Count     int    `gorm:"not null"`
		SetBy     string `gorm:"size:36"`
		SetByName string `gorm:"size:64"`
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	m7PhoneCheck struct {
		ID             string `gorm:"primaryKey;size:36"`
		SchoolID       string `gorm:"size:36;uniqueIndex:idx_phone_checks_slot,priority:1;index:idx_phone_checks_school_date,priority:1;index:idx_phone_checks_followup,priority:1"`
		ClassID        string `gorm:"size:36;uniqueIndex:idx_phone_checks_slot,priority:2"`
		Date           string `gorm:"size:10;uniqueIndex:idx_phone_checks_slot,priority:3;index:idx_phone_checks_school_date,priority:2"`
		Kind           string `gorm:"size:8;uniqueIndex:idx_phone_checks_slot,priority:4"`
		Slot           string `gorm:"size:36;uniqueIndex:idx_phone_checks_slot,priority:5"`
		Registered     int    `gorm:"not null"`
		Expected       *int
		Counted        *int
		Found          *int
		Discrepancy    int    `gorm:"not null"`
		Location       string `gorm:"size:100"`
		Note           string `gorm:"type:text"`
		AuthorID       string `gorm:"size:36"`
		AuthorName     string `gorm:"size:64"`
		Followup       string `gorm:"size:8;index:idx_phone_checks_followup,priority:2"`
		FollowupAt     *time.Time
		ResolvedAt     *time.Time
		ResolvedBy     string `gorm:"size:36"`
		ResolvedByName string `gorm:"size:64"`
		ResolveNote    string `gorm:"type:text"`
		CreatedAt      time.Time
		UpdatedAt      time.Time
	}
)

// migrate7Phones creates the phone-custody tables: the arrangement per class, the registered-phones history
// and the checks.
func migrate7Phones(tx *gorm.DB) error {
	return createTables(tx, map[string]any{"phone_custody": &m7PhoneCustody{},
		"phone_registrations": &m7PhoneRegistration{}, "phone_checks": &m7PhoneCheck{}})
}
