package model

import "time"

// Region is a node of the tree of education bureaus (city → district) whose inspectors read the reports of
// every school in it and below it. ParentID is empty for a root.
type Region struct {
	ID        string `gorm:"primaryKey;size:36"`
	Name      string `gorm:"size:100;uniqueIndex"`
	ParentID  string `gorm:"size:36;index:idx_regions_parent"`
	CreatedAt time.Time
}

// School is a tenant. Settings is the JSON settings document of API.md; QRSecret signs its office QR codes.
type School struct {
	ID       string `gorm:"primaryKey;size:36"`
	RegionID string `gorm:"size:36;uniqueIndex:idx_school_region_name,priority:1"`
	Name     string `gorm:"size:200;uniqueIndex:idx_school_region_name,priority:2"`
	Timezone string `gorm:"size:64"`
	Settings string `gorm:"type:text"`
	QRSecret string `gorm:"size:64"`
	// Revision counts the writes to the school row and its calendar days (school.Touch): what an instance
	// keeps of the school is current while the revision the actor query reads is the one it was kept under.
	Revision  int64 `gorm:"not null;default:0"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Account is one WeChat identity (openid). A login creates it; binding links it to staff entries and
// classes, each school (or region) where it holds a role being one membership. Membership is the one it
// chose last ("school:<id>" or "region:<id>"), which a new login starts in.
type Account struct {
	ID          string `gorm:"primaryKey;size:36"`
	OpenID      string `gorm:"size:64;uniqueIndex"`
	UnionID     string `gorm:"size:64;index"`
	Membership  string `gorm:"size:64"`
	CreatedAt   time.Time
	LastLoginAt time.Time
}

// Staff is a roster entry: a school's principal, leader or teacher, or (with an empty SchoolID) a region's
// inspector. Roles is a comma-separated list. AccountID is set once the person binds their WeChat.
type Staff struct {
	ID        string  `gorm:"primaryKey;size:36"`
	SchoolID  string  `gorm:"size:36;uniqueIndex:idx_staff_school_phone,priority:1"`
	RegionID  string  `gorm:"size:36;index"`
	Name      string  `gorm:"size:64"`
	Phone     string  `gorm:"size:20;uniqueIndex:idx_staff_school_phone,priority:2;index"`
	Roles     string  `gorm:"size:100"`
	Subjects  string  `gorm:"size:255"`
	Active    bool    `gorm:"index"`
	AccountID *string `gorm:"size:36;index"`
	BoundAt   *time.Time
	// Binding is a random id given to each binding (empty while unbound): a token names the binding it was
	// issued under, so a binding made again after a removal never revives older tokens.
	Binding   string `gorm:"size:36"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Class is a school class. InviteCode lets parents join; rotating it stops the old code at once.
type Class struct {
	ID               string  `gorm:"primaryKey;size:36"`
	SchoolID         string  `gorm:"size:36;index"`
	Grade            string  `gorm:"size:20"`
	Name             string  `gorm:"size:50"`
	HeadTeacherID    *string `gorm:"size:36;index"`
	StudentCount     int
	InviteCode       string `gorm:"size:16;uniqueIndex"`
	PhonesRegistered int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// ParentLink ties a WeChat account to a class as a parent. No child's name is kept: the school sees the
// parent as "<class>家长". The school knows the link by ID (to list, remove and readmit it, with its relation
// and join time); the parent's records (meals, feedback, audit rows) carry AuthorID instead, a random
// pseudonym that nothing the school reads ties to the link, its relation or the account. RemovedAt ends the
// link (and the access) at once; RemovedCode is the class's invite code at that moment, which cannot bring
// the parent back (a readmission or a new code can).
type ParentLink struct {
	ID             string `gorm:"primaryKey;size:36"`
	SchoolID       string `gorm:"size:36;index"`
	ClassID        string `gorm:"size:36;uniqueIndex:idx_parent_class_account,priority:1"`
	AccountID      string `gorm:"size:36;uniqueIndex:idx_parent_class_account,priority:2;index"`
	AuthorID       string `gorm:"size:36;uniqueIndex:idx_parent_links_author"`
	Relation       string `gorm:"size:16"`
	ConsentVersion string `gorm:"size:32"`
	CreatedAt      time.Time
	RemovedAt      *time.Time
	RemovedCode    string `gorm:"size:16"`
}

// CalendarDay overrides one date of a school's calendar: a holiday, or a 调休 workday with its own window.
// Meals is a JSON array, or NULL for the weekday default.
type CalendarDay struct {
	SchoolID  string `gorm:"primaryKey;size:36"`
	Date      string `gorm:"primaryKey;size:10"`
	Workday   bool
	Note      string  `gorm:"size:100"`
	Meals     *string `gorm:"size:100"`
	WindowIn  string  `gorm:"size:5"`
	WindowOut string  `gorm:"size:5"`
	UpdatedAt time.Time
}

// AuditLog is written in the same transaction as every create, update and delete of school data.
type AuditLog struct {
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

// IdempotencyKey remembers the first response to a creating POST so a retry gets it again. ID is a hash of
// the account and the client's key; RequestHash a hash of method, path and body.
type IdempotencyKey struct {
	ID          string `gorm:"primaryKey;size:64"`
	AccountID   string `gorm:"size:36"`
	RequestHash string `gorm:"size:64"`
	Done        bool
	Status      int
	ContentType string    `gorm:"size:100"`
	Body        []byte    `gorm:"type:mediumblob"`
	CreatedAt   time.Time `gorm:"index"`
}

// TableName keeps "staff" singular (GORM would say "staffs").
func (Staff) TableName() string { return "staff" }

// All lists every model, for the test that holds them against the migrated schema.
func All() []any {
	return []any{&Region{}, &School{}, &Account{}, &Staff{}, &Class{}, &ParentLink{}, &CalendarDay{}, &AuditLog{},
		&IdempotencyKey{}, &Photo{}, &Meal{}, &MealDuty{}, &Feedback{}, &FeedbackReply{}, &Subscription{},
		&AttendancePunch{}, &AttendanceRequest{}, &AttendanceDisplay{}, &JobRun{}, &OutboxMessage{}, &Finding{},
		&FindingResponse{}}
}
