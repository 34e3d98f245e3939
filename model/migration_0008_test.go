package model_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/model/modeltest"
	"schoolcheck/service"
	"schoolcheck/service/school"
)

const utf8mb4 = "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"

// tableCollations maps every table of the database to its collation (MySQL).
func tableCollations(t *testing.T, db *gorm.DB) map[string]string {
	t.Helper()
	var rows []struct{ Name, Collation string }
	if err := db.Raw(`SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Name] = r.Collation
	}
	return out
}

func bootstrap(db *gorm.DB) error {
	_, err := school.New(service.NewCore(db, nil, nil)).Bootstrap(context.Background(), school.BootstrapInput{
		Region: "东湖区", School: "第一小学", PrincipalName: "张校长", PrincipalPhone: "13900001111"})
	return err
}

// A MySQL database created with the server's latin1 default: the migrations make every table utf8mb4 with
// an explicit collation, whether they create the tables (a fresh install) or find them made latin1 by an
// older binary (migration 8 converts them); bootstrap with Chinese names then works.
func TestMigrationsMakeUTF8MB4OnALatin1Database(t *testing.T) {
	if modeltest.Driver() != "mysql" {
		t.Skip("character sets are MySQL's: SQLite stores UTF-8 whatever it is given")
	}
	ctx := context.Background()
	collations := func(t *testing.T, db *gorm.DB) {
		t.Helper()
		tables := tableCollations(t, db)
		if len(tables) < 15 {
			t.Fatalf("only %d tables", len(tables))
		}
		for name, c := range tables {
			if c != model.Collation && name != "goose_db_version" { // goose makes its own before any migration
				t.Errorf("table %s is %s, want %s", name, c, model.Collation)
			}
		}
	}
	check := func(t *testing.T, db *gorm.DB) {
		t.Helper()
		collations(t, db)
		if c := tableCollations(t, db)["goose_db_version"]; c != model.Collation {
			t.Errorf("goose_db_version is %s after migration 8", c)
		}
		if err := bootstrap(db); err != nil {
			t.Fatalf("bootstrap with Chinese names: %v", err)
		}
	}
	t.Run("fresh install", func(t *testing.T) {
		f := modeltest.Empty(t, "CHARACTER SET latin1 COLLATE latin1_swedish_ci")
		// The runner itself creates utf8mb4 tables, before migration 8 converts anything.
		if err := model.MigrateUpTo(ctx, f.DB, 7, false); err != nil {
			t.Fatal(err)
		}
		collations(t, f.DB)
		if err := model.Migrate(ctx, f.DB, nil); err != nil {
			t.Fatal(err)
		}
		check(t, f.DB)
	})
	t.Run("upgraded from an older binary", func(t *testing.T) {
		f := modeltest.Empty(t, "CHARACTER SET latin1 COLLATE latin1_swedish_ci")
		if err := model.MigrateUpTo(ctx, f.DB, 7, true); err != nil {
			t.Fatal(err)
		}
		if c := tableCollations(t, f.DB)["schools"]; c == model.Collation {
			t.Fatalf("the legacy run made utf8mb4 tables (%s): the test would prove nothing", c)
		}
		if err := bootstrap(f.DB); err == nil {
			t.Fatal("bootstrap worked on latin1 tables: the test would prove nothing")
		}
		if err := model.Migrate(ctx, f.DB, nil); err != nil {
			t.Fatal(err)
		}
		check(t, f.DB)
	})
}

// Migration 5 on a database with parents from before it: every class link gets a random pseudonym, the
// parent's meal and reply move from the account id to it, the audit rows follow (a join names the link
// itself), and a link removed earlier keeps out the invite code it was removed under.
func TestMigration8GivesExistingParentsPseudonyms(t *testing.T) {
	ctx := context.Background()
	f := modeltest.Empty(t, utf8mb4)
	if err := model.MigrateUpTo(ctx, f.DB, 7, false); err != nil {
		t.Fatal(err)
	}
	db := model.CrossSchool(f.DB)
	now := time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC)
	removed := now.Add(time.Hour)
	insert := func(table string, row map[string]any) {
		t.Helper()
		if err := db.Table(table).Create(row).Error; err != nil {
			t.Fatalf("insert %s: %v", table, err)
		}
	}
	insert("classes", map[string]any{"id": "c1", "school_id": "s1", "grade": "三年级", "name": "2班", "invite_code": "CODE1",
		"student_count": 40, "phones_registered": 0, "created_at": now, "updated_at": now})
	insert("parent_links", map[string]any{"id": "l1", "school_id": "s1", "class_id": "c1", "account_id": "acc1",
		"relation": "mother", "consent_version": "v1", "created_at": now})
	insert("parent_links", map[string]any{"id": "l2", "school_id": "s1", "class_id": "c1", "account_id": "acc2",
		"relation": "father", "consent_version": "v1", "created_at": now, "removed_at": removed})
	insert("meals", map[string]any{"id": "m1", "school_id": "s1", "date": "2026-11-01", "meal": "lunch", "author_id": "acc1",
		"role": "parent", "class_id": "c1", "label": "三年级2班家长", "dishes": "[]", "hygiene": 5, "taste": 5, "quantity": 5,
		"temperature": 5, "price": 5, "created_at": now, "updated_at": now})
	insert("feedback", map[string]any{"id": "f1", "school_id": "s1", "account_id": "acc1", "class_id": "c1", "label": "三年级2班家长",
		"category": "taste", "content": "咸", "status": "open", "moderation": "pass", "created_date": "2026-11-01",
		"created_at": now, "updated_at": now})
	insert("feedback_replies", map[string]any{"id": "r1", "school_id": "s1", "feedback_id": "f1", "author_id": "acc1",
		"author_role": "parent", "label": "三年级2班家长", "content": "补充", "moderation": "pass", "created_at": now})
	for _, a := range []struct{ id, entity, entityID, action string }{
		{"a1", "parent_link", "l1", "create"}, {"a2", "meal", "m1", "create"}, {"a3", "feedback", "f1", "create"},
		{"a4", "feedback_reply", "r1", "create"},
	} {
		insert("audit_logs", map[string]any{"id": a.id, "school_id": "s1", "actor_id": "acc1", "actor_name": "",
			"action": a.action, "entity": a.entity, "entity_id": a.entityID, "changes": "{}", "at": now})
	}
	if err := model.Migrate(ctx, f.DB, nil); err != nil {
		t.Fatal(err)
	}
	var links []model.ParentLink
	if err := db.Order("id").Find(&links).Error; err != nil {
		t.Fatal(err)
	}
	if len(links) != 2 || links[0].AuthorID == links[1].AuthorID || links[1].RemovedCode != "CODE1" || links[0].RemovedCode != "" {
		t.Fatalf("links after migration 8: %+v", links)
	}
	pseudonym := links[0].AuthorID
	if u, err := uuid.Parse(pseudonym); err != nil || u.Version() != 4 {
		t.Fatalf("pseudonym %q is not a random UUID", pseudonym)
	}
	col := func(table, column, id string) string {
		t.Helper()
		var v []string
		if err := db.Table(table).Where("id = ?", id).Pluck(column, &v).Error; err != nil || len(v) != 1 {
			t.Fatalf("%s.%s of %s: %v %v", table, column, id, v, err)
		}
		return v[0]
	}
	for _, c := range []struct{ table, column, id, want string }{
		{"meals", "author_id", "m1", pseudonym}, {"feedback_replies", "author_id", "r1", pseudonym},
		{"audit_logs", "actor_id", "a1", "l1"}, {"audit_logs", "actor_id", "a2", pseudonym},
		{"audit_logs", "actor_id", "a3", pseudonym}, {"audit_logs", "actor_id", "a4", pseudonym},
	} {
		if got := col(c.table, c.column, c.id); got != c.want {
			t.Errorf("%s.%s of %s = %q, want %q", c.table, c.column, c.id, got, c.want)
		}
	}
}
