package evidence

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
)

// Trail reads the audit trail (GET /audit).
type Trail struct{ service.Core }

// NewTrail builds the reader of the audit trail.
func NewTrail(core service.Core) *Trail { return &Trail{Core: core} }

// Entry is one row of GET /audit.
type Entry struct {
	At       time.Time       `json:"at"`
	Actor    service.Ref     `json:"actor"`
	Action   string          `json:"action"`
	Entity   string          `json:"entity"`
	EntityID string          `json:"entity_id"`
	Changes  json.RawMessage `json:"changes"`
}

// Query filters the audit trail.
type Query struct {
	Entity, EntityID string
	Page             service.PageQuery
}

// List shows the school's audit trail, newest first (principal only), in the school's time zone.
func (t *Trail) List(ctx context.Context, a *service.Actor, q Query) (service.Page[Entry], error) {
	if err := a.Require(service.RolePrincipal); err != nil {
		return service.Page[Entry]{}, err
	}
	v := service.Invalid{}
	if q.Entity != "" && !slices.Contains(Entities(), Entity(q.Entity)) {
		v.Add("entity", "不是可查询的记录类型")
	}
	v.ID("entity_id", q.EntityID)
	if err := v.Err(); err != nil {
		return service.Page[Entry]{}, err
	}
	var zones []string
	if err := t.Read(ctx).Model(&model.School{}).Where("id = ?", a.SchoolID).Pluck("timezone", &zones).Error; err != nil {
		return service.Page[Entry]{}, service.WrapDB(err)
	}
	loc := service.Beijing()
	if len(zones) > 0 {
		loc = service.Zone(zones[0])
	}
	db := t.Read(ctx).Scopes(a.Scope())
	if q.Entity != "" {
		db = db.Where("entity = ?", q.Entity)
	}
	if q.EntityID != "" {
		db = db.Where("entity_id = ?", q.EntityID)
	}
	return service.List(db, q.Page, "id", true, func(r *model.AuditLog) string { return r.ID },
		service.Each(func(r model.AuditLog) Entry {
			changes := json.RawMessage(r.Changes)
			if len(changes) == 0 {
				changes = json.RawMessage("{}")
			}
			return Entry{At: service.Local(r.At, loc), Actor: service.Ref{ID: r.ActorID, Name: r.ActorName}, Action: r.Action,
				Entity: r.Entity, EntityID: r.EntityID, Changes: changes}
		}))
}
