package evidence

import (
	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
)

// A record that can be deleted keeps its row: its model has the columns deleted_at, deleted_by and
// delete_reason, lists read it through Live, and SoftDelete fills them with the reason and audits it.

// Live is the scope that leaves soft-deleted rows out.
func Live(db *gorm.DB) *gorm.DB { return db.Where("deleted_at IS NULL") }

// Reason checks the reason a deletion must give (2–200 characters).
func Reason(v service.Invalid, reason string) string {
	return v.Content("reason", reason, 2, 200)
}

// SoftDelete marks record id of table (a model value such as &model.PhoneCheck{}) deleted with the reason,
// and audits it with the record's last view. A record already deleted, or another school's, is 404.
func SoftDelete(tx *service.Tx, a *service.Actor, schoolID string, table any, e Entity, id string, before any,
	reason, what string) error {
	res := tx.Model(table).Scopes(model.InSchool(schoolID)).Where("id = ? AND deleted_at IS NULL", id).
		Updates(map[string]any{"deleted_at": tx.Now, "deleted_by": a.UserID(), "delete_reason": reason})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return service.NotFound(what)
	}
	return Deleted(tx, a, schoolID, e, id, before, reason)
}
