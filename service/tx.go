package service

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// Tx is one database transaction with the time it runs at and the work to do once it has committed. Every
// row a transaction writes carries Now, so a record, its audit row and its outbox message agree.
type Tx struct {
	*gorm.DB
	// Now is the transaction's time (UTC, whole seconds: every timestamp the API shows is RFC 3339 with
	// whole seconds, and a record shows the time it was written with).
	Now   time.Time
	after []func(context.Context)
}

// AfterCommit registers fn to run once the transaction has committed (as pocketbase's OnComplete): never
// when it rolls back. fn gets a context that outlives the request and must not fail the operation.
func (t *Tx) AfterCommit(fn func(ctx context.Context)) { t.after = append(t.after, fn) }

// Retried runs fn — a transaction, or a single statement outside one, which is a transaction of its own —
// once more when the database chose it as a deadlock's victim (InnoDB does so among concurrent upserts into
// one unique index: the afternoon's first sign-outs, BenchmarkPunch/parallel-out). The error is fn's, not
// wrapped.
func Retried(ctx context.Context, log *slog.Logger, fn func() error) error {
	err := fn()
	if err != nil && model.IsRetryable(err) && ctx.Err() == nil {
		if log != nil {
			log.WarnContext(ctx, "deadlock victim retried once", "cause", err.Error())
		}
		err = fn()
	}
	return err
}

// RunTx runs fn in a transaction of db at now. A deadlock (the database chose this transaction as its
// victim) is retried once from the start, with fresh hooks; a database that cannot answer — busy past its
// lock timeout, a second deadlock, out of connections, unreachable (model.Classify) — is a 503. After a
// commit the hooks run in order.
func RunTx(ctx context.Context, db *gorm.DB, now time.Time, log *slog.Logger, fn func(tx *Tx) error) error {
	var t *Tx
	run := func() error {
		return db.WithContext(ctx).Transaction(func(g *gorm.DB) error {
			t = &Tx{DB: g, Now: now.UTC().Truncate(time.Second)}
			return fn(t)
		})
	}
	if err := Retried(ctx, log, run); err != nil {
		return WrapDB(err)
	}
	hookCtx := context.WithoutCancel(ctx)
	for _, fn := range t.after {
		fn(hookCtx)
	}
	return nil
}
