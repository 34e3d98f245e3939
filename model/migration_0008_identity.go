package model

import (
	"fmt"

	"gorm.io/gorm"
)

// The columns migration 8 adds, as they were when it shipped.
type (
	m8Account struct {
		Membership string `gorm:"size:64"`
	}
	m8Staff struct {
		Binding string `gorm:"size:36"`
	}
	m8ParentLink struct {
		AuthorID    string `gorm:"size:36;uniqueIndex:idx_parent_links_author"`
		RemovedCode string `gorm:"size:16"`
	}
)

// migrate8Identity converts a MySQL database's tables to utf8mb4 (a database created with the server's
// latin1 default made every Chinese name fail), then adds what memberships and pseudonymous parents need:
// the membership an account chose last, an id per staff binding (which tokens name), and per class link a
// pseudonym for the parent's records and the
// invite code they were removed under. Existing parents' records are moved from their account id to the
// pseudonym of their link, and the audit rows of their joins name the link itself.
func migrate8Identity(tx *gorm.DB) error {
	if tx.Name() == "mysql" {
		if err := convertToUTF8MB4(tx); err != nil {
			return err
		}
	}
	add := []struct {
		table, field string
		model        any
	}{
		{"accounts", "Membership", &m8Account{}},
		{"staff", "Binding", &m8Staff{}},
		{"parent_links", "AuthorID", &m8ParentLink{}},
		{"parent_links", "RemovedCode", &m8ParentLink{}},
	}
	for _, c := range add {
		m := tx.Table(c.table).Migrator()
		if m.HasColumn(c.model, c.field) { // a re-run after a failure halfway (MySQL DDL is not transactional)
			continue
		}
		if err := m.AddColumn(c.model, c.field); err != nil {
			return fmt.Errorf("add %s.%s: %w", c.table, c.field, err)
		}
	}
	if err := backfillPseudonyms(tx); err != nil {
		return err
	}
	if m := tx.Table("parent_links").Migrator(); !m.HasIndex(&m8ParentLink{}, "idx_parent_links_author") {
		if err := m.CreateIndex(&m8ParentLink{}, "idx_parent_links_author"); err != nil {
			return err
		}
	}
	return nil
}

// convertToUTF8MB4 converts every table of the database, and the database's default, to Charset/Collation.
func convertToUTF8MB4(tx *gorm.DB) error {
	var tables []struct {
		Name      string
		Collation *string
	}
	if err := tx.Raw(`SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'`).Scan(&tables).Error; err != nil {
		return err
	}
	for _, t := range tables {
		if t.Collation != nil && *t.Collation == Collation {
			continue
		}
		if err := tx.Exec("ALTER TABLE `" + t.Name + "` CONVERT TO CHARACTER SET " + Charset + " COLLATE " + Collation).Error; err != nil {
			return fmt.Errorf("convert %s to %s: %w", t.Name, Charset, err)
		}
	}
	return tx.Exec("ALTER DATABASE CHARACTER SET " + Charset + " COLLATE " + Collation).Error
}

// backfillPseudonyms gives every existing class link its pseudonym and removal code, and rewrites the
// records that named a parent by account id (or a teacher-parent's parent records by staff id).
func backfillPseudonyms(tx *gorm.DB) error {
	for {
		var ids []string
		if err := tx.Table("parent_links").Where("author_id IS NULL OR author_id = ''").Limit(500).
			Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			if err := tx.Table("parent_links").Where("id = ?", id).Update("author_id", NewPseudonym()).Error; err != nil {
				return err
			}
		}
	}
	linkOf := `SELECT p.author_id FROM parent_links p WHERE p.class_id = %s AND (p.account_id = %s
 OR p.account_id = (SELECT s.account_id FROM staff s WHERE s.id = %s))`
	steps := []string{
		`UPDATE parent_links SET removed_code = (SELECT c.invite_code FROM classes c WHERE c.id = parent_links.class_id)
WHERE removed_at IS NOT NULL AND (removed_code IS NULL OR removed_code = '')`,
		// A parent's meals: the link of the class the record names.
		`UPDATE meals SET author_id = (` + fmt.Sprintf(linkOf, "meals.class_id", "meals.author_id", "meals.author_id") + `)
WHERE role = 'parent' AND EXISTS (` + fmt.Sprintf(linkOf, "meals.class_id", "meals.author_id", "meals.author_id") + `)`,
		// A parent's replies: the link of the feedback's author and class.
		`UPDATE feedback_replies SET author_id = (SELECT p.author_id FROM parent_links p JOIN feedback f
 ON f.account_id = p.account_id AND f.class_id = p.class_id WHERE f.id = feedback_replies.feedback_id)
WHERE author_role = 'parent' AND EXISTS (SELECT 1 FROM parent_links p JOIN feedback f
 ON f.account_id = p.account_id AND f.class_id = p.class_id WHERE f.id = feedback_replies.feedback_id)`,
		// Audit rows: a join names the link; a parent's meal, feedback and reply the record's pseudonym.
		`UPDATE audit_logs SET actor_id = entity_id, actor_name = '' WHERE entity = 'parent_link' AND action = 'create'`,
		`UPDATE audit_logs SET actor_id = (SELECT m.author_id FROM meals m WHERE m.id = audit_logs.entity_id), actor_name = ''
WHERE entity = 'meal' AND EXISTS (SELECT 1 FROM meals m WHERE m.id = audit_logs.entity_id AND m.role = 'parent')`,
		`UPDATE audit_logs SET actor_id = (SELECT p.author_id FROM parent_links p JOIN feedback f
 ON f.account_id = p.account_id AND f.class_id = p.class_id WHERE f.id = audit_logs.entity_id), actor_name = ''
WHERE entity = 'feedback' AND EXISTS (SELECT 1 FROM parent_links p JOIN feedback f
 ON f.account_id = p.account_id AND f.class_id = p.class_id WHERE f.id = audit_logs.entity_id)`,
		`UPDATE audit_logs SET actor_id = (SELECT r.author_id FROM feedback_replies r WHERE r.id = audit_logs.entity_id), actor_name = ''
WHERE entity = 'feedback_reply' AND EXISTS (SELECT 1 FROM feedback_replies r WHERE r.id = audit_logs.entity_id AND r.author_role = 'parent')`,
	}
	// Anything else a parent account did, and photos it uploaded: the pseudonym of its first link there.
	for _, t := range []struct{ table, column string }{{"audit_logs", "actor_id"}, {"photos", "uploader_id"}} {
		steps = append(steps, fmt.Sprintf(`UPDATE %[1]s SET %[2]s = (SELECT p.author_id FROM parent_links p
 WHERE p.account_id = %[1]s.%[2]s AND p.school_id = %[1]s.school_id ORDER BY p.created_at LIMIT 1)
WHERE EXISTS (SELECT 1 FROM parent_links p WHERE p.account_id = %[1]s.%[2]s AND p.school_id = %[1]s.school_id)`,
			t.table, t.column))
	}
	for _, sql := range steps {
		if err := tx.Exec(sql).Error; err != nil {
			return fmt.Errorf("backfill parent pseudonyms: %w", err)
		}
	}
	return nil
}
