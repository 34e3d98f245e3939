package service_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"schoolcheck/model/modeltest"
	"schoolcheck/service"
)

// deadlockOnce makes the transaction tx a deadlock's victim: another transaction, heavier (so InnoDB rolls
// this one back), holds r2 and waits for r1, which tx holds, and then tx asks for r2. The other transaction
// commits once tx is rolled back.
func deadlockOnce(t *testing.T, ctx context.Context, sqlDB *sql.DB, tx *service.Tx) error {
	t.Helper()
	if err := tx.Exec("UPDATE regions SET name = 'tx' WHERE id = 'r1'").Error; err != nil {
		return err
	}
	other, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ExecContext(ctx, "UPDATE regions SET name = 'other' WHERE id = 'r2'"); err != nil {
		t.Fatal(err)
	}
	for i := range 50 { // weight, so that the victim is tx
		w := fmt.Sprintf("w%d-%d", time.Now().UnixNano(), i)
		if _, err := other.ExecContext(ctx, "INSERT INTO regions (id, name, created_at) VALUES (?, ?, ?)", w, w, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := other.ExecContext(ctx, "UPDATE regions SET name = 'other' WHERE id = 'r1'"); err != nil {
			_ = other.Rollback()
			return
		}
		_ = other.Commit()
	}()
	modeltest.WaitForLockWait(t, sqlDB) // the other transaction waits for r1
	err = tx.Exec("UPDATE regions SET name = 'tx' WHERE id = 'r2'").Error
	if err == nil {
		t.Fatal("no deadlock: the other transaction was the victim")
	}
	t.Cleanup(func() { <-done })
	return err
}

// A deadlock victim is run again from the start, once, with fresh after-commit hooks; a second deadlock is
// the 503 a client retries after 2 s.
func TestRunTxRetriesADeadlockOnce(t *testing.T) {
	if modeltest.Driver() != "mysql" {
		t.Skip("SQLite has one writer at a time: no deadlocks")
	}
	ctx := context.Background()
	f := modeltest.Open(t)
	sqlDB, err := f.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	reset := func() {
		if _, err := sqlDB.Exec("DELETE FROM regions"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"r1", "r2"} {
			if _, err := sqlDB.Exec("INSERT INTO regions (id, name, created_at) VALUES (?, ?, ?)", id, id, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	reset()
	attempts, hooks := 0, []int{}
	err = service.RunTx(ctx, f.DB, time.Now(), nil, func(tx *service.Tx) error {
		attempts++
		n := attempts
		tx.AfterCommit(func(context.Context) { hooks = append(hooks, n) })
		if attempts == 1 {
			return deadlockOnce(t, ctx, sqlDB, tx)
		}
		return tx.Exec("UPDATE regions SET name = 'done' WHERE id = 'r1'").Error
	})
	if err != nil || attempts != 2 || len(hooks) != 1 || hooks[0] != 2 {
		t.Fatalf("after one deadlock: err %v, %d attempts, hooks %v", err, attempts, hooks)
	}

	reset()
	attempts = 0
	err = service.RunTx(ctx, f.DB, time.Now(), nil, func(tx *service.Tx) error {
		attempts++
		return deadlockOnce(t, ctx, sqlDB, tx)
	})
	var se *service.Error
	if attempts != 2 || !errors.Is(err, service.ErrUnavailable) || !errors.As(err, &se) || se.RetryAfter != 2*time.Second {
		t.Fatalf("after two deadlocks: %d attempts, %v", attempts, err)
	}
}
