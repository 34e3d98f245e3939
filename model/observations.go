package model

import "time"

// ObservationRubric is one published version of a school's lesson-observation rubric (评课量表). Versions
// are numbered per school from 2 (version 1 is the built-in default, which no school stores) and never
// change once published: an observation names the version it was scored on. Items is the JSON array
// [{"key", "name", "max"}]; MaxTotal is the sum of the items' max.
type ObservationRubric struct {
	ID        string `gorm:"primaryKey;size:36"`
	SchoolID  string `gorm:"size:36;uniqueIndex:idx_obs_rubric_version,priority:1"`
	Version   int    `gorm:"not null;uniqueIndex:idx_obs_rubric_version,priority:2"`
	Items     string `gorm:"type:text"`
	MaxTotal  int    `gorm:"not null"`
	CreatedBy string `gorm:"size:36"`
	CreatedAt time.Time
}

// ObservationLesson is an open lesson (公开课) announced so that staff can come and observe it. SlotKey is
// "<date>-<period>-<id>", unique and sortable, so that lists page through lessons in the order they are
// given with the one cursor helper.
type ObservationLesson struct {
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

// ObservationSignup is a staff member's sign-up to observe an open lesson (at most one per lesson).
type ObservationSignup struct {
	SchoolID  string `gorm:"primaryKey;size:36"`
	LessonID  string `gorm:"primaryKey;size:36"`
	StaffID   string `gorm:"primaryKey;size:36"`
	CreatedAt time.Time
}

// Observation is one observed lesson (听课记录): the observer's scores on the rubric version in force when it
// was filed (Scores is the JSON object {key: points}; Total and MaxTotal are kept with it, so the record
// reads the same after the school publishes a new rubric), strengths and suggestions, and the observed
// teacher's acknowledgement with a reflection (教学反思), which closes it to edits. An observer files one
// record per teacher, date and period. Moderation is msgSecCheck's outcome for strengths and suggestions,
// ReflectionModeration for the reflection (pass, review, pending, rejected).
type Observation struct {
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
