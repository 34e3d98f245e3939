package model_test

import (
	"context"
	"errors"
	"testing"

	"schoolcheck/model"
	"schoolcheck/model/modeltest"
)

func TestMigrateIsIdempotentAndCurrent(t *testing.T) {
	f := modeltest.Open(t)
	ctx := context.Background()
	if err := model.Migrate(ctx, f.DB, nil); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if err := model.CheckSchema(ctx, f.DB); err != nil {
		t.Fatalf("fresh schema reported outdated: %v", err)
	}
	for _, table := range []string{"regions", "schools", "accounts", "staff", "classes", "parent_links", "calendar_days", "audit_logs", "idempotency_keys"} {
		if !f.DB.Migrator().HasTable(table) {
			t.Errorf("table %s missing", table)
		}
	}
}

func TestCheckSchemaRefusesOlderDatabase(t *testing.T) {
	f := modeltest.Open(t)
	// Pretend the newest migration was never applied.
	if err := f.DB.Exec("DELETE FROM goose_db_version WHERE version_id = ?", model.SchemaVersion()).Error; err != nil {
		t.Fatal(err)
	}
	err := model.CheckSchema(context.Background(), f.DB)
	if !errors.Is(err, model.ErrSchemaOutdated) {
		t.Fatalf("want ErrSchemaOutdated, got %v", err)
	}
}

func TestTenancyGuardRefusesUnscopedQueries(t *testing.T) {
	db := modeltest.DB(t)
	var classes []model.Class
	err := db.Find(&classes).Error
	if !errors.Is(err, model.ErrUnscoped) {
		t.Fatalf("unscoped query on classes: want ErrUnscoped, got %v", err)
	}
	if err := db.Scopes(model.InSchool("s1")).Find(&classes).Error; err != nil {
		t.Fatalf("scoped query refused: %v", err)
	}
	if err := model.CrossSchool(db).Where("invite_code = ?", "X").Find(&classes).Error; err != nil {
		t.Fatalf("explicit cross-school query refused: %v", err)
	}
	err = db.Model(&model.Class{}).Where("id = ?", "x").Update("name", "y").Error
	if !errors.Is(err, model.ErrUnscoped) {
		t.Fatalf("unscoped update: want ErrUnscoped, got %v", err)
	}
	// Tables that are not a school's are not guarded.
	var regions []model.Region
	if err := db.Find(&regions).Error; err != nil {
		t.Fatal(err)
	}
}
