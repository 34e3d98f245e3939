// Package evidence holds the rules every school record follows as inspection evidence (DESIGN.md "Data
// rules"): an audit row in the same transaction as every create, update and delete, naming the entity by a
// typed name and the fields that changed; the author's 24-hour edit window, after which the record is
// locked; and soft deletion with a reason. A module gets all of it by calling it, never by copying it.
package evidence

import (
	"encoding/json"
	"reflect"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
)

// Entity names a kind of record in the audit trail. The names are part of the API (GET /audit?entity=).
type Entity string

// The entities of the audit trail.
const (
	School            Entity = "school"
	Settings          Entity = "settings"
	Calendar          Entity = "calendar"
	Staff             Entity = "staff"
	StaffImport       Entity = "staff_import"
	Class             Entity = "class"
	ParentLink        Entity = "parent_link"
	AttendanceRequest Entity = "attendance_request"
	AttendanceDisplay Entity = "attendance_display"
	Meal              Entity = "meal"
	MealDuty          Entity = "meal_duty"
	Feedback          Entity = "feedback"
	FeedbackReply     Entity = "feedback_reply"
	PhoneCustody      Entity = "phone_custody"
	PhoneRegistration Entity = "phone_registration"
	PhoneCheck        Entity = "phone_check"
	Rubric            Entity = "rubric"
	Lesson            Entity = "lesson"
	Observation       Entity = "observation"
	Finding           Entity = "finding"
	FindingResponse   Entity = "finding_response"
)

// Entities lists every entity name, for validating GET /audit?entity=.
func Entities() []Entity {
	return []Entity{School, Settings, Calendar, Staff, StaffImport, Class, ParentLink, AttendanceRequest,
		AttendanceDisplay, Meal, MealDuty, Feedback, FeedbackReply, PhoneCustody, PhoneRegistration, PhoneCheck,
		Rubric, Lesson, Observation, Finding, FindingResponse}
}

// Audit actions.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
)

// Change is one field's old and new value.
type Change struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// Changes are an audit row's fields: {"field": {"from", "to"}}, named as the API shows them (snake_case).
type Changes map[string]Change

// Diff compares two API views of a record field by field, through their JSON form, so the names are the
// API's and only what changed is listed. A nil before is a creation (every field from null), a nil after a
// deletion.
func Diff(before, after any) Changes {
	b, a := fields(before), fields(after)
	out := Changes{}
	for k, av := range a {
		if bv, ok := b[k]; !ok || !reflect.DeepEqual(bv, av) {
			out[k] = Change{From: b[k], To: av}
		}
	}
	for k, bv := range b {
		if _, ok := a[k]; !ok {
			out[k] = Change{From: bv, To: nil}
		}
	}
	return out
}

// fields is a value's JSON object form (nil for nil).
func fields(v any) map[string]any {
	if v == nil {
		return map[string]any{}
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return map[string]any{}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return map[string]any{"value": err.Error()}
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		return map[string]any{"value": json.RawMessage(raw)}
	}
	return out
}

// Record writes one audit row in tx: who did what to which record, and what changed. An update with no
// changes writes nothing. changes must not carry secrets or full phone numbers (views mask them).
func Record(tx *service.Tx, a *service.Actor, schoolID, action string, e Entity, id string, changes Changes) error {
	if action == ActionUpdate && len(changes) == 0 {
		return nil
	}
	if changes == nil {
		changes = Changes{}
	}
	raw, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	actorID, name := "", ""
	if a != nil {
		actorID, name = a.UserID(), a.Name
	}
	return tx.Create(&model.AuditLog{ID: model.NewID(), SchoolID: schoolID, ActorID: actorID, ActorName: name,
		Action: action, Entity: string(e), EntityID: id, Changes: string(raw), At: tx.Now}).Error
}

// Created audits a new record from its API view.
func Created(tx *service.Tx, a *service.Actor, schoolID string, e Entity, id string, view any) error {
	return Record(tx, a, schoolID, ActionCreate, e, id, Diff(nil, view))
}

// Updated audits a change from the record's views before and after; nothing is written when they agree.
// It reports whether anything changed.
func Updated(tx *service.Tx, a *service.Actor, schoolID string, e Entity, id string, before, after any) (bool, error) {
	c := Diff(before, after)
	return len(c) > 0, Record(tx, a, schoolID, ActionUpdate, e, id, c)
}

// Deleted audits the end of a record (a deactivation, a removal, a soft delete) from its last view, with
// the reason given.
func Deleted(tx *service.Tx, a *service.Actor, schoolID string, e Entity, id string, before any, reason string) error {
	c := Diff(before, nil)
	if reason != "" {
		c["reason"] = Change{From: nil, To: reason}
	}
	return Record(tx, a, schoolID, ActionDelete, e, id, c)
}

// EditWindow is how long the author may correct a record; then it is locked as evidence.
const EditWindow = 24 * time.Hour

// EditableUntil is when a record created at t locks.
func EditableUntil(created time.Time) time.Time { return created.Add(EditWindow) }

// CheckEdit allows a change only by the record's author (403 otherwise) within the edit window (409
// record_locked after it). what names the record in the messages ("陪餐记录").
func CheckEdit(a *service.Actor, authorID string, created, now time.Time, what string) error {
	if !a.IsAuthor(authorID) {
		return service.ForbiddenBecause("只有记录人可以修改这条" + what)
	}
	return CheckWindow(created, now, what)
}

// CheckWindow is the edit window alone (409 record_locked after it).
func CheckWindow(created, now time.Time, what string) error {
	if now.After(EditableUntil(created)) {
		return service.Conflict("record_locked", what+"提交超过 24 小时，已锁定，不能再修改")
	}
	return nil
}
