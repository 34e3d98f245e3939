package model

import (
	"time"

	"gorm.io/gorm"
)

// The lesson-observation tables (rubric versions, open lessons and their sign-ups, observations) as they
// were when migration 6 shipped.
type (
	m6ObservationRubric struct {
		ID        string `gorm:"primaryKey;size:36"`
		SchoolID  string `gorm:"size:36;uniqueIndex:idx_obs_rubric_version,priority:1"`
		Version   int    `gorm:"not null;uniqueIndex:idx_obs_rubric_version,priority:2"`
		Items     string `gorm:"type:text"`
		MaxTotal  int    `gorm:"not null"`
		CreatedBy string `gorm:"size:36"`
		CreatedAt time.Time
	}
	m6ObservationLesson struct {
		ID          string  `gorm:"primaryKey;size:36"`
		SchoolID    string  `gorm:"size:36;uniqueIndex:idx_obs_lesson_slot,priority:1;index:idx_obs_lesson_teacher,priority:1"`
		SlotKey     string  `gorm:"size:64;uniqueIndex:idx_obs_lesson_slot,priority:2"`
		TeacherID   string  `gorm:"size:36;index:idx_obs_lesson_teacher,priority:2"`
		ClassID     *string `gorm:"size:36"`
		Subject     string  `gorm:"size:40"`
		Topic       string  `gorm:"size:200"`
		Date        string  `gorm:"size:10"`
		Period      int     `gorm:"not null"`
		Kind        string  `gorm:"size:16"`
		Room        string  `gorm:"size:60"`
		AnnouncedBy string  `gorm:"size:36"`
		CreatedAt   time.Time
	}
	m6ObservationSignup struct {
		SchoolID  string `gorm:"primaryKey;size:36"`
		LessonID  string `gorm:"primaryKey;size:36"`
		StaffID   string `gorm:"primaryKey;size:36"`
		CreatedAt time.Time
	}
	m6Observation struct {
		ID                   string     `gorm:"primaryKey;size:36"`
		SchoolID             string     `gorm:"size:36;uniqueIndex:idx_obs_once,priority:1;index:idx_obs_school_date,priority:1;index:idx_obs_teacher,priority:1;index:idx_obs_pending_ack,priority:1;index:idx_obs_lesson,priority:1"`
		ObserverID           string     `gorm:"size:36;uniqueIndex:idx_obs_once,priority:2"`
		TeacherID            string     `gorm:"size:36;uniqueIndex:idx_obs_once,priority:3;index:idx_obs_teacher,priority:2"`
		Date                 string     `gorm:"size:10;uniqueIndex:idx_obs_once,priority:4;index:idx_obs_school_date,priority:2;index:idx_obs_teacher,priority:3"`
		Period               int        `gorm:"not null;uniqueIndex:idx_obs_once,priority:5"`
		LessonID             *string    `gorm:"size:36;index:idx_obs_lesson,priority:2"`
		ClassID              *string    `gorm:"size:36"`
		Subject              string     `gorm:"size:40"`
		Topic                string     `gorm:"size:200"`
		Kind                 string     `gorm:"size:16"`
		RubricVersion        int        `gorm:"not null"`
		Scores               string     `gorm:"type:text"`
		Total                int        `gorm:"not null"`
		MaxTotal             int        `gorm:"not null"`
		Strengths            string     `gorm:"type:text"`
		Suggestions          string     `gorm:"type:text"`
		Moderation           string     `gorm:"size:16;index:idx_obs_moderation"`
		Reflection           string     `gorm:"type:text"`
		ReflectionModeration string     `gorm:"size:16;index:idx_obs_reflection_moderation"`
		AcknowledgedAt       *time.Time `gorm:"index:idx_obs_pending_ack,priority:2"`
		CreatedAt            time.Time  `gorm:"index:idx_obs_pending_ack,priority:3"`
		UpdatedAt            time.Time
	}
)

// migrate6Observations creates the lesson-observation tables.
func migrate6Observations(tx *gorm.DB) error {
	return createTables(tx, map[string]any{
		"observation_rubrics": &m6ObservationRubric{}, "observation_lessons": &m6ObservationLesson{},
		"observation_signups": &m6ObservationSignup{}, "observations": &m6Observation{},
	})
}
