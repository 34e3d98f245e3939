// Package service is the small core every schoolcheck module stands on: the acting user (Actor) and its
// role checks, the error kinds and the validation collector, the list/cursor helper, transactions with
// after-commit hooks, and the clock. The modules live in the packages below it (service/attendance,
// service/meals, …) and the mechanisms they share beside them (service/school, service/evidence, …).
// Nothing here speaks HTTP: the api package translates.
package service

import (
	"context"
	"io"
	"log/slog"
	"time"

	"gorm.io/gorm"
)

// Core is what every service package holds: the database, the clock and the logger. Modules embed it.
type Core struct {
	DB  *gorm.DB
	Log *slog.Logger
	// Clock gives the time; tests inject a settable one. Nil means time.Now.
	Clock func() time.Time
}

// NewCore fills the defaults of a Core (time.Now, a discarding logger).
func NewCore(db *gorm.DB, log *slog.Logger, clock func() time.Time) Core {
	if clock == nil {
		clock = time.Now
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return Core{DB: db, Log: log, Clock: clock}
}

// Now is the current time of the service's clock.
func (c Core) Now() time.Time {
	if c.Clock == nil {
		return time.Now()
	}
	return c.Clock()
}

// Read gives a handle for reads outside a transaction.
func (c Core) Read(ctx context.Context) *gorm.DB { return c.DB.WithContext(ctx) }

// Tx runs fn in one database transaction: everything fn writes, audit rows and outbox messages included,
// lands or none does. See RunTx.
func (c Core) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	return RunTx(ctx, c.DB, c.Now(), c.Log, fn)
}
