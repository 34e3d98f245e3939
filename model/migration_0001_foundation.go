package model

import (
	"time"

	"gorm.io/gorm"
)

// The foundation tables as they were when migration 1 shipped.
type (
	m1Region struct {
		ID        string `gorm:"primaryKey;size:36"`
		Name      string `gorm:"size:100;uniqueIndex:idx_regions_name"`
		CreatedAt time.Time
	}
	m1School struct {
		ID        string `gorm:"primaryKey;size:36"`
		RegionID  string `gorm:"size:36;uniqueIndex:idx_school_region_name,priority:1"`
		Name      string `gorm:"size:200;uniqueIndex:idx_school_region_name,priority:2"`
		Timezone  string `gorm:"size:64"`
		Settings  string `gorm:"type:text"`
		QRSecret  string `gorm:"size:64"`
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	m1Account struct {
		ID          string `gorm:"primaryKey;size:36"`
		OpenID      string `gorm:"size:64;uniqueIndex:idx_accounts_open_id"`
		UnionID     string `gorm:"size:64;index:idx_accounts_union_id"`
		CreatedAt   time.Time
		LastLoginAt time.Time
	}
	m1Staff struct {
		ID        string  `gorm:"primaryKey;size:36"`
		SchoolID  string  `gorm:"size:36;uniqueIndex:idx_staff_school_phone,priority:1"`
		RegionID  string  `gorm:"size:36;index:idx_staff_region_id"`
		Name      string  `gorm:"size:64"`
		Phone     string  `gorm:"size:20;uniqueIndex:idx_staff_school_phone,priority:2;index:idx_staff_phone"`
		Roles     string  `gorm:"size:100"`
		Subjects  string  `gorm:"size:255"`
		Active    bool    `gorm:"index:idx_staff_active"`
		AccountID *string `gorm:"size:36;index:idx_staff_account_id"`
		BoundAt   *time.Time
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	m1Class struct {
		ID               string  `gorm:"primaryKey;size:36"`
		SchoolID         string  `gorm:"size:36;index:idx_classes_school_id"`
		Grade            string  `gorm:"size:20"`
		Name             string  `gorm:"size:50"`
		HeadTeacherID    *string `gorm:"size:36;index:idx_classes_head_teacher_id"`
		StudentCount     int
		InviteCode       string `gorm:"size:16;uniqueIndex:idx_classes_invite_code"`
		PhonesRegistered int
		CreatedAt        time.Time
		UpdatedAt        time.Time
	}
	m1ParentLink struct {
		ID             string `gorm:"primaryKey;size:36"`
		SchoolID       string `gorm:"size:36;index:idx_parent_links_school_id"`
		ClassID        string `gorm:"size:36;uniqueIndex:idx_parent_class_account,priority:1"`
		AccountID      string `gorm:"size:36;uniqueIndex:idx_parent_class_account,priority:2;index:idx_parent_links_account_id"`
		Relation       string `gorm:"size:16"`
		ConsentVersion string `gorm:"size:32"`
		CreatedAt      time.Time
		RemovedAt      *time.Time
	}
	m1CalendarDay struct {
		SchoolID  string `gorm:"primaryKey;size:36"`
		Date      string `gorm:"primaryKey;size:10"`
		Workday   bool
		Note      string  `gorm:"size:100"`
		Meals     *string `gorm:"size:100"`
		WindowIn  string  `gorm:"size:5"`
		WindowOut string  `gorm:"size:5"`
		UpdatedAt time.Time
	}
	m1AuditLog struct {
		ID        string    `gorm:"primaryKey;size:36"`
		SchoolID  string    `gorm:"size:36;index:idx_audit_entity,priority:1;index:idx_audit_school_at,priority:1"`
		ActorID   string    `gorm:"size:36"`
		ActorName string    `gorm:"size:64"`
		Action    string    `gorm:"size:16"`
		Entity    string    `gorm:"size:32;index:idx_audit_entity,priority:2"`
		EntityID  string    `gorm:"size:36;index:idx_audit_entity,priority:3"`
		Changes   string    `gorm:"type:text"`
		At        time.Time `gorm:"index:idx_audit_school_at,priority:2"`
	}
	m1IdempotencyKey struct {
		ID          string `gorm:"primaryKey;size:64"`
		AccountID   string `gorm:"size:36"`
		RequestHash string `gorm:"size:64"`
		Done        bool
		Status      int
		ContentType string    `gorm:"size:100"`
		Body        []byte    `gorm:"type:mediumblob"`
		CreatedAt   time.Time `gorm:"index:idx_idempotency_keys_created_at"`
	}
)

// migrate1Foundation creates the foundation tables.
func migrate1Foundation(tx *gorm.DB) error {
	return createTables(tx, map[string]any{
		"regions": &m1Region{}, "schools": &m1School{}, "accounts": &m1Account{}, "staff": &m1Staff{},
		"classes": &m1Class{}, "parent_links": &m1ParentLink{}, "calendar_days": &m1CalendarDay{},
		"audit_logs": &m1AuditLog{}, "idempotency_keys": &m1IdempotencyKey{},
	})
}

// createTables creates each table from its frozen struct, skipping tables that exist (a re-run after a
// failure halfway on MySQL, whose DDL is not transactional).
func createTables(tx *gorm.DB, tables map[string]any) error {
	for name, v := range tables {
		m := tx.Table(name).Migrator()
		if m.HasTable(name) {
			continue
		}
		if err := tx.Table(name).Migrator().CreateTable(v); err != nil {
			return err
		}
	}
	return nil
}
