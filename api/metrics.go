package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// httpMetrics are labelled by route template (never the raw path, which would explode the series).
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "schoolcheck_http_requests_total",
			Help: "HTTP requests by method, route template and status."}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "schoolcheck_http_request_duration_seconds",
			Help: "HTTP request latency by method and route template.", Buckets: prometheus.DefBuckets},
			[]string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "schoolcheck_http_in_flight_requests",
			Help: "Requests being served."}),
	}
	// A registry shared by several routers (tests) keeps the first registration.
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inFlight} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				switch v := are.ExistingCollector.(type) {
				case *prometheus.CounterVec:
					m.requests = v
				case *prometheus.HistogramVec:
					m.duration = v
				case prometheus.Gauge:
					m.inFlight = v
				}
			}
		}
	}
	return m
}

func (m *httpMetrics) middleware(c *gin.Context) {
	start := time.Now()
	m.inFlight.Inc()
	defer m.inFlight.Dec()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	method := methodLabel(c.Request.Method)
	m.requests.WithLabelValues(method, route, strconv.Itoa(c.Writer.Status())).Inc()
	m.duration.WithLabelValues(method, route).Observe(since(start))
}

// methodLabel is the method as a metric label: HTTP lets a client send any token as its method, and one
// series each would let anyone grow the registry without bound (TestMetricsUseRouteTemplates).
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// healthRoutes: /healthz (alive, no dependencies), /readyz (database and object store answer), /metrics.
func (s *server) healthRoutes(r *gin.Engine, reg *prometheus.Registry) {
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		checks, ok := gin.H{}, true
		for name, err := range s.ready(ctx) {
			if err != nil {
				ok = false
				checks[name] = "unavailable"
				s.log.WarnContext(c.Request.Context(), "not ready", "dependency", name, "error", err)
			} else {
				checks[name] = "ok"
			}
		}
		if !ok {
			c.Header("Retry-After", "5")
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "checks": checks})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ok", "checks": checks})
	})
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
}
