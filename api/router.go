// Package api is schoolcheck's HTTP layer: the gin router, middleware (request ids, logs, recovery, body
// limits, metrics, authentication, rate limits, idempotency), one handler file per module, and the one
// table that maps service errors onto HTTP statuses. Handlers parse, call the service once and respond.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"schoolcheck/service/attendance"
	"schoolcheck/service/auth"
	"schoolcheck/service/evidence"
	"schoolcheck/service/idempotency"
	"schoolcheck/service/inspections"
	"schoolcheck/service/meals"
	"schoolcheck/service/notify"
	"schoolcheck/service/observations"
	"schoolcheck/service/phones"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

// Deps are what the router needs, one field per service, passed in by the app package (for main and the
// tests alike).
type Deps struct {
	Auth        *auth.Service
	School      *school.Service
	Trail       *evidence.Trail
	Photos      *photos.Service
	Notify      *notify.Service
	Idempotency *idempotency.Store
	Attendance  *attendance.Service
	Meals       *meals.Service
	Phones      *phones.Service
	// Observations is lesson observations (听课评课).
	Observations *observations.Service
	// Inspections is the inspection module (督查考核).
	Inspections *inspections.Service
	// Ready reports each dependency's health for /readyz.
	Ready  func(ctx context.Context) map[string]error
	Logger *slog.Logger
	// Registry receives the HTTP metrics and is served at /metrics.
	Registry *prometheus.Registry
	// TrustedProxies whose X-Forwarded-For is believed; empty trusts none.
	TrustedProxies []string
	// MaxBodyBytes bounds a request body unless the route sets its own limit.
	MaxBodyBytes int64
	// RequestTimeout bounds every request (its context's deadline: the database, the object store and Redis
	// give up with it and the answer is 503 with Retry-After); zero means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// UploadTimeout replaces RequestTimeout on the routes with a body limit of their own (the uploads, whose
	// bodies come over a phone's network); zero means DefaultUploadTimeout.
	UploadTimeout time.Duration
	// Limiter backs the rate limits (Redis when configured, else memory).
	Limiter Limiter
	// Objects serves local-disk photos at /objects/ (embedded default only); nil with MinIO.
	Objects http.Handler
	// PublicURL is how clients reach the server (office display links, the QR code's link).
	PublicURL string
	// LinkCheck is WeChat's check file for the QR link prefix <PublicURL>/q/: name and content.
	LinkCheck [2]string
	// Console is the web console (package console), served under /console/; nil for none.
	Console http.Handler
}

// server carries the dependencies of the handlers.
type server struct {
	auth       *auth.Service
	school     *school.Service
	trail      *evidence.Trail
	photos     *photos.Service
	notify     *notify.Service
	idem       *idempotency.Store
	attendance *attendance.Service
	meals      *meals.Service
	phones     *phones.Service
	ready      func(ctx context.Context) map[string]error
	log        *slog.Logger
	limiter    Limiter
	maxBody    int64
	timeouts   [2]time.Duration // a request's, an upload's
	bodyLimits map[string]int64
	replayers  map[string]func(c *gin.Context, stored []byte) error
	publicURL  string
	linkCheck  [2]string
	metrics    *httpMetrics

	// observations is lesson observations (听课评课), kept apart so that modules add fields without realigning.
	observations *observations.Service
	// inspections is the inspection module (督查考核).
	inspections *inspections.Service
}

// New builds the HTTP handler.
func New(d Deps) (http.Handler, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// An API path with a slash too many or too few is not found, in the contract's shape, rather than
	// redirected with an HTML body ("meals/" was a 301 to "meals": TestEmptyPathParameters).
	r.RedirectTrailingSlash = false
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		return nil, err
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.Limiter == nil {
		d.Limiter = NewMemoryLimiter()
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = 1 << 20
	}
	if d.RequestTimeout <= 0 {
		d.RequestTimeout = DefaultRequestTimeout
	}
	if d.UploadTimeout <= 0 {
		d.UploadTimeout = DefaultUploadTimeout
	}
	s := &server{auth: d.Auth, school: d.School, trail: d.Trail, photos: d.Photos, notify: d.Notify,
		idem: d.Idempotency, attendance: d.Attendance, meals: d.Meals, phones: d.Phones, observations: d.Observations,
		inspections: d.Inspections, ready: d.Ready, log: d.Logger, limiter: d.Limiter, maxBody: d.MaxBodyBytes,
		bodyLimits: map[string]int64{}, replayers: map[string]func(*gin.Context, []byte) error{}, publicURL: d.PublicURL,
		linkCheck: d.LinkCheck, metrics: newHTTPMetrics(d.Registry), timeouts: [2]time.Duration{d.RequestTimeout, d.UploadTimeout}}
	if s.log == nil {
		s.log = slog.Default()
	}
	r.Use(s.requestID, s.recovery, s.accessLog, s.metrics.middleware, wholeParams, s.limitBody, s.deadline)
	r.NoRoute(func(c *gin.Context) { fail(c, http.StatusNotFound, "not_found", "接口不存在") })
	r.NoMethod(func(c *gin.Context) {
		fail(c, http.StatusMethodNotAllowed, "method_not_allowed", "不支持该请求方法")
	})

	s.healthRoutes(r, d.Registry)
	if d.Objects != nil {
		r.GET("/objects/*key", gin.WrapH(d.Objects))
	}
	if d.Console != nil {
		s.mountConsole(r, d.Console)
	}
	v1 := r.Group("/api/v1")
	open := v1.Group("")                                       // no token
	login := v1.Group("", s.authenticate(false))               // any login, bound or not
	bound := v1.Group("", s.authenticate(true), s.idempotency) // a bound user
	// Each module mounts its routes here.
	for _, mount := range []func(open, login, bound *gin.RouterGroup){
		s.authRoutes,
		s.schoolRoutes,
		s.adminRoutes,
		s.attendanceRoutes(r),
		s.rosterRoutes,
		s.mealRoutes,
		s.phoneRoutes,
		s.observationRoutes,
		s.consoleRoutes(r),
		s.inspectionRoutes,
	} {
		mount(open, login, bound)
	}
	return r, nil
}

// wholeParams answers 404 for a path whose parameter is empty ("feedback//replies"): the router matches
// it to the route, but no record has an empty id, date or name, and no handler, rate limit or
// idempotency claim should run for one (found by FuzzPathsAndQueries).
func wholeParams(c *gin.Context) {
	for _, p := range c.Params {
		if p.Value == "" {
			fail(c, http.StatusNotFound, "not_found", "接口不存在")
			return
		}
	}
	c.Next()
}

// bodyLimit gives a route a body limit other than the default (uploads); call while mounting.
func (s *server) bodyLimit(fullPath string, n int64) { s.bodyLimits[fullPath] = n }

// limitBody bounds every request body while it is read, not after buffering.
func (s *server) limitBody(c *gin.Context) {
	limit := s.maxBody
	if n, ok := s.bodyLimits[c.FullPath()]; ok {
		limit = n
	}
	if c.Request.ContentLength > limit {
		fail(c, http.StatusRequestEntityTooLarge, "payload_too_large", "请求内容超过大小限制")
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}

// The default request timeouts: well below the mini-program's own (60 s) and above the database's lock
// timeout (model.DefaultLockTimeout, 3 s), so that a slow dependency is a 503 the client can retry rather
// than a request that hangs; an upload may take a minute over a canteen's network.
const (
	DefaultRequestTimeout = 15 * time.Second
	DefaultUploadTimeout  = time.Minute
)

// deadline gives the request's context the route's timeout. Every call to the database, the object store
// and Redis takes that context, so none outlives it: past the deadline the call fails and the error table
// answers 503 with Retry-After (service.IsUnavailable counts an expired deadline as a dependency too slow).
func (s *server) deadline(c *gin.Context) {
	d := s.timeouts[0]
	if _, upload := s.bodyLimits[c.FullPath()]; upload {
		d = s.timeouts[1]
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), d)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// since is a small helper for durations in logs and metrics.
func since(t time.Time) float64 { return time.Since(t).Seconds() }
