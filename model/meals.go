package model

import "time"

// Photo is an uploaded picture, re-encoded to JPEG and kept in the object store under ObjectKey. It belongs to
// its uploader until a record attaches it (AttachedTo/AttachedID); photos never attached are swept after a
// day. SweepClaim marks a row that a Maintain run has claimed for deletion, so that several instances never
// delete the same photo twice and no record can attach it meanwhile.
type Photo struct {
	ID             string  `gorm:"primaryKey;size:36"`
	SchoolID       string  `gorm:"size:36;index:idx_photos_attached,priority:1"`
	UploaderID     string  `gorm:"size:36"`
	ObjectKey      string  `gorm:"size:255"`
	Purpose        string  `gorm:"size:16"`
	SHA256         string  `gorm:"column:sha256;size:64"`
	Width          int     `gorm:"not null"`
	Height         int     `gorm:"not null"`
	Bytes          int64   `gorm:"not null"`
	AttachedTo     *string `gorm:"size:32;index:idx_photos_attached,priority:2"`
	AttachedID     *string `gorm:"size:36;index:idx_photos_attached,priority:3"`
	AttachedAt     *time.Time
	SweepClaim     *string `gorm:"size:36"`
	SweepClaimedAt *time.Time
	CreatedAt      time.Time `gorm:"index:idx_photos_created_at"`
}

// Meal is one 陪餐 record: a leader or a parent who ate a meal with the students. A parent is kept as the
// class label only (Label "三年级2班家长"), never by name. One author files at most one record per meal and day.
// Dishes is a JSON array; the ratings are 1–5.
type Meal struct {
	ID          string  `gorm:"primaryKey;size:36"`
	SchoolID    string  `gorm:"size:36;uniqueIndex:idx_meals_author_meal,priority:1;index:idx_meals_school_date,priority:1"`
	Date        string  `gorm:"size:10;uniqueIndex:idx_meals_author_meal,priority:2;index:idx_meals_school_date,priority:2"`
	Meal        string  `gorm:"size:16;uniqueIndex:idx_meals_author_meal,priority:3"`
	AuthorID    string  `gorm:"size:36;uniqueIndex:idx_meals_author_meal,priority:4"`
	Role        string  `gorm:"size:16"`
	ClassID     *string `gorm:"size:36"`
	Label       string  `gorm:"size:100"`
	Dishes      string  `gorm:"type:text"`
	Hygiene     int     `gorm:"not null"`
	Taste       int     `gorm:"not null"`
	Quantity    int     `gorm:"not null"`
	Temperature int     `gorm:"not null"`
	Price       int     `gorm:"not null"`
	Comment     string  `gorm:"type:text"`
	Issues      string  `gorm:"type:text"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// MealDuty is the roster: which leader is to accompany a meal of a date.
type MealDuty struct {
	SchoolID   string `gorm:"primaryKey;size:36"`
	Date       string `gorm:"primaryKey;size:10"`
	Meal       string `gorm:"primaryKey;size:16"`
	LeaderID   string `gorm:"size:36"`
	AssignedBy string `gorm:"size:36"`
	UpdatedAt  time.Time
}

// Feedback is a parent's suggestion or complaint that the school must answer. Moderation is msgSecCheck's
// outcome: pass, review (kept and flagged for the school), pending (WeChat was down; Maintain checks it later)
// or rejected (found risky on the later check: hidden from the school). CreatedDate is the local date, for
// monthly reports; FirstReplyAt is the school's first answer, for reply times.
type Feedback struct {
	ID           string  `gorm:"primaryKey;size:36"`
	SchoolID     string  `gorm:"size:36;index:idx_feedback_school_status,priority:1;index:idx_feedback_school_date,priority:1"`
	AccountID    string  `gorm:"size:36;index:idx_feedback_account"`
	ClassID      string  `gorm:"size:36"`
	Label        string  `gorm:"size:100"`
	Category     string  `gorm:"size:16"`
	Content      string  `gorm:"type:text"`
	MealID       *string `gorm:"size:36"`
	Date         string  `gorm:"size:10"`
	Meal         string  `gorm:"size:16"`
	Status       string  `gorm:"size:16;index:idx_feedback_school_status,priority:2"`
	Moderation   string  `gorm:"size:16;index:idx_feedback_moderation"`
	Satisfied    *bool
	FirstReplyAt *time.Time
	ClosedAt     *time.Time
	CreatedDate  string `gorm:"size:10;index:idx_feedback_school_date,priority:2"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// FeedbackReply is one message of a feedback thread, from a leader (by name) or the parent (by class label).
type FeedbackReply struct {
	ID         string `gorm:"primaryKey;size:36"`
	SchoolID   string `gorm:"size:36;index:idx_feedback_replies_thread,priority:1"`
	FeedbackID string `gorm:"size:36;index:idx_feedback_replies_thread,priority:2"`
	AuthorID   string `gorm:"size:36"`
	AuthorRole string `gorm:"size:16"`
	Label      string `gorm:"size:100"`
	Content    string `gorm:"type:text"`
	Moderation string `gorm:"size:16;index:idx_feedback_replies_moderation"`
	CreatedAt  time.Time
}

// Subscription counts the one-time subscribe-message consents a WeChat account granted per template; sending
// a message uses one. RefusedAt records WeChat's 43101 (the user has none left or turned them off).
type Subscription struct {
	AccountID string `gorm:"primaryKey;size:36"`
	Template  string `gorm:"primaryKey;size:32"`
	Remaining int    `gorm:"not null"`
	RefusedAt *time.Time
	UpdatedAt time.Time
}

// TableName keeps "feedback" uncountable (GORM would say "feedbacks").
func (Feedback) TableName() string { return "feedback" }
