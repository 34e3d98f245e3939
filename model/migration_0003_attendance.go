package model

import (
	"time"

	"gorm.io/gorm"
)

// The office sign-in tables as they were when migration 3 shipped.
type (
	m3AttendancePunch struct {
		ID        string `gorm:"primaryKey;size:36"`
		SchoolID  string `gorm:"size:36;uniqueIndex:idx_att_punch_day,priority:1;index:idx_att_punch_school_date,priority:1"`
		StaffID   string `gorm:"size:36;uniqueIndex:idx_att_punch_day,priority:2"`
		Date      string `gorm:"size:10;uniqueIndex:idx_att_punch_day,priority:3;index:idx_att_punch_school_date,priority:2"`
		Kind      string `gorm:"size:3;uniqueIndex:idx_att_punch_day,priority:4"`
		At        time.Time
		Method    string `gorm:"size:16"`
		Fence     string `gorm:"size:64"`
		DistanceM *int
		AccuracyM *float64
		Status    string `gorm:"size:16"`
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	m3AttendanceRequest struct {
		ID          string `gorm:"primaryKey;size:36"`
		SchoolID    string `gorm:"size:36;index:idx_att_req_school_status,priority:1;index:idx_att_req_staff,priority:1"`
		StaffID     string `gorm:"size:36;index:idx_att_req_staff,priority:2"`
		StaffName   string `gorm:"size:64"`
		Category    string `gorm:"size:16"`
		LeaveType   string `gorm:"size:16"`
		PunchKind   string `gorm:"size:3"`
		FromDate    string `gorm:"size:10;index:idx_att_req_staff,priority:3"`
		ToDate      string `gorm:"size:10"`
		Reason      string `gorm:"size:600"`
		Status      string `gorm:"size:16;index:idx_att_req_school_status,priority:2"`
		DeciderID   string `gorm:"size:36"`
		DeciderName string `gorm:"size:64"`
		Comment     string `gorm:"size:600"`
		DecidedAt   *time.Time
		CreatedAt   time.Time
	}
	m3AttendanceDisplay struct {
		ID        string `gorm:"primaryKey;size:36"`
		SchoolID  string `gorm:"size:36;index:idx_att_display_school"`
		Name      string `gorm:"size:64"`
		TokenHash string `gorm:"size:64;uniqueIndex:idx_att_display_token"`
		CreatedBy string `gorm:"size:36"`
		CreatedAt time.Time
		RevokedAt *time.Time
	}
)

// migrate3Attendance creates the attendance tables.
func migrate3Attendance(tx *gorm.DB) error {
	return createTables(tx, map[string]any{
		"attendance_punches": &m3AttendancePunch{}, "attendance_requests": &m3AttendanceRequest{},
		"attendance_displays": &m3AttendanceDisplay{},
	})
}
