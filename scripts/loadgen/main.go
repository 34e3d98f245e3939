// Command loadgen measures the morning sign-in rush of office attendance (坐班): it sets up schools and
// staff, fires one POST /attendance/punches per staff member (the day's first "in", the hot path) with a
// given concurrency, and prints punches per second and p50/p99 latency. In the same run it executes the
// SQL statements the punch path issues (captured from a probe punch through the service) directly through
// go-sql-driver (database/sql) with the same concurrency and pool: the ceiling the API could reach if Go,
// gin, GORM, JSON and JWT cost nothing. Both are printed side by side.
//
// By default it creates a fresh MariaDB database on the loopback server, serves the real router
// in-process on 127.0.0.1 (real HTTP over loopback TCP), and drops the database at the end:
//
//	go run ./scripts/loadgen -schools 20 -staff 100 -concurrency 64
//
// With -base it fires at an already running server on loopback instead; -dsn must then name that
// server's database and -jwt-secret its auth.jwt_secret (staff are set up through the service against the
// database, and their tokens must verify on the server). Everything it talks to must be on loopback, and
// the run is bounded in count (-requests) and time (-duration).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// config is the command line.
type config struct {
	base, dsn, driver, jwtSecret string
	schools, staff, requests     int
	concurrency, pool            int
	duration                     time.Duration
	keep                         bool
	cpuProfile                   string
	minio                        string
	scenarioSchools              int
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "seed" {
		if err := seedMain(os.Args[2:]); err != nil {
			log.Fatalf("loadgen seed: %v", err)
		}
		return
	}
	var c config
	flag.StringVar(&c.base, "base", "", "URL of a running schoolcheck on loopback (default: serve in-process on 127.0.0.1)")
	flag.StringVar(&c.driver, "driver", "mysql", "database of the in-process server: mysql or sqlite (no ceiling on sqlite)")
	flag.StringVar(&c.dsn, "dsn", "root@tcp(127.0.0.1:3306)/", "MariaDB DSN on loopback; without a database name a fresh one is created and dropped")
	flag.StringVar(&c.jwtSecret, "jwt-secret", "", "with -base: the server's auth.jwt_secret")
	flag.IntVar(&c.schools, "schools", 20, "schools to set up")
	flag.IntVar(&c.staff, "staff", 100, "teachers per school")
	flag.IntVar(&c.requests, "requests", 0, "punches to fire (default: one per staff member; more wrap around as sign-outs)")
	flag.DurationVar(&c.duration, "duration", 2*time.Minute, "stop firing after this long (at most 10m)")
	flag.IntVar(&c.concurrency, "concurrency", 64, "concurrent clients")
	flag.IntVar(&c.pool, "pool", 20, "database connections (the server's database.max_open_conns; the ceiling uses the same)")
	flag.BoolVar(&c.keep, "keep", false, "keep the database created for the run")
	flag.StringVar(&c.minio, "minio", "127.0.0.1:9000", "MinIO (minioadmin/minioadmin) of the in-process server's photos, a bucket of the run's own; empty: no photos, no canteen scenario")
	flag.IntVar(&c.scenarioSchools, "scenario-schools", 10, "schools (10 leaders, 20 parents each) of the canteen, feedback and report scenarios after the rush; 0: none")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the API rush (client and in-process server) to this file")
	flag.Parse()
	if err := c.check(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, c); err != nil {
		log.Fatalf("loadgen: %v", err)
	}
}

// check bounds the run and keeps it on loopback.
func (c *config) check() error {
	switch {
	case c.schools < 1 || c.staff < 1 || c.schools*c.staff > 100_000:
		return errors.New("-schools × -staff must be 1..100000")
	case c.requests < 0 || c.requests > 1_000_000:
		return errors.New("-requests must be 0..1000000")
	case c.duration <= 0 || c.duration > 10*time.Minute:
		return errors.New("-duration must be in (0, 10m]")
	case c.concurrency < 1 || c.concurrency > 1024:
		return errors.New("-concurrency must be 1..1024")
	case c.pool < 1 || c.pool > 500:
		return errors.New("-pool must be 1..500")
	case c.driver != "mysql" && c.driver != "sqlite":
		return errors.New("-driver is mysql or sqlite")
	case c.scenarioSchools < 0 || c.scenarioSchools > 100:
		return errors.New("-scenario-schools must be 0..100")
	}
	if c.minio != "" {
		host, _, err := net.SplitHostPort(c.minio)
		if err != nil || !loopback(host) {
			return fmt.Errorf("-minio %q must be host:port on loopback", c.minio)
		}
	}
	if c.requests == 0 {
		c.requests = c.schools * c.staff
	}
	if c.base != "" {
		u, err := url.Parse(c.base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !loopback(u.Hostname()) {
			return fmt.Errorf("-base %q must be an http(s) URL on loopback", c.base)
		}
		if c.jwtSecret == "" || c.driver != "mysql" {
			return errors.New("-base needs -jwt-secret and the server's MariaDB in -dsn")
		}
	}
	if c.driver == "mysql" {
		cfg, err := mysqldriver.ParseDSN(c.dsn)
		if err != nil {
			return fmt.Errorf("-dsn: %w", err)
		}
		host, _, err := net.SplitHostPort(cfg.Addr)
		if cfg.Net != "unix" && (err != nil || !loopback(host)) {
			return fmt.Errorf("-dsn must point at a database on loopback, not %q", cfg.Addr)
		}
		if c.base != "" && cfg.DBName == "" {
			return errors.New("with -base, -dsn must name the server's database")
		}
	}
	return nil
}

// startProfile starts a CPU profile when a file is named; the returned func stops it.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}

// loopback accepts only this machine.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// run sets up, fires the rush, replays the ceiling, and prints both.
func run(ctx context.Context, c config) error {
	env, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer env.close()
	start := time.Now()
	staff, probe, err := env.setup(ctx, c)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	fmt.Printf("setup: %d schools × %d teachers on %s in %s\n", c.schools, c.staff, env.where, time.Since(start).Round(time.Millisecond))

	stmts, err := env.capture(ctx, probe)
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	fmt.Printf("\nthe punch path issues %d statements (captured from a probe punch):\n", len(stmts))
	for i, st := range stmts {
		fmt.Printf("  %d. %s\n", i+1, st.sql)
	}

	stopProfile, err := startProfile(c.cpuProfile)
	if err != nil {
		return err
	}
	api, err := rush(ctx, env.baseURL, staff, c)
	stopProfile()
	if err != nil {
		return err
	}
	var ceilings ceilings
	if env.sqlDSN != "" {
		if ceilings.sql, err = replay(ctx, env.sqlDSN, stmts, probe, staff, c); err != nil {
			return fmt.Errorf("ceiling (a): %w", err)
		}
		if ceilings.insert, err = insertCeiling(ctx, env.sqlDSN, stmts, probe, staff, c); err != nil {
			return fmt.Errorf("ceiling (b): %w", err)
		}
	}
	if ceilings.router, err = routerCeiling(ctx, staff, c); err != nil {
		return fmt.Errorf("ceiling (c): %w", err)
	}
	printResults(c, api, ceilings)
	return scenarios(ctx, env, c)
}
