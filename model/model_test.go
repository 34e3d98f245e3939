package model_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"schoolcheck/model"
	"schoolcheck/model/modeltest"

	"gorm.io/gorm"
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

// The guard refuses a statement on a school's table before it runs: the row is unchanged afterwards.
func TestTenancyGuardRefusesBeforeRunning(t *testing.T) {
	db := modeltest.DB(t)
	c := model.Class{ID: model.NewID(), SchoolID: "s1", Grade: "一年级", Name: "1班", InviteCode: model.NewInviteCode()}
	if err := db.Create(&c).Error; err != nil {
		t.Fatal(err)
	}
	name := func() string {
		var got model.Class
		if err := db.Scopes(model.InSchool("s1")).Where("id = ?", c.ID).Take(&got).Error; err != nil {
			t.Fatal(err)
		}
		return got.Name
	}
	for _, tc := range []struct {
		what string
		run  func() error
	}{
		{"update without school_id", func() error {
			return db.Model(&model.Class{}).Where("id = ?", c.ID).Update("name", "改").Error
		}},
		{"update with school_id weakened by OR", func() error {
			return db.Model(&model.Class{}).Where("school_id = ? OR id = ?", "other", c.ID).Update("name", "改").Error
		}},
		{"update scoped, then Or()", func() error {
			return db.Model(&model.Class{}).Scopes(model.InSchool("other")).Or("id = ?", c.ID).Update("name", "改").Error
		}},
		{"delete without school_id", func() error { return db.Where("id = ?", c.ID).Delete(&model.Class{}).Error }},
		{"exec without school_id", func() error {
			return db.Exec("UPDATE classes SET name = ? WHERE id = ?", "改", c.ID).Error
		}},
		{"exec with school_id OR id", func() error {
			return db.Exec("UPDATE classes SET name = ? WHERE school_id = ? OR id = ?", "改", "other", c.ID).Error
		}},
		{"raw query without school_id", func() error {
			var rows []model.Class
			return db.Raw("SELECT * FROM classes WHERE id = ?", c.ID).Scan(&rows).Error
		}},
		{"query with school_id only inside an OR group", func() error {
			var rows []model.Class
			return db.Where("id = ? OR school_id = ?", c.ID, "s1").Find(&rows).Error
		}},
		{"join of a tenant table without school_id", func() error {
			var n int64
			return db.Table("schools").Joins("JOIN classes ON classes.id = schools.id").Count(&n).Error
		}},
		{"create without school_id", func() error {
			return db.Create(&model.Class{ID: model.NewID(), Grade: "一年级", Name: "2班", InviteCode: model.NewInviteCode()}).Error
		}},
		{"batch create with one row without school_id", func() error {
			return db.Create(&[]model.Class{{ID: model.NewID(), SchoolID: "s1", Name: "3班", InviteCode: model.NewInviteCode()},
				{ID: model.NewID(), Name: "4班", InviteCode: model.NewInviteCode()}}).Error
		}},
	} {
		t.Run(tc.what, func(t *testing.T) {
			if err := tc.run(); !errors.Is(err, model.ErrUnscoped) {
				t.Fatalf("want ErrUnscoped, got %v", err)
			}
			if got := name(); got != "1班" {
				t.Fatalf("the row changed to %q", got)
			}
		})
	}
	var n int64
	if err := model.CrossSchool(db).Model(&model.Class{}).Count(&n).Error; err != nil || n != 1 {
		t.Fatalf("a refused create wrote a row: %d classes (%v)", n, err)
	}
	// Scoped statements, with or without other conditions, run.
	if err := db.Model(&model.Class{}).Scopes(model.InSchool("s1")).Where("id = ? OR name = ?", c.ID, "x").
		Update("name", "改").Error; err != nil {
		t.Fatalf("scoped update with an OR group refused: %v", err)
	}
	if err := db.Exec("UPDATE classes SET name = ? WHERE school_id = ? AND id = ?", "再改", "s1", c.ID).Error; err != nil {
		t.Fatalf("scoped exec refused: %v", err)
	}
	if got := name(); got != "再改" {
		t.Fatalf("scoped updates did not land: %q", got)
	}
}

// Every model field has its column in the migrated schema, on both databases: a model can never drift
// from the migrations unnoticed.
func TestModelsMatchMigratedSchema(t *testing.T) {
	db := modeltest.DB(t)
	for _, m := range model.All() {
		stmt := &gorm.Statement{DB: db}
		if err := stmt.Parse(m); err != nil {
			t.Fatalf("%T: %v", m, err)
		}
		table := stmt.Schema.Table
		if !db.Migrator().HasTable(table) {
			t.Errorf("%T: table %s missing", m, table)
			continue
		}
		cols, err := model.CrossSchool(db).Migrator().ColumnTypes(table)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		have := map[string]bool{}
		for _, c := range cols {
			have[strings.ToLower(c.Name())] = true
		}
		for _, f := range stmt.Schema.Fields {
			if f.DBName != "" && !have[strings.ToLower(f.DBName)] {
				t.Errorf("%s.%s (%T.%s) has no column in the migrated schema", table, f.DBName, m, f.Name)
			}
		}
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

// Times are stored in UTC whatever the zone of the value written, so they compare and sort as instants.
func TestTimesStoredInUTC(t *testing.T) {
	db := modeltest.DB(t)
	beijing := time.FixedZone("CST", 8*3600)
	early := time.Date(2026, 11, 25, 9, 0, 0, 0, beijing) // 01:00 UTC
	late := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	for name, at := range map[string]time.Time{"早": early, "晚": late} {
		if err := db.Create(&model.Region{ID: model.NewID(), Name: "时区" + name, CreatedAt: at}).Error; err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	if err := db.Model(&model.Region{}).Where("name LIKE ? AND created_at < ?", "时区%", late).Pluck("name", &names).Error; err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != "时区早" {
		t.Fatalf("times compared by their text, not as instants: %v", names)
	}
}
