// Package apitest drives the real router with httptest against a real database (MariaDB or SQLite, as
// scripts/test.sh selects), real object storage (MinIO or local disk) and the fake WeChat server behind
// wechat.api_base. It gives tests ready schools, staff, classes and parents, logged in the way the
// mini-program does it.
package apitest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"schoolcheck/api"
	"schoolcheck/app"
	"schoolcheck/configs"
	"schoolcheck/model/modeltest"
	"schoolcheck/service"
	"schoolcheck/service/notify"
	"schoolcheck/service/wechat"
	"schoolcheck/service/wechat/wechattest"
	"schoolcheck/storage"
	"schoolcheck/storage/storagetest"
)

// shared is what TestMain sets up once per package: one database and one fake WeChat (the SDK's HTTP
// client is process-wide, so one fake per process).
var shared struct {
	mu sync.Mutex
	db *modeltest.Fresh
	wx *wechattest.Server
}

// Main runs a package's tests on one fresh database and one fake WeChat. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }
func Main(m *testing.M) int {
	db, err := modeltest.New("pkg")
	if err != nil {
		fmt.Fprintln(os.Stderr, "apitest:", err)
		return 1
	}
	defer db.Close()
	wx := wechattest.NewServer()
	defer wx.Close()
	shared.db, shared.wx = db, wx
	return m.Run()
}

// Env is one test's server: its own application, router and clock over the package's database, store and
// fake WeChat. Tests isolate by creating their own schools. T is the test that failures are reported
// against: a subtest takes its own with For.
type Env struct {
	T       testing.TB
	DB      *gorm.DB
	WX      *wechattest.Server
	Store   storagetest.ObjectStore
	App     *app.App
	Handler http.Handler
	Clock   *Clock
	Logs    *SyncBuffer
	Redis   *redis.Client
	// Registry is the router's Prometheus registry.
	Registry *prometheus.Registry
	// Transcript, when set, records every answer (see CheckNoLeaks).
	Transcript *Transcript

	timeouts [2]time.Duration
}

// Option changes how New builds the environment.
type Option func(*options)

type options struct {
	store    storagetest.ObjectStore
	now      time.Time
	ownDB    bool
	db       *gorm.DB
	redis    *redis.Client
	timeouts [2]time.Duration
}

// WithDatabase serves from a given database handle (e.g. one whose connections go through a Proxy).
func WithDatabase(db *gorm.DB) Option { return func(o *options) { o.db = db } }

// WithRedis uses a given Redis client (e.g. one reaching Redis through a Proxy) instead of the test run's.
func WithRedis(c *redis.Client) Option { return func(o *options) { o.redis = c } }

// WithTimeouts sets the router's request and upload timeouts (app.HTTP.Timeouts).
func WithTimeouts(request, upload time.Duration) Option {
	return func(o *options) { o.timeouts = [2]time.Duration{request, upload} }
}

// WithStore uses a given object store (e.g. a MinIO process the test stops and starts).
func WithStore(s storagetest.ObjectStore) Option { return func(o *options) { o.store = s } }

// WithOwnDatabase gives the environment a database of its own (for tests that break it).
func WithOwnDatabase() Option { return func(o *options) { o.ownDB = true } }

// WithNow starts the clock at t.
func WithNow(t time.Time) Option { return func(o *options) { o.now = t } }

// DefaultNow is a Wednesday morning in term time, 09:00 in Shanghai.
var DefaultNow = time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)

// New builds an environment for one test.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	o := options{now: DefaultNow}
	for _, opt := range opts {
		opt(&o)
	}
	shared.mu.Lock()
	db, wx := shared.db, shared.wx
	shared.mu.Unlock()
	if db == nil { // no TestMain: a database and a fake of the test's own
		db = modeltest.Open(t)
		wx = wechattest.New(t)
	} else if o.ownDB {
		db = modeltest.Open(t)
	}
	if o.store == nil {
		o.store = storagetest.Store(t)
	}
	e := &Env{T: t, DB: db.DB, WX: wx, Store: o.store, Clock: NewClock(o.now), Logs: &SyncBuffer{}, timeouts: o.timeouts}
	if o.db != nil {
		e.DB = o.db
	}
	if o.redis != nil {
		e.Redis = o.redis
	} else if addr := os.Getenv("SCHOOLCHECK_TEST_REDIS_ADDR"); addr != "" {
		// Database 1, not 0: the WeChat adapter's own tests run at the same time (go test -p 2) against another
		// fake that issues other access tokens under the same cache key.
		e.Redis = redis.NewClient(api.RedisOptions(addr, "", 1))
		if err := e.Redis.Ping(context.Background()).Err(); err != nil {
			t.Fatalf("redis at %s: %v", addr, err)
		}
		t.Cleanup(func() { _ = e.Redis.Close() })
	}
	e.start()
	return e
}

// Another is a second server instance beside e: its own application, scheduler, outbox drainer and router
// (and metrics), over the same database, object store, fake WeChat, Redis and clock, as two instances
// behind a load balancer are. A restart is an Another whose predecessor is no longer used.
func (e *Env) Another() *Env {
	c := &Env{T: e.T, DB: e.DB, WX: e.WX, Store: e.Store, Clock: e.Clock, Logs: e.Logs, Redis: e.Redis, timeouts: e.timeouts}
	c.start()
	return c
}

// start builds the application and its router over the environment's outside world.
func (e *Env) start() {
	t := e.T
	e.Registry = prometheus.NewRegistry()
	// The server's logger as main builds it (newLogger): scrubbed.
	logger := slog.New(service.ScrubLogs(slog.NewJSONHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	wcfg := wechat.Config{AppID: wechattest.AppID, AppSecret: wechattest.AppSecret, APIBase: e.WX.URL,
		Timeout: 2 * time.Second, Logger: logger, Redis: e.Redis, Templates: map[string]string{
			"feedback_reply": "TPL_FEEDBACK_REPLY", "meal_reminder": "TPL_MEAL_REMINDER", "phone_reminder": "TPL_PHONE",
			"signout_reminder": "TPL_SIGNOUT", "feedback_overdue": "TPL_OVERDUE", "observation_ack": "TPL_OBS_ACK",
			"finding_new": "TPL_FINDING_NEW", "finding_answered": "TPL_FINDING_ANSWERED"}}
	wx, err := wechat.New(wcfg)
	if err != nil {
		t.Fatal(err)
	}
	fields, err := notify.ParseMapping(configs.Default().WeChat.TemplateFields)
	if err != nil {
		t.Fatal(err)
	}
	e.App = app.New(app.Deps{DB: e.DB, Store: e.Store, WeChat: wx, Logger: logger,
		JWTSecret: []byte(JWTSecret), TokenTTL: 2 * time.Hour, Clock: e.Clock.Now,
		Registry: e.Registry, TemplateFields: fields})
	hc := app.HTTP{PublicURL: "http://schoolcheck.test", MaxBodyBytes: 1 << 20, Timeouts: e.timeouts}
	if e.Redis != nil {
		hc.Limiter = api.NewRedisLimiter(e.Redis)
	}
	if l, ok := e.Store.(*storage.Local); ok {
		hc.Objects = l.Handler()
	}
	h, err := e.App.Handler(hc)
	if err != nil {
		t.Fatal(err)
	}
	e.Handler = h
}

// For is the environment reporting to t (a subtest), so that a failing row of a table fails that row and
// the other rows still run.
func (e *Env) For(t testing.TB) *Env {
	c := *e
	c.T = t
	return &c
}

// Drain sends what the outbox holds now, as the background drainer would after a commit.
func (e *Env) Drain() {
	e.T.Helper()
	if _, err := e.App.Notify.Drain(context.Background()); err != nil {
		e.T.Fatalf("drain outbox: %v", err)
	}
}

// RunJobs runs one scheduler pass at the clock's time, as an instance does every jobs.interval.
func (e *Env) RunJobs() error {
	_, err := e.App.Scheduler.Pass(context.Background())
	return err
}

// Clock is a settable clock for the service.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Shanghai is the default school time zone, for building times in tests.
var Shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// At is a Shanghai wall-clock time, for Clock.Set.
func At(date string, hhmm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", date+" "+hhmm, Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// SyncBuffer is a log sink tests can read while the server writes.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything logged so far.
func (b *SyncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }
