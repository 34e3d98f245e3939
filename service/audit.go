package service

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// Audit actions.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
)

// audit writes one audit row in the caller's transaction. changes is any JSON-able value (a map of field →
// new value, or {"from":…, "to":…} pairs); it must not carry secrets or full phone numbers.
func (s *Service) audit(tx *gorm.DB, a *Actor, schoolID, action, entity, entityID string, changes any) error {
	raw, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	actorID, name := "", ""
	if a != nil {
		actorID, name = a.UserID(), a.Name
	}
	return tx.Create(&model.AuditLog{
		ID: model.NewID(), SchoolID: schoolID, ActorID: actorID, ActorName: name, Action: action,
		Entity: entity, EntityID: entityID, Changes: string(raw), At: s.now().UTC(),
	}).Error
}

// AuditEntry is one row of GET /audit.
type AuditEntry struct {
	At       time.Time       `json:"at"`
	Actor    Ref             `json:"actor"`
	Action   string          `json:"action"`
	Entity   string          `json:"entity"`
	EntityID string          `json:"entity_id"`
	Changes  json.RawMessage `json:"changes"`
}

// Ref names a person or thing in a response.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// AuditQuery filters the audit trail.
type AuditQuery struct {
	Entity, EntityID string
	Page             PageQuery
}

// ListAudit shows the school's audit trail, newest first (principal only).
func (s *Service) ListAudit(ctx context.Context, a *Actor, q AuditQuery) (Page[AuditEntry], error) {
	if err := a.require(RolePrincipal); err != nil {
		return Page[AuditEntry]{}, err
	}
	db := s.read(ctx).Scopes(a.scope())
	if q.Entity != "" {
		db = db.Where("entity = ?", q.Entity)
	}
	if q.EntityID != "" {
		db = db.Where("entity_id = ?", q.EntityID)
	}
	var rows []model.AuditLog
	if err := q.Page.apply(db, "id", true).Find(&rows).Error; err != nil {
		return Page[AuditEntry]{}, wrapDB(err)
	}
	rows, more := trim(rows, q.Page.limit())
	out := Page[AuditEntry]{Items: make([]AuditEntry, 0, len(rows))}
	for _, r := range rows {
		changes := json.RawMessage(r.Changes)
		if len(changes) == 0 {
			changes = json.RawMessage("null")
		}
		out.Items = append(out.Items, AuditEntry{At: r.At, Actor: Ref{ID: r.ActorID, Name: r.ActorName}, Action: r.Action,
			Entity: r.Entity, EntityID: r.EntityID, Changes: changes})
	}
	if more {
		out.NextCursor = encodeCursor(rows[len(rows)-1].ID)
	}
	return out, nil
}
