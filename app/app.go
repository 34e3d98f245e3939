// Package app builds schoolcheck from its dependencies: every service package in the order they depend on
// each other, their scheduled jobs, and the HTTP handler. main wires the real database, object store and
// WeChat into it; the tests' harness (api/apitest) wires the test ones, so both run the same application.
package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"schoolcheck/api"
	"schoolcheck/console"
	"schoolcheck/service"
	"schoolcheck/service/attendance"
	"schoolcheck/service/auth"
	"schoolcheck/service/evidence"
	"schoolcheck/service/idempotency"
	"schoolcheck/service/inspections"
	"schoolcheck/service/jobs"
	"schoolcheck/service/meals"
	"schoolcheck/service/moderation"
	"schoolcheck/service/notify"
	"schoolcheck/service/observations"
	"schoolcheck/service/phones"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

// WeChat is everything the services need from WeChat (wechat.Client, or wechat.Dev for dev login).
type WeChat interface {
	auth.WeChat
	moderation.Checker
	notify.Sender
}

// Deps are the outside world the application runs on.
type Deps struct {
	DB     *gorm.DB
	Store  photos.ObjectStore // nil for the operator commands, which touch no photo
	WeChat WeChat             // nil for the operator commands
	Logger *slog.Logger
	// Clock is the time; tests inject a settable one. Nil means time.Now.
	Clock func() time.Time
	// JWTSecret signs tokens; TokenTTL is their lifetime (at most 2 h).
	JWTSecret []byte
	TokenTTL  time.Duration
	// JobsInterval is how often the scheduler looks for due work (jobs.interval, default 1m).
	JobsInterval time.Duration
	// Registry receives the application's metrics (HTTP and notifications); nil for none.
	Registry *prometheus.Registry
	// TemplateFields maps each subscribe-message template's fields to its WeChat keywords
	// (wechat.template_fields, read by notify.ParseMapping).
	TemplateFields notify.Mapping
}

// App is the whole application: one field per service.
type App struct {
	Core        service.Core
	School      *school.Service
	Auth        *auth.Service
	Trail       *evidence.Trail
	Photos      *photos.Service
	Moderation  *moderation.Service
	Notify      *notify.Service
	Idempotency *idempotency.Store
	Attendance  *attendance.Service
	Meals       *meals.Service
	Phones      *phones.Service
	Scheduler   *jobs.Scheduler
	registry    *prometheus.Registry
	store       photos.ObjectStore
	interval    time.Duration

	// Observations is lesson observations (听课评课).
	Observations *observations.Service
	// Inspections is the inspection module (督查考核): the overview, findings and the evidence pack.
	Inspections *inspections.Service
}

// New builds every service.
func New(d Deps) *App {
	if d.Logger == nil {
		d.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.JobsInterval <= 0 {
		d.JobsInterval = time.Minute
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	core := service.NewCore(d.DB, d.Logger, d.Clock)
	a := &App{Core: core, registry: d.Registry, store: d.Store, interval: d.JobsInterval}
	a.School = school.New(core)
	a.Auth = auth.New(core, d.WeChat, d.JWTSecret, d.TokenTTL)
	a.Trail = evidence.NewTrail(core)
	a.Photos = photos.New(core, d.Store)
	a.Moderation = moderation.New(core, d.WeChat)
	a.Notify = notify.New(core, d.WeChat, notificationMetrics(d.Registry), d.TemplateFields)
	a.Idempotency = idempotency.New(core)
	a.Attendance = attendance.New(core, a.School.Days, a.Notify)
	a.Meals = meals.New(core, a.Photos, a.Moderation, a.Notify)
	a.Observations = observations.New(core, a.Photos, a.Moderation, a.Notify)
	a.Phones = phones.New(core, a.Photos, a.Notify)
	a.Inspections = inspections.New(core, a.Photos, a.Notify, a.inspectionSources())
	a.Scheduler = jobs.New(core, a.Jobs()...)
	return a
}

// Jobs are every module's scheduled work.
func (a *App) Jobs() []jobs.Job {
	all := []jobs.Job{a.Idempotency.Job(), a.Photos.Job(a.interval), jobs.Purge(a.Core), a.Notify.Job()}
	all = append(all, a.Auth.ConsolePurgeJob())
	all = append(all, a.Meals.Jobs(a.interval)...)
	all = append(all, a.Observations.Jobs(a.interval)...)
	all = append(all, a.Phones.Jobs()...)
	all = append(all, a.Attendance.Jobs()...)
	return all
}

// HTTP are the settings of the HTTP layer that are not services.
type HTTP struct {
	TrustedProxies []string
	MaxBodyBytes   int64
	Limiter        api.Limiter
	Objects        http.Handler
	PublicURL      string
	// LinkCheck is WeChat's check file for the QR link prefix: name and content (empty: none).
	LinkCheck [2]string
	// DevLogin shows the web console's dev sign-in by phone (wechat.dev_login, the embedded default).
	DevLogin bool
	// Timeouts bound a request and an upload (zero: the api's defaults, api.DefaultRequestTimeout and
	// api.DefaultUploadTimeout).
	Timeouts [2]time.Duration
	// Draining, when set and true, makes /readyz answer 503 ("server": draining) while the server still
	// serves: a stopping instance tells its load balancer to send no more before it closes (http.drain_delay).
	Draining *atomic.Bool
}

// Handler builds the router over the application.
func (a *App) Handler(h HTTP) (http.Handler, error) {
	web, err := console.New(console.Deps{Auth: a.Auth, School: a.School, Attendance: a.Attendance, Meals: a.Meals,
		Phones: a.Phones, Observations: a.Observations, Inspections: a.Inspections, Photos: a.Photos, Logger: a.Core.Log, PublicURL: h.PublicURL,
		DevLogin: h.DevLogin})
	if err != nil {
		return nil, err
	}
	return api.New(api.Deps{Console: web, Auth: a.Auth, School: a.School, Trail: a.Trail, Photos: a.Photos, Notify: a.Notify,
		Idempotency: a.Idempotency, Attendance: a.Attendance, Meals: a.Meals, Phones: a.Phones, Ready: a.readiness(h.Draining),
		Logger: a.Core.Log, Registry: a.registry, TrustedProxies: h.TrustedProxies, MaxBodyBytes: h.MaxBodyBytes,
		Limiter: h.Limiter, Objects: h.Objects, PublicURL: h.PublicURL, LinkCheck: h.LinkCheck, Observations: a.Observations,
		Inspections: a.Inspections, RequestTimeout: h.Timeouts[0], UploadTimeout: h.Timeouts[1]})
}

// ErrDraining is /readyz's "server" check while the instance drains before it stops.
var ErrDraining = errors.New("draining: the server is stopping")

// readiness is Ready, with the server itself not ready while draining is true.
func (a *App) readiness(draining *atomic.Bool) func(ctx context.Context) map[string]error {
	return func(ctx context.Context) map[string]error {
		out := a.Ready(ctx)
		if draining != nil && draining.Load() {
			out["server"] = ErrDraining
		}
		return out
	}
}

// Ready reports whether the database and the object store answer, for /readyz.
func (a *App) Ready(ctx context.Context) map[string]error {
	out := map[string]error{}
	sqlDB, err := a.Core.DB.DB()
	if err == nil {
		err = sqlDB.PingContext(ctx)
	}
	out["database"] = err
	if a.store != nil {
		out["storage"] = a.store.Ping(ctx)
	}
	return out
}

// Run runs the background work until ctx ends: the scheduler every JobsInterval, and the outbox drainer
// whenever a transaction queued a message (and every interval, for retries).
func (a *App) Run(ctx context.Context) {
	go a.Scheduler.Run(ctx, a.interval)
	t := time.NewTicker(a.interval)
	defer t.Stop()
	for {
		if _, err := a.Notify.Drain(ctx); err != nil && ctx.Err() == nil {
			a.Core.Log.WarnContext(ctx, "outbox drain", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-a.Notify.Kicks():
		case <-t.C:
		}
	}
}

// notificationMetrics counts the outbox's outcomes per template and kind of occasion (a reminder's name, or
// feedback_reply): sent, skipped for lack of consent (no_consent), refused by WeChat (43101), failed,
// expired and unknown (the drainer logs each batch's outcomes the same way).
func notificationMetrics(reg *prometheus.Registry) notify.Observer {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "schoolcheck_notifications_total",
		Help: "Subscribe messages finished by the outbox, by template, kind of occasion (the reminder, or feedback_reply) and outcome (sent, no_consent, refused, failed, expired, unknown)."},
		[]string{"template", "kind", "outcome"})
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			c = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return func(template, kind, outcome string) { c.WithLabelValues(template, kind, outcome).Inc() }
}
