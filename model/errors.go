package model

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"

	sqlite "github.com/glebarez/go-sqlite"
	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// Trouble is what a database error means for the caller, decided once here for both dialects so that no
// other package reads driver error numbers or messages.
type Trouble int

// The kinds of trouble. Every kind but TroubleNone means "not now" rather than "wrong": the request is
// answered 503 with Retry-After, and nothing it wrote stays.
const (
	// TroubleNone is an error that is not the database's availability (a query error, a constraint).
	TroubleNone Trouble = iota
	// TroubleBusy is a lock this statement waited for in vain: SQLite busy or locked, MySQL lock wait
	// timeout. The wait was the whole budget (model.LockTimeout), so it is not retried.
	TroubleBusy
	// TroubleDeadlock is MySQL choosing this transaction as a deadlock's victim: running it again from the
	// start normally succeeds, so service.RunTx retries it once.
	TroubleDeadlock
	// TroubleOverloaded is a server out of connections (MySQL 1040, 1203, 1226).
	TroubleOverloaded
	// TroubleUnreachable is a server that cannot be reached or went away: connection refused or reset,
	// server gone, shut down, a killed or read-only connection, a closed pool.
	TroubleUnreachable
)

// String names the trouble for logs.
func (t Trouble) String() string {
	return [...]string{"none", "busy", "deadlock", "overloaded", "unreachable"}[t]
}

// MySQL/MariaDB server and client error numbers that mean "not now".
const (
	mysqlLockWaitTimeout   = 1205
	mysqlDeadlock          = 1213
	mysqlTooManyConns      = 1040
	mysqlTooManyUserConns  = 1203
	mysqlUserLimitReached  = 1226 // max_user_connections and the other per-user resource limits
	mysqlServerShutdown    = 1053
	mysqlQueryInterrupted  = 1317
	mysqlConnectionKilled  = 1927
	mysqlReadOnlyTxn       = 1792
	mysqlServerGoneAway    = 2006
	mysqlServerLost        = 2013
	mysqlCantConnect       = 2003
	mysqlCantConnectSocket = 2002
)

// SQLite primary result codes (the low byte of an extended code such as SQLITE_BUSY_SNAPSHOT).
const (
	sqliteBusy   = 5
	sqliteLocked = 6
)

// Classify says what a database error means. It reads the drivers' typed errors (MySQL error numbers,
// SQLite result codes, network errors), never their messages, except for the one database/sql error that
// has no type ("sql: database is closed").
func Classify(err error) Trouble {
	if err == nil {
		return TroubleNone
	}
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case mysqlLockWaitTimeout:
			return TroubleBusy
		case mysqlDeadlock:
			return TroubleDeadlock
		case mysqlTooManyConns, mysqlTooManyUserConns, mysqlUserLimitReached:
			return TroubleOverloaded
		case mysqlServerShutdown, mysqlQueryInterrupted, mysqlConnectionKilled, mysqlReadOnlyTxn,
			mysqlServerGoneAway, mysqlServerLost, mysqlCantConnect, mysqlCantConnectSocket:
			return TroubleUnreachable
		}
		return TroubleNone
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqliteBusy, sqliteLocked:
			return TroubleBusy
		}
		return TroubleNone
	}
	var netErr net.Error
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldriver.ErrInvalidConn) || errors.As(err, &netErr) {
		return TroubleUnreachable
	}
	if strings.Contains(err.Error(), "sql: database is closed") {
		return TroubleUnreachable
	}
	return TroubleNone
}

// IsRetryable reports a deadlock victim: the transaction can run again from the start. A lock wait that
// timed out is not retried: it has already waited its whole budget.
func IsRetryable(err error) bool { return Classify(err) == TroubleDeadlock }

// IsUnavailable reports whether err means the database could not serve the statement now — busy or
// locked, a deadlock that persisted, out of connections, unreachable — rather than a query error, so callers
// answer 503 with Retry-After instead of 500.
func IsUnavailable(err error) bool { return Classify(err) != TroubleNone }

// IsDuplicate reports a unique-key violation (GORM translates both dialects' errors).
func IsDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// IsNotFound reports a First/Take that found nothing.
func IsNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

// Redact is err's text with a database driver's own message — which quotes statements, table and column
// names and values (a phone number in a duplicate key) — replaced by its number, for the logs.
func Redact(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var driverMsg, repl string
	var me *mysqldriver.MySQLError
	var se *sqlite.Error
	switch {
	case errors.As(err, &me):
		driverMsg, repl = me.Error(), fmt.Sprintf("database error %d", me.Number)
	case errors.As(err, &se):
		driverMsg, repl = se.Error(), fmt.Sprintf("database error %d", se.Code())
	default:
		return msg
	}
	if !strings.Contains(msg, driverMsg) {
		return repl
	}
	return strings.Replace(msg, driverMsg, repl, 1)
}
