package model

import (
	"time"

	"gorm.io/gorm"
)

// What migration 9 creates and adds, as it was when it shipped.
type (
	m9Region struct {
		ParentID string `gorm:"size:36;index:idx_regions_parent"`
	}
	m9Finding struct {
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
	m9FindingResponse struct {
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
)

// migrate9Inspections makes regions a tree (a district's parent is its city; a root has none) and creates
// the inspection findings with their threads.
func migrate9Inspections(tx *gorm.DB) error {
	m := tx.Table("regions").Migrator()
	if !m.HasColumn(&m9Region{}, "ParentID") { // a re-run after a failure halfway (MySQL DDL is not transactional)
		if err := m.AddColumn(&m9Region{}, "ParentID"); err != nil {
			return err
		}
	}
	if !m.HasIndex(&m9Region{}, "idx_regions_parent") {
		if err := m.CreateIndex(&m9Region{}, "idx_regions_parent"); err != nil {
			return err
		}
	}
	return createTables(tx, map[string]any{"findings": &m9Finding{}, "finding_responses": &m9FindingResponse{}})
}
