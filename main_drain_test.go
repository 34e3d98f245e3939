package main

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// With http.drain_delay, a stopping instance first tells its load balancer (/readyz 503, with the server's
// check "unavailable") while it still serves requests, and closes only after the delay — or at a second
// signal, which an operator sends to stop at once. The delay here is far longer than the test, so every step
// below happens during the drain; the second SIGTERM ends it.
func TestDrainBeforeStopping(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	bin := buildBinary(t)
	s := startBinary(t, bin, binaryEnv(t, "SCHOOLCHECK_HTTP_DRAIN_DELAY", "10m"))
	if status, _ := get(t, s.base+"/readyz"); status != http.StatusOK {
		t.Fatalf("/readyz before the signal: %d", status)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(s.rest.String(), `"msg":"draining`) {
		if strings.Contains(s.rest.String(), `"msg":"shutting down`) {
			t.Fatalf("it shut down without draining:\n%s", s.rest.String())
		}
		time.Sleep(20 * time.Millisecond) // waiting for the log line, not a bound
	}
	if status, _ := get(t, s.base+"/readyz"); status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz while draining: %d, want 503", status)
	}
	var login struct{ Token string }
	call(t, "POST", s.base+"/api/v1/auth/login", "", `{"code":"dev:drain"}`, &login)
	if login.Token == "" {
		t.Fatal("no login served while draining")
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-s.exited; err != nil {
		t.Fatalf("exit after the second signal: %v\n%s", err, s.rest.String())
	}
	if out := s.rest.String(); !strings.Contains(out, "draining cut short") || !strings.Contains(out, `"msg":"stopped"`) {
		t.Fatalf("the log does not show the drain cut short and the stop:\n%s", out)
	}
}
