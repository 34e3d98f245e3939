package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"
)

// migration is one numbered schema step written with GORM's Migrator, so one definition serves MySQL and
// SQLite. A shipped migration never changes: it declares the structs it creates as they were then.
type migration struct {
	version int64
	name    string
	up      func(tx *gorm.DB) error
}

// migrations lists every schema step in order; a new one goes at the end with the next number.
func migrations() []migration {
	return []migration{
		{1, "foundation", migrate1Foundation},
		{2, "meals", migrate2Meals},
		{3, "attendance", migrate3Attendance},
		{4, "jobs and outbox", migrate4JobsOutbox},
		{6, "observations", migrate6Observations},
		{7, "phones", migrate7Phones},
		{8, "memberships, parent pseudonyms and utf8mb4", migrate8Identity},
		{9, "inspections: regions as a tree, findings", migrate9Inspections},
		{10, "job slots index", migrate10JobSlots},
		{11, "console logins and sessions", migrate11Console},
		{12, "school revision", migrate12SchoolRevision},
	}
}

// Charset and Collation are what every MySQL table is created with (the runner sets them on each CREATE
// TABLE) and converted to (migration 8), whatever the database's own default: Chinese names need utf8mb4,
// and one collation for the tables and the connection keeps every comparison between them legal.
const (
	Charset   = "utf8mb4"
	Collation = "utf8mb4_unicode_ci"
)

// tableOptions makes every table a migration creates on MySQL utf8mb4 with an explicit collation; a
// database created with the server's default (often latin1) would otherwise pass its charset on.
func tableOptions(db *gorm.DB) *gorm.DB {
	if db.Name() != "mysql" {
		return db
	}
	return db.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET="+Charset+" COLLATE="+Collation).
		Session(&gorm.Session{})
}

// SchemaVersion is the newest migration this binary knows.
func SchemaVersion() int64 {
	all := migrations()
	return all[len(all)-1].version
}

// provider builds the goose provider over the migrations. legacy leaves out the table options, as a
// binary before migration 8 did (for the test that upgrades such a database).
func provider(db *gorm.DB, logger *slog.Logger, legacy bool) (*goose.Provider, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if db.Name() == "mysql" {
		dialect = goose.DialectMySQL
	}
	var gms []*goose.Migration
	var last int64
	for _, m := range migrations() {
		if m.version <= last {
			return nil, fmt.Errorf("model: migration %d %s is out of order", m.version, m.name)
		}
		last = m.version
		run := func(ctx context.Context, _ *sql.DB) error {
			mdb := CrossSchool(db.WithContext(ctx))
			if !legacy {
				mdb = tableOptions(mdb)
			}
			if err := m.up(mdb); err != nil {
				return fmt.Errorf("migration %d %s: %w", m.version, m.name, err)
			}
			return nil
		}
		gms = append(gms, goose.NewGoMigration(m.version, &goose.GoFunc{RunDB: run}, nil))
	}
	// Numbers are reserved per branch, so a database may have run a later one before an earlier one lands
	// (10 before 9): the earlier one is applied then, not refused.
	opts := []goose.ProviderOption{goose.WithGoMigrations(gms...), goose.WithDisableGlobalRegistry(true),
		goose.WithAllowOutofOrder(true)}
	if logger != nil {
		opts = append(opts, goose.WithSlog(logger))
	}
	return goose.NewProvider(dialect, sqlDB, nil, opts...)
}

// Migrate applies every pending migration.
func Migrate(ctx context.Context, db *gorm.DB, logger *slog.Logger) error {
	p, err := provider(db, logger, false)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// ErrSchemaOutdated means the database is older than this binary: run `schoolcheck migrate` first.
var ErrSchemaOutdated = errors.New("database schema is older than this binary")

// CheckSchema refuses a database that has pending migrations (production serve does not migrate by itself).
func CheckSchema(ctx context.Context, db *gorm.DB) error {
	p, err := provider(db, nil, false)
	if err != nil {
		return err
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return err
	}
	if current < target {
		return fmt.Errorf("%w: database at version %d, binary needs %d; run `schoolcheck migrate`", ErrSchemaOutdated, current, target)
	}
	return nil
}
