package model

import (
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// MySQL/MariaDB server errors that mean "not now" rather than "wrong".
const (
	mysqlLockWaitTimeout   = 1205
	mysqlDeadlock          = 1213
	mysqlTooManyConns      = 1040
	mysqlTooManyUserConns  = 1203
	mysqlServerShutdown    = 1053
	mysqlQueryInterrupted  = 1317
	mysqlConnectionKilled  = 1927
	mysqlReadOnlyTxn       = 1792
	mysqlServerGoneAway    = 2006
	mysqlServerLost        = 2013
	mysqlCantConnect       = 2003
	mysqlCantConnectSocket = 2002
)

// IsRetryable reports an error that the database raised because another transaction held what this one
// needed (deadlock, lock wait timeout): the transaction can run again from the start.
func IsRetryable(err error) bool {
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		return me.Number == mysqlDeadlock || me.Number == mysqlLockWaitTimeout
	}
	return false
}

// IsUnavailable reports whether err means the database could not serve the statement now — unreachable,
// out of connections, busy or locked, a deadlock that persisted — rather than a query error, so callers
// answer 503 with Retry-After instead of 500. Both dialects are classified here, once.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case mysqlLockWaitTimeout, mysqlDeadlock, mysqlTooManyConns, mysqlTooManyUserConns, mysqlServerShutdown,
			mysqlQueryInterrupted, mysqlConnectionKilled, mysqlReadOnlyTxn, mysqlServerGoneAway, mysqlServerLost,
			mysqlCantConnect, mysqlCantConnectSocket:
			return true
		}
		return false
	}
	var netErr net.Error
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldriver.ErrInvalidConn) || errors.As(err, &netErr) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "database is closed", "Too many connections",
		"SQLITE_BUSY", "SQLITE_LOCKED", "database is locked", "database table is locked", "broken pipe",
		"connection reset"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// IsDuplicate reports a unique-key violation (GORM translates both dialects' errors).
func IsDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// IsNotFound reports a First/Take that found nothing.
func IsNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }
