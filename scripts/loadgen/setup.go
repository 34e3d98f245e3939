package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"gorm.io/gorm"

	"schoolcheck/app"
	"schoolcheck/model"
	"schoolcheck/service/auth"
	"schoolcheck/service/school"
	"schoolcheck/service/wechat"
	"schoolcheck/storage"
)

// The office fence every load-test school uses.
const fenceLat, fenceLng = 28.6829, 115.8579

// env is the database, the service the setup goes through, and where the punches go.
type env struct {
	db      *gorm.DB
	app     *app.App
	rec     *recorder
	baseURL string
	sqlDSN  string // for the ceiling; empty on SQLite
	where   string
	runID   string
	closers []func()
}

func (e *env) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}

// open prepares the database (a fresh one unless -dsn names one), the service and the server.
func open(ctx context.Context, c config) (*env, error) {
	e := &env{runID: strconv.FormatInt(time.Now().Unix()%1e8, 36), rec: &recorder{}}
	opts := model.Options{Driver: c.driver, MaxOpenConns: c.pool, MaxIdleConns: c.pool, ConnMaxLifetime: 30 * time.Minute,
		ConnMaxIdleTime: 5 * time.Minute}
	fresh := true
	if c.driver == "sqlite" {
		dir, err := os.MkdirTemp("", "schoolcheck-loadgen-")
		if err != nil {
			return nil, err
		}
		e.closers = append(e.closers, func() { _ = os.RemoveAll(dir) })
		opts.DSN = filepath.Join(dir, "loadgen.db")
		e.where = "SQLite " + opts.DSN
	} else {
		cfg, err := mysqldriver.ParseDSN(c.dsn)
		if err != nil {
			return nil, err
		}
		if cfg.DBName == "" {
			name := "schoolcheck_loadgen_" + e.runID
			if err := createDatabase(ctx, cfg, name, c.keep, e); err != nil {
				e.close()
				return nil, err
			}
			cfg.DBName = name
		} else {
			fresh = false
		}
		opts.DSN = cfg.FormatDSN()
		e.sqlDSN = forcedDSN(cfg)
		e.where = fmt.Sprintf("MariaDB %s/%s", cfg.Addr, cfg.DBName)
	}
	db, err := model.Open(ctx, opts)
	if err != nil {
		e.close()
		return nil, err
	}
	e.db = db
	e.closers = append(e.closers, func() {
		if s, err := db.DB(); err == nil {
			_ = s.Close()
		}
	})
	if fresh {
		err = model.Migrate(ctx, db, nil)
	} else {
		err = model.CheckSchema(ctx, db)
	}
	if err == nil {
		err = e.rec.install(db)
	}
	if err != nil {
		e.close()
		return nil, err
	}
	secret := []byte(c.jwtSecret)
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil)) // formats every line as the server does, writes none
	deps := app.Deps{DB: db, WeChat: wechat.NewDev(quiet), Logger: quiet, JWTSecret: secret, TokenTTL: 2 * time.Hour}
	if c.minio != "" && c.base == "" {
		store, err := e.bucket(ctx, c.minio, c.keep)
		if err != nil {
			e.close()
			return nil, err
		}
		deps.Store = store
		e.where += ", MinIO " + c.minio
	}
	e.app = app.New(deps)
	if c.base != "" {
		e.baseURL = strings.TrimRight(c.base, "/")
		e.where += ", server " + e.baseURL
		return e, nil
	}
	return e, e.serve(quiet)
}

// serve runs the real router in-process on a loopback port, over real TCP.
func (e *env) serve(logger *slog.Logger) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	e.baseURL = "http://" + ln.Addr().String()
	// Loopback is the server's proxy: the scenarios' clients tell their addresses in X-Forwarded-For.
	h, err := e.app.Handler(app.HTTP{PublicURL: e.baseURL, TrustedProxies: []string{"127.0.0.1"}})
	if err != nil {
		_ = ln.Close()
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	e.closers = append(e.closers, func() { _ = srv.Close() })
	e.where += ", in-process server " + e.baseURL
	return nil
}

// bucket makes the run's MinIO bucket and arranges for it to be emptied and removed unless kept.
func (e *env) bucket(ctx context.Context, endpoint string, keep bool) (*storage.MinIO, error) {
	cfg := storage.MinIOConfig{Endpoint: endpoint, AccessKey: "minioadmin", SecretKey: "minioadmin", Bucket: "loadgen-" + e.runID}
	s, err := storage.NewMinIO(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("MinIO at %s (-minio \"\" runs without photos): %w", endpoint, err)
	}
	e.closers = append(e.closers, func() {
		if keep {
			fmt.Println("kept bucket", cfg.Bucket)
			return
		}
		ctx := context.Background()
		keys, _ := s.List(ctx, "")
		for _, k := range keys {
			_ = s.Delete(ctx, k)
		}
		if mc, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")}); err == nil {
			_ = mc.RemoveBucket(ctx, cfg.Bucket)
		}
	})
	return s, nil
}

// createDatabase makes the run's database and arranges for it to be dropped unless kept.
func createDatabase(ctx context.Context, cfg *mysqldriver.Config, name string, keep bool, e *env) error {
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return err
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		_ = admin.Close()
		return fmt.Errorf("MariaDB at %s: %w", cfg.Addr, err)
	}
	e.closers = append(e.closers, func() {
		if keep {
			fmt.Println("kept database", name)
		} else {
			_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+name+"`")
		}
		_ = admin.Close()
	})
	return nil
}

// forcedDSN is the DSN with the settings model.Open forces on every MySQL connection, so the ceiling's
// connections behave as the server's do.
func forcedDSN(cfg *mysqldriver.Config) string {
	c := cfg.Clone()
	c.ParseTime, c.Loc, c.Collation = true, time.UTC, "utf8mb4_unicode_ci"
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	c.Params["charset"], c.Params["time_zone"] = "utf8mb4", "'+00:00'"
	c.Timeout, c.ReadTimeout, c.WriteTimeout = 3*time.Second, 30*time.Second, 30*time.Second
	return c.FormatDSN()
}

// member is a signed-in teacher: the token the mini-program would hold and the ids behind it.
type member struct {
	token, accountID, staffID, schoolID string
}

// setup creates the schools (in parallel) and signs every teacher in with the dev login; it returns the
// teachers and a probe teacher (kept out of the rush) for capturing the punch path's statements.
func (e *env) setup(ctx context.Context, c config) ([]member, member, error) {
	if c.staff > 9000 {
		return nil, member{}, errors.New("-staff must be at most 9000")
	}
	var (
		mu    sync.Mutex
		all   []member
		probe member
		first error
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, 4) // more at once meets lock waits past the 3 s lock timeout on a busy machine
	for i := range c.schools {
		if i == 1 {
			wg.Wait() // the first school creates the region; the others find it
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ms, p, err := e.school(ctx, i, c.staff, i == 0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = fmt.Errorf("school %d: %w", i, err)
			}
			all = append(all, ms...)
			if i == 0 {
				probe = p
			}
		}()
	}
	wg.Wait()
	return all, probe, first
}

// school sets up one school: its principal, settings (a fence, every day a workday), the roster imported
// as a CSV, and every teacher bound.
func (e *env) school(ctx context.Context, i, staff int, withProbe bool) ([]member, member, error) {
	phone := func(j int) string { return fmt.Sprintf("17%05d%04d", i, j) }
	id, err := e.app.School.Bootstrap(ctx, school.BootstrapInput{Region: "压测区-" + e.runID,
		School: fmt.Sprintf("压测学校-%s-%04d", e.runID, i), PrincipalName: "压测校长", PrincipalPhone: phone(0)})
	if err != nil {
		return nil, member{}, err
	}
	principal, err := e.bind(ctx, fmt.Sprintf("lg%ss%dp", e.runID, i), phone(0))
	if err != nil {
		return nil, member{}, err
	}
	pa, err := e.app.Auth.Authenticate(ctx, principal.token)
	if err != nil {
		return nil, member{}, err
	}
	st := school.DefaultSettings(time.Now())
	st.Attendance.Methods = []string{"location", "qr"}
	st.Attendance.Fences = []school.Fence{{Name: "行政楼", Lat: fenceLat, Lng: fenceLng, RadiusM: 300}}
	for _, d := range []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} {
		st.Attendance.Windows[d] = school.Window{In: "07:50", Out: "17:30"}
	}
	if _, err := e.app.School.PutSettings(ctx, pa, st); err != nil {
		return nil, member{}, err
	}
	var csv strings.Builder
	csv.WriteString("姓名,手机号,角色,学科\n")
	for j := 1; j <= staff; j++ {
		fmt.Fprintf(&csv, "教师%04d,%s,教师,语文\n", j, phone(j))
	}
	if withProbe {
		fmt.Fprintf(&csv, "探针,%s,教师,语文\n", phone(9999))
	}
	if _, err := e.app.School.ImportStaff(ctx, pa, "staff.csv", []byte(csv.String())); err != nil {
		return nil, member{}, err
	}
	out := make([]member, 0, staff)
	for j := 1; j <= staff; j++ {
		m, err := e.bind(ctx, fmt.Sprintf("lg%ss%dt%d", e.runID, i, j), phone(j))
		if err != nil {
			return out, member{}, err
		}
		m.schoolID = id
		out = append(out, m)
	}
	var probe member
	if withProbe {
		if probe, err = e.bind(ctx, fmt.Sprintf("lg%ss%dprobe", e.runID, i), phone(9999)); err != nil {
			return out, member{}, err
		}
		probe.schoolID = id
	}
	return out, probe, nil
}

// bind logs a WeChat user in with the dev login and binds the phone, as the mini-program does.
func (e *env) bind(ctx context.Context, name, phone string) (member, error) {
	s, err := e.app.Auth.Login(ctx, "dev:"+name)
	if err != nil {
		return member{}, err
	}
	a, err := e.app.Auth.Authenticate(ctx, s.Token)
	if err != nil {
		return member{}, err
	}
	if s, err = e.app.Auth.BindPhone(ctx, a, auth.BindInput{PhoneCode: "dev:" + phone}); err != nil {
		return member{}, err
	}
	if a, err = e.app.Auth.Authenticate(ctx, s.Token); err != nil {
		return member{}, err
	}
	return member{token: s.Token, accountID: a.AccountID, staffID: a.StaffID, schoolID: a.SchoolID}, nil
}
