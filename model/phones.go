package model

import "time"

// The phone-custody module (手机管理) works on class counts only: no row here names or counts a student.

// PhoneCustody is a class's custody arrangement, the one the plan asks every school to make clear: where
// phones are kept (Location), how (Method), by whom (KeeperID, a staff member of the school), and the number
// students call home on (Hotline). One per class.
type PhoneCustody struct {
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

// TableName keeps the arrangement's table singular (GORM would say "phone_custodies").
func (PhoneCustody) TableName() string { return "phone_custody" }

// PhoneRegistration is one step of a class's registered-phones history: from FromDate (a local date) on,
// Count students of the class have a phone their parents filed an application for, until the next step.
// The count in force on a date is the step with the latest FromDate not after it (none: 0).
type PhoneRegistration struct {
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

// PhoneCheck is one check of a class's phones on a school day: the morning collection (collect), the
// hand-back (return) or a spot check in the classroom (spot). Collect and return record the phones expected
// and counted (Discrepancy = Expected - Counted); spot records the phones Found. The unique key
// (school, class, date, kind, slot) allows one collect and one return per class and day — their Slot is
// empty — and any number of spot checks, whose Slot is their own id. Registered is the count in force on
// Date when the check was recorded. A discrepancy or phones found opens a follow-up (Followup "open") that
// the head teacher or a leader resolves with a note.
type PhoneCheck struct {
	ID             string `gorm:"primaryKey;size:36"`
	SchoolID       string `gorm:"size:36;uniqueIndex:idx_phone_checks_slot,priority:1;index:idx_phone_checks_school_date,priority:1;index:idx_phone_checks_followup,priority:1;index:idx_phone_checks_report,priority:1"`
	ClassID        string `gorm:"size:36;uniqueIndex:idx_phone_checks_slot,priority:2;index:idx_phone_checks_report,priority:3"`
	Date           string `gorm:"size:10;uniqueIndex:idx_phone_checks_slot,priority:3;index:idx_phone_checks_school_date,priority:2;index:idx_phone_checks_report,priority:2"`
	Kind           string `gorm:"size:8;uniqueIndex:idx_phone_checks_slot,priority:4;index:idx_phone_checks_report,priority:4"` // collect | return | spot
	Slot           string `gorm:"size:36;uniqueIndex:idx_phone_checks_slot,priority:5"`
	Registered     int    `gorm:"not null"`
	Expected       *int
	Counted        *int
	Found          *int   `gorm:"index:idx_phone_checks_report,priority:7"`
	Discrepancy    int    `gorm:"not null;index:idx_phone_checks_report,priority:6"`
	Location       string `gorm:"size:100"`
	Note           string `gorm:"type:text"`
	AuthorID       string `gorm:"size:36"`
	AuthorName     string `gorm:"size:64"`
	Followup       string `gorm:"size:8;index:idx_phone_checks_followup,priority:2;index:idx_phone_checks_report,priority:5"` // "" | open | resolved
	FollowupAt     *time.Time
	ResolvedAt     *time.Time
	ResolvedBy     string `gorm:"size:36"`
	ResolvedByName string `gorm:"size:64"`
	ResolveNote    string `gorm:"type:text"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}
