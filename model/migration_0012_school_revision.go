package model

import "gorm.io/gorm"

// The school column as migration 12 added it.
type m12School struct {
	Revision int64 `gorm:"not null;default:0"`
}

// migrate12SchoolRevision gives each school a revision, bumped in the transaction of every write to what
// a punch reads of its school (the row, its settings, its calendar days): an instance keeps the decoded
// school and today's plan under that number and knows it is current from the actor query, which reads the
// revision with the account (docs/performance.md: a punch issues two statements instead of three).
func migrate12SchoolRevision(tx *gorm.DB) error {
	m := tx.Table("schools").Migrator()
	if m.HasColumn(&m12School{}, "Revision") { // a re-run after a failure halfway (MySQL DDL is not transactional)
		return nil
	}
	return m.AddColumn(&m12School{}, "Revision")
}
