package model

import "time"

// AttendancePunch is one office sign-in or sign-out (坐班打卡): at most one "in" and one "out" per staff
// member per local date (the unique key makes a second "in" keep the first and lets a later "out" replace
// the earlier one in a single upsert). It keeps the fence, the distance to it and the accuracy the phone
// reported — never the raw coordinates, which would be a teacher's whereabouts.
type AttendancePunch struct {
	ID        string    `gorm:"primaryKey;size:36"`
	SchoolID  string    `gorm:"size:36;uniqueIndex:idx_att_punch_day,priority:1;index:idx_att_punch_school_date,priority:1;index:idx_att_punch_report,priority:1"`
	StaffID   string    `gorm:"size:36;uniqueIndex:idx_att_punch_day,priority:2;index:idx_att_punch_report,priority:3"`
	Date      string    `gorm:"size:10;uniqueIndex:idx_att_punch_day,priority:3;index:idx_att_punch_school_date,priority:2;index:idx_att_punch_report,priority:2"`
	Kind      string    `gorm:"size:3;uniqueIndex:idx_att_punch_day,priority:4;index:idx_att_punch_report,priority:4"` // in | out
	At        time.Time // UTC, server time
	Method    string    `gorm:"size:16"` // location | qr | correction
	Fence     string    `gorm:"size:64"`
	DistanceM *int
	AccuracyM *float64
	Status    string `gorm:"size:16;index:idx_att_punch_report,priority:5"` // on_time | late | normal | early_leave
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AttendanceRequest is a leave (请假) or a make-up punch (补卡) awaiting a leader's decision. A leave covers
// FromDate..ToDate inclusive; a correction names one date (FromDate = ToDate) and the punch kind.
type AttendanceRequest struct {
	ID          string `gorm:"primaryKey;size:36"`
	SchoolID    string `gorm:"size:36;index:idx_att_req_school_status,priority:1;index:idx_att_req_staff,priority:1"`
	StaffID     string `gorm:"size:36;index:idx_att_req_staff,priority:2"`
	StaffName   string `gorm:"size:64"`
	Category    string `gorm:"size:16"` // leave | correction
	LeaveType   string `gorm:"size:16"` // sick | personal | official | other (leaves)
	PunchKind   string `gorm:"size:3"`  // in | out (corrections)
	FromDate    string `gorm:"size:10;index:idx_att_req_staff,priority:3"`
	ToDate      string `gorm:"size:10"`
	Reason      string `gorm:"size:600"`
	Status      string `gorm:"size:16;index:idx_att_req_school_status,priority:2"` // pending | approved | rejected
	DeciderID   string `gorm:"size:36"`
	DeciderName string `gorm:"size:64"`
	Comment     string `gorm:"size:600"`
	DecidedAt   *time.Time
	CreatedAt   time.Time
}

// AttendanceDisplay is an office screen link (no login): only a hash of its secret token is kept, so a
// database dump does not reveal working links. RevokedAt ends it at once.
type AttendanceDisplay struct {
	ID        string `gorm:"primaryKey;size:36"`
	SchoolID  string `gorm:"size:36;index:idx_att_display_school"`
	Name      string `gorm:"size:64"`
	TokenHash string `gorm:"size:64;uniqueIndex:idx_att_display_token"`
	CreatedBy string `gorm:"size:36"`
	CreatedAt time.Time
	RevokedAt *time.Time
}
