package model

import (
	"time"

	"gorm.io/gorm"
)

// The meals module's tables (photos, 陪餐 records, duty roster, feedback, subscriptions) as they were when
// migration 2 shipped.
type (
	m2Photo struct {
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

	m2Meal struct {
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

	m2MealDuty struct {
		SchoolID   string `gorm:"primaryKey;size:36"`
		Date       string `gorm:"primaryKey;size:10"`
		Meal       string `gorm:"primaryKey;size:16"`
		LeaderID   string `gorm:"size:36"`
		AssignedBy string `gorm:"size:36"`
		UpdatedAt  time.Time
	}

	m2Feedback struct {
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

	m2FeedbackReply struct {
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

	m2Subscription struct {
		AccountID string `gorm:"primaryKey;size:36"`
		Template  string `gorm:"primaryKey;size:32"`
		Remaining int    `gorm:"not null"`
		RefusedAt *time.Time
		UpdatedAt time.Time
	}
)

// m2Feedback keeps the table name "feedback".
func (m2Feedback) TableName() string { return "feedback" }

// migrate2Meals creates the meals tables.
func migrate2Meals(tx *gorm.DB) error {
	return createTables(tx, map[string]any{
		"photos": &m2Photo{}, "meals": &m2Meal{}, "meal_duties": &m2MealDuty{}, "feedback": &m2Feedback{},
		"feedback_replies": &m2FeedbackReply{}, "subscriptions": &m2Subscription{},
	})
}
