package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/collectors"

	"schoolcheck/api"
	"schoolcheck/app"
	"schoolcheck/configs"
	"schoolcheck/service/school"
)

// serve runs the API until SIGTERM/SIGINT, then finishes in-flight requests and closes.
func serve(ctx context.Context, cfg configs.Config, stdout io.Writer) error {
	started := time.Now()
	logger := newLogger(cfg, stdout)
	logger.Info("config", "effective", cfg.Masked().Flat())
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a, err := build(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.close()
	if cfg.Embedded() {
		demo, err := a.app.School.SeedDemo(ctx)
		if err != nil {
			return fmt.Errorf("demo school: %w", err)
		}
		if demo != nil {
			printDemo(stdout, cfg, demo)
		}
	}
	// Migrations and the demo school leave garbage a serving process never needs again: collect it and hand
	// the memory back now (a few ms), rather than idling at the start's peak until the scavenger gets there.
	debug.FreeOSMemory()
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var draining atomic.Bool
	hc := app.HTTP{TrustedProxies: cfg.HTTP.TrustedProxies, MaxBodyBytes: cfg.HTTP.MaxBodyBytes, PublicURL: cfg.HTTP.PublicURL,
		LinkCheck: [2]string{cfg.WeChat.LinkCheckFile, cfg.WeChat.LinkCheckContent}, DevLogin: cfg.DevLogin(),
		Timeouts: [2]time.Duration{cfg.HTTP.RequestTimeout, cfg.HTTP.UploadTimeout}, Draining: &draining}
	if a.redis != nil {
		hc.Limiter = api.NewRedisLimiter(a.redis)
	}
	if a.local != nil {
		hc.Objects = a.local.Handler()
	}
	handler, err := a.app.Handler(hc)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: cfg.HTTP.Addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 2 * time.Minute, WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	// Listen before saying so: "listening" means a client can connect now, and a port already taken is a
	// startup error rather than a log line after the fact.
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return err
	}
	go a.app.Run(ctx) // the scheduler and the outbox drainer
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "public_url", cfg.HTTP.PublicURL,
		"startup_ms", time.Since(started).Milliseconds())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if cfg.HTTP.DrainDelay > 0 {
		drain(logger, &draining, cfg.HTTP.DrainDelay)
	}
	logger.Info("shutting down: finishing in-flight requests", "timeout", cfg.HTTP.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// drain keeps serving with /readyz at 503 for delay, so that a load balancer takes the instance out before
// its listener closes and the connections queued on it are reset; a second SIGTERM or SIGINT ends it early.
func drain(logger *slog.Logger, draining *atomic.Bool, delay time.Duration) {
	again := make(chan os.Signal, 1)
	signal.Notify(again, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(again)
	draining.Store(true)
	logger.Info("draining: /readyz answers 503, still serving", "for", delay.String())
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-again:
		logger.Info("draining cut short by a second signal")
	}
}

// printDemo tells a newcomer how to log in to the demo school with the dev login.
func printDemo(w io.Writer, cfg configs.Config, d *school.Demo) {
	base := strings.TrimRight(cfg.HTTP.PublicURL, "/") + "/api/v1"
	var b strings.Builder
	fmt.Fprintf(&b, "\nDemo school created: %s (class %s, parent invite code %s)\n", d.School, d.Class, d.InviteCode)
	fmt.Fprintf(&b, "Dev login is on. Log in and bind, then call the API with the token:\n\n")
	who := []struct{ label, name, phone string }{{"principal", d.Principal.Name, d.Principal.Phone}}
	for _, t := range d.Teachers {
		who = append(who, struct{ label, name, phone string }{"teacher", t.Name, t.Phone})
	}
	who = append(who, struct{ label, name, phone string }{"inspector (reports with school_id=" + d.SchoolID + ")",
		d.Inspector.Name, d.Inspector.Phone})
	for _, p := range who {
		fmt.Fprintf(&b, "# %s %s\nTOKEN=$(curl -s %s/auth/login -d '{\"code\":\"dev:%s\"}' | sed 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/')\n",
			p.label, p.name, base, p.phone)
		fmt.Fprintf(&b, "curl -s %s/auth/bind-phone -H \"Authorization: Bearer $TOKEN\" -d '{\"phone_code\":\"dev:%s\"}'\n\n", base, p.phone)
	}
	fmt.Fprintf(&b, "# parent of %s\nTOKEN=$(curl -s %s/auth/login -d '{\"code\":\"dev:parent1\"}' | sed 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/')\n", d.Class, base)
	fmt.Fprintf(&b, "curl -s %s/auth/join -H \"Authorization: Bearer $TOKEN\" -d '{\"invite_code\":\"%s\",\"relation\":\"mother\",\"consent_version\":\"2026-09\"}'\n\n", base, d.InviteCode)
	fmt.Fprintf(&b, "curl -s %s/me -H \"Authorization: Bearer $TOKEN\"\n\n", base)
	_, _ = io.WriteString(w, b.String())
	_ = os.Stdout.Sync()
}
