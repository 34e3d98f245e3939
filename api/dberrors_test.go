package api_test

import (
	"context"
	"database/sql"
	"net/http"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite" // a second SQLite handle, as another process would hold the file

	"schoolcheck/api/apitest"
	"schoolcheck/model/modeltest"
)

// A database another transaction keeps locked answers 503 unavailable with Retry-After once the lock
// timeout (3 s) is spent, not a 500 after a long hang: SQLite busy, MySQL lock wait timeout. Nothing is
// written, and the next request, once the lock is gone, succeeds.
func TestLockedDatabaseIs503WithRetryAfter(t *testing.T) {
	e := newEnv(t, apitest.WithOwnDatabase())
	sc := e.School()
	teacher := sc.Teacher("被锁的老师")
	ctx := context.Background()
	var release func()
	if modeltest.Driver() == "mysql" {
		sqlDB, err := e.DB.DB()
		if err != nil {
			t.Fatal(err)
		}
		tx, err := sqlDB.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "SELECT id FROM staff WHERE school_id = ? AND id = ? FOR UPDATE", sc.ID, teacher.ID); err != nil {
			t.Fatal(err)
		}
		release = func() { _ = tx.Rollback() }
	} else {
		var file string
		if err := e.DB.Raw("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file).Error; err != nil || file == "" {
			t.Fatalf("database file: %q %v", file, err)
		}
		other, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(0)")
		if err != nil {
			t.Fatal(err)
		}
		conn, err := other.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
		release = func() { _, _ = conn.ExecContext(ctx, "ROLLBACK"); _ = conn.Close(); _ = other.Close() }
	}
	start := time.Now()
	r := e.Patch("staff/"+teacher.ID, sc.Principal.Token, map[string]any{"name": "改名"})
	t.Logf("answered %d in %v", r.Code, time.Since(start)) // measured, never asserted: see docs/security.md
	release()
	r.WantError(http.StatusServiceUnavailable, "unavailable")
	if got := r.Header.Get("Retry-After"); got != "2" {
		t.Fatalf("Retry-After %q, want 2 (contention clears in moments)", got)
	}
	if st := e.Get("staff/"+teacher.ID, sc.Principal.Token).Want(http.StatusOK).Map(); st["name"] != "被锁的老师" {
		t.Fatalf("a refused change was written: %v", st)
	}
	e.Patch("staff/"+teacher.ID, sc.Principal.Token, map[string]any{"name": "改名"}).Want(http.StatusOK)
}
