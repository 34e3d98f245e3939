// Package modeltest gives tests a fresh, migrated database of the kind scripts/test.sh selects: MariaDB when
// SCHOOLCHECK_TEST_DB=mysql (server from SCHOOLCHECK_TEST_MYSQL_DSN), else an SQLite file. A configured
// server that does not answer fails the test; it is never skipped.
package modeltest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"schoolcheck/model"
)

// Driver reports which database the tests run on: "mysql" or "sqlite".
func Driver() string {
	if os.Getenv("SCHOOLCHECK_TEST_DB") == "mysql" {
		return "mysql"
	}
	return "sqlite"
}

// Fresh is a migrated database of its own, with what it takes to drop it.
type Fresh struct {
	DB      *gorm.DB
	Options model.Options
	drop    func()
}

// Close closes and removes the database.
func (f *Fresh) Close() { f.drop() }

// New creates a fresh database named after name (for TestMain, which has no *testing.T).
func New(name string) (*Fresh, error) {
	return create(name, "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", true)
}

// Empty is a fresh database that no migration has touched, for tests of the migrations themselves; on
// MySQL it is created with the given options (such as "CHARACTER SET latin1", a server's usual default).
func Empty(t testing.TB, mysqlOptions string) *Fresh {
	t.Helper()
	f, err := create(t.Name(), mysqlOptions, false)
	if err != nil {
		t.Fatalf("test database: %v", err)
	}
	t.Cleanup(f.Close)
	return f
}

// Admin is a connection to the MySQL server without a database, for tests that create users or read the
// server's settings; nil on SQLite.
func Admin(t testing.TB) *sql.DB {
	t.Helper()
	if Driver() != "mysql" {
		return nil
	}
	cfg, err := serverConfig()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// serverConfig is the MySQL server of the test run, without a database.
func serverConfig() (*mysqldriver.Config, error) {
	base := os.Getenv("SCHOOLCHECK_TEST_MYSQL_DSN")
	if base == "" {
		base = "root@tcp(127.0.0.1:3306)/"
	}
	cfg, err := mysqldriver.ParseDSN(base)
	if err != nil {
		return nil, fmt.Errorf("SCHOOLCHECK_TEST_MYSQL_DSN: %w", err)
	}
	cfg.DBName = ""
	return cfg, nil
}

func create(name, mysqlOptions string, migrate bool) (*Fresh, error) {
	ctx := context.Background()
	prepare := open
	if !migrate {
		prepare = model.Open
	}
	if Driver() != "mysql" {
		dir, err := os.MkdirTemp("", "schoolcheck-test-")
		if err != nil {
			return nil, err
		}
		opts := model.Options{Driver: "sqlite", DSN: filepath.Join(dir, "test.db"), MaxOpenConns: 4, MaxIdleConns: 4}
		db, err := prepare(ctx, opts)
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		return &Fresh{DB: db, Options: opts, drop: func() { closeDB(db); _ = os.RemoveAll(dir) }}, nil
	}
	cfg, err := serverConfig()
	if err != nil {
		return nil, err
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	dbName := fmt.Sprintf("sc_%s_%d", sanitize(name), time.Now().UnixNano()%1e10)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+dbName+"` "+mysqlOptions); err != nil {
		_ = admin.Close()
		return nil, fmt.Errorf("MariaDB at %s does not answer (start it, or run scripts/test.sh): %w", cfg.Addr, err)
	}
	cfg.DBName = dbName
	opts := model.Options{Driver: "mysql", DSN: cfg.FormatDSN(), MaxOpenConns: 20, MaxIdleConns: 10, ConnMaxLifetime: time.Minute}
	db, err := prepare(ctx, opts)
	drop := func() {
		if db != nil {
			closeDB(db)
		}
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+dbName+"`")
		_ = admin.Close()
	}
	if err != nil {
		drop()
		return nil, err
	}
	return &Fresh{DB: db, Options: opts, drop: drop}, nil
}

// DB returns a fresh migrated database for one test, removed at cleanup.
func DB(t testing.TB) *gorm.DB { return Open(t).DB }

// Open is DB with the options used, for tests that open a second handle or stop the database.
func Open(t testing.TB) *Fresh {
	t.Helper()
	f, err := New(t.Name())
	if err != nil {
		t.Fatalf("test database: %v", err)
	}
	t.Cleanup(f.Close)
	return f
}

func open(ctx context.Context, opts model.Options) (*gorm.DB, error) {
	db, err := model.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := model.Migrate(ctx, db, nil); err != nil {
		closeDB(db)
		return nil, err
	}
	return db, nil
}

func closeDB(db *gorm.DB) {
	if s, err := db.DB(); err == nil {
		_ = s.Close()
	}
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
		if b.Len() >= 24 {
			break
		}
	}
	return b.String()
}

// WaitForLockWait returns once some transaction of the MySQL server waits for a lock (the server says so),
// for tests that set up a lock wait or a deadlock without sleeping. waiting is closed when the statement
// meant to wait has returned: if that happens before the server showed the wait (it ended, or timed out
// while the machine was too slow to see it), the test fails at once instead of polling for ever. Tests make
// that unlikely by giving the waiting session a long lock wait timeout (LongLockWait).
func WaitForLockWait(t testing.TB, db *sql.DB, waiting <-chan struct{}) {
	t.Helper()
	for {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		select {
		case <-waiting:
			t.Fatal("the statement that was to wait for a lock returned before the server showed the wait")
		default:
		}
	}
}

// LongLockWait is the statement that lets a session wait a minute for a lock (the server's 3 s bound is too
// short for a test on a loaded machine to see the wait before it ends).
const LongLockWait = "SET SESSION innodb_lock_wait_timeout = 60"
