package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	_ "github.com/go-sql-driver/mysql" // database/sql driver for the ceiling
	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service/attendance"
)

// statement is one SQL statement with its arguments, as GORM sent it to the driver.
type statement struct {
	sql  string
	vars []any
	// inTx is a statement that ran inside a transaction (GORM's default one around a write included),
	// whose BEGIN and COMMIT the replay would leave out.
	inTx bool
}

// captureKey marks the context of the probe punch, whose statements the recorder keeps.
type captureKey struct{}

// recorder keeps the statements GORM executes under a capturing context.
type recorder struct {
	mu    sync.Mutex
	stmts []statement
}

// install registers the recorder after every kind of GORM statement.
func (r *recorder) install(db *gorm.DB) error {
	keep := func(tx *gorm.DB) {
		if tx.Statement.Context == nil || tx.Statement.Context.Value(captureKey{}) == nil || tx.Error != nil {
			return
		}
		r.mu.Lock()
		_, inTx := tx.Statement.ConnPool.(gorm.TxCommitter)
		r.stmts = append(r.stmts, statement{sql: tx.Statement.SQL.String(), vars: slices.Clone(tx.Statement.Vars), inTx: inTx})
		r.mu.Unlock()
	}
	cb := db.Callback()
	return errors.Join(
		cb.Query().After("gorm:query").Register("loadgen:query", keep),
		// Before GORM's own transaction around a write ends, so that inTx sees it.
		cb.Create().After("gorm:create").Before("gorm:commit_or_rollback_transaction").Register("loadgen:create", keep),
		cb.Update().After("gorm:update").Before("gorm:commit_or_rollback_transaction").Register("loadgen:update", keep),
		cb.Delete().After("gorm:delete").Before("gorm:commit_or_rollback_transaction").Register("loadgen:delete", keep),
		cb.Row().After("gorm:row").Register("loadgen:row", keep),
		cb.Raw().After("gorm:raw").Register("loadgen:raw", keep))
}

// capture sends one punch through the service the way the server handles POST /attendance/punches —
// authenticate the bearer token, then punch — and returns the statements it issued, in order: those of
// a punch in the rush, whose school was read by an earlier one.
func (e *env) capture(ctx context.Context, probe member) ([]statement, error) {
	// The rush's punches find their school kept (school.Days: read once per school and revision): so does
	// the probe's, read here before the recording starts.
	a, err := e.app.Auth.Authenticate(ctx, probe.token)
	if err != nil {
		return nil, err
	}
	if _, _, err := e.app.School.Days.Today(e.app.Core.Read(ctx), a, e.app.Core.Now()); err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, captureKey{}, true)
	if a, err = e.app.Auth.Authenticate(ctx, probe.token); err != nil {
		return nil, err
	}
	lat, lng, acc := fenceLat+0.0005, fenceLng, 25.0
	p, created, err := e.app.Attendance.Punch(ctx, a, attendance.PunchInput{Kind: attendance.PunchIn, Lat: &lat, Lng: &lng, AccuracyM: &acc})
	if err != nil {
		return nil, err
	}
	if !created {
		return nil, errors.New("the probe's punch was not a first sign-in")
	}
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	stmts := e.rec.stmts
	e.rec.stmts = nil
	for _, st := range stmts {
		if st.inTx {
			// Replayed one by one, it would skip the transaction's BEGIN and COMMIT: a ceiling too kind.
			return nil, fmt.Errorf("the punch ran %q inside a transaction, which the replay does not reproduce", st.sql)
		}
	}
	// The probe's identity in the arguments, to be replaced by each replayed teacher's.
	for i := range stmts {
		for j, v := range stmts[i].vars {
			if s, ok := v.(string); ok {
				switch s {
				case p.ID:
					stmts[i].vars[j] = placeholder("punch_id")
				case p.Date:
					stmts[i].vars[j] = placeholder("date")
				}
			}
		}
	}
	return stmts, nil
}

// placeholder stands in the captured arguments for what changes per replayed punch.
type placeholder string

// replay runs the captured statements for every punch of the rush, through database/sql with the same
// pool size and concurrency: per punch, the same statements in the same order, with the teacher's
// account, staff and school ids, a new punch id and a date of its own (so every insert is a first one, as
// in the rush).
func replay(ctx context.Context, dsn string, stmts []statement, probe member, staff []member, c config) (*result, error) {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(c.pool)
	db.SetMaxIdleConns(c.pool)
	if err := db.PingContext(ctx); err != nil {
		return nil, err
	}
	base := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	one := func(i int) error {
		m := staff[i%len(staff)]
		date := base.AddDate(0, 0, i/len(staff)).Format(time.DateOnly)
		subst := map[string]string{probe.accountID: m.accountID, probe.staffID: m.staffID, probe.schoolID: m.schoolID}
		id := model.NewID()
		for _, st := range stmts {
			args := make([]any, len(st.vars))
			for j, v := range st.vars {
				switch v := v.(type) {
				case placeholder:
					args[j] = map[placeholder]string{"punch_id": id, "date": date}[v]
				case string:
					if r, ok := subst[v]; ok {
						args[j] = r
					} else {
						args[j] = v
					}
				default:
					args[j] = v
				}
			}
			if err := execute(ctx, db, st.sql, args); err != nil {
				return fmt.Errorf("%s: %w", st.sql, err)
			}
		}
		return nil
	}
	return drive(ctx, c, func(_ context.Context, i int) (int, error) {
		if err := one(i); err != nil {
			return 0, err
		}
		return 201, nil
	})
}

// execute runs a statement; a query's rows are read to the end, as GORM reads them.
func execute(ctx context.Context, db *sql.DB, query string, args []any) error {
	if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(query)), "SELECT") {
		_, err := db.ExecContext(ctx, query, args...)
		return err
	}
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	dst := make([]any, len(cols))
	for i := range dst {
		dst[i] = new(sql.RawBytes)
	}
	for rows.Next() {
		if err := rows.Scan(dst...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// drive runs fn for i in [0, c.requests) on c.concurrency workers until done or c.duration is over, and
// collects the latencies and statuses.
func drive(ctx context.Context, c config, fn func(ctx context.Context, i int) (int, error)) (*result, error) {
	ctx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	var (
		next   atomic.Int64
		mu     sync.Mutex
		res    = &result{statuses: map[int]int{}}
		wg     sync.WaitGroup
		failed atomic.Pointer[error]
	)
	start := time.Now()
	for range c.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			st := map[int]int{}
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= c.requests {
					break
				}
				t0 := time.Now()
				code, err := fn(ctx, i)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() == nil {
						failed.CompareAndSwap(nil, &err)
						st[-1]++
					}
					continue
				}
				st[code]++
				if code/100 == 2 {
					lat = append(lat, d)
				}
			}
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			for k, v := range st {
				res.statuses[k] += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if p := failed.Load(); p != nil {
		res.firstErr = *p
	}
	return res, nil
}

// insertCeiling is ceiling (b): the punch's INSERT alone, as a plain single-row INSERT (no upsert clause)
// of the same columns and values into a scratch copy of its table (CREATE TABLE … LIKE), per punch, with
// the same pool and concurrency — what the database's write path costs without any read.
func insertCeiling(ctx context.Context, dsn string, stmts []statement, probe member, staff []member, c config) (*result, error) {
	var ins *statement
	for i := range stmts {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(stmts[i].sql)), "INSERT") {
			ins = &stmts[i]
		}
	}
	if ins == nil {
		return nil, errors.New("the punch path issues no INSERT")
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	const scratch = "loadgen_insert_ceiling"
	if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS `"+scratch+"` LIKE `attendance_punches`"); err != nil {
		return nil, err
	}
	defer func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE IF EXISTS `"+scratch+"`") }()
	q := strings.Replace(ins.sql, "`attendance_punches`", "`"+scratch+"`", 1)
	if i := strings.Index(strings.ToUpper(q), " ON DUPLICATE KEY"); i >= 0 {
		q = q[:i]
	}
	return replay(ctx, dsn, []statement{{sql: q, vars: ins.vars}}, probe, staff, c)
}

// routerCeiling is ceiling (c): a bare gin router whose handler answers 201 with nothing, served on
// loopback like the API and driven by the same client, requests and concurrency — what HTTP, the client and
// gin cost before any of our middleware, JSON, JWT or database work.
func routerCeiling(ctx context.Context, staff []member, c config) (*result, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/api/v1/attendance/punches", func(c *gin.Context) { c.Status(http.StatusCreated) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	return rush(ctx, "http://"+ln.Addr().String(), staff, c)
}
