package storagetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"schoolcheck/storage"
)

// EnvMinIOBin names the minio server binary for MinIOProcess.
const EnvMinIOBin = "SCHOOLCHECK_TEST_MINIO_BIN"

const (
	procUser     = "storagetest"
	procPassword = "storagetest-secret"
	readyTimeout = 60 * time.Second
	stopTimeout  = 10 * time.Second
)

// Proc is a MinIO server owned by one test, so the test can take it down and
// bring it back (same port, same data) without disturbing other tests.
type Proc struct {
	t       testing.TB
	bin     string
	dataDir string
	addr    string
	console string

	logPath string

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil while stopped
	exited chan struct{} // closed when cmd has been waited for
}

// MinIOProcess starts a private MinIO server on a free loopback port with a
// temp data dir and waits until it is ready; it is stopped at cleanup. When
// the binary is missing the test fails under CI or a MinIO run, else skips.
func MinIOProcess(t testing.TB) *Proc {
	t.Helper()
	bin := findMinIO()
	if bin == "" {
		msg := "storagetest: no minio binary (set " + EnvMinIOBin + ", put minio on PATH, or run scripts/services.sh)"
		if os.Getenv("CI") == "true" || UsingMinIO() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	p := &Proc{t: t, bin: bin, dataDir: t.TempDir(), addr: freeAddr(t), console: freeAddr(t)}
	p.logPath = filepath.Join(t.TempDir(), "minio.log")
	t.Cleanup(p.Stop)
	p.Start()
	return p
}

// findMinIO looks where scripts/services.sh installs minio, after the
// explicit setting and PATH.
func findMinIO() string {
	if bin := os.Getenv(EnvMinIOBin); bin != "" {
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
		return ""
	}
	if bin, err := exec.LookPath("minio"); err == nil {
		return bin
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		return ""
	}
	for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
		bin := filepath.Join(dir, "bin", "minio")
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
	}
	return ""
}

// freeAddr picks a loopback port that is free right now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("storagetest: find free port: %v", err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// Endpoint is host:port of the server, as MinIOConfig wants it.
func (p *Proc) Endpoint() string { return p.addr }

// Config returns a config for a bucket on this server.
func (p *Proc) Config(bucket string) storage.MinIOConfig {
	return storage.MinIOConfig{Endpoint: p.addr, AccessKey: procUser, SecretKey: procPassword, Bucket: bucket}
}

// Start (re)starts the server on the same port and data dir and waits until
// it serves requests; calling it while running does nothing.
func (p *Proc) Start() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return
	}
	logFile, err := os.OpenFile(p.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		p.t.Fatalf("storagetest: minio log: %v", err)
	}
	defer func() { _ = logFile.Close() }() // the child keeps its own descriptor
	cmd := exec.Command(p.bin, "server", "--quiet", "--address", p.addr, "--console-address", p.console, p.dataDir)
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+procUser, "MINIO_ROOT_PASSWORD="+procPassword,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("storagetest: start %s: %v", p.bin, err)
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	go func(exited chan<- struct{}) {
		_ = cmd.Wait() // its status says nothing useful: the test stops it, or the log tells why
		close(exited)
	}(p.exited)
	if err := waitReady(p.addr, p.exited); err != nil {
		p.stopLocked()
		log, _ := os.ReadFile(p.logPath)
		p.t.Fatalf("storagetest: minio on %s not ready: %v\n%s", p.addr, err, log)
	}
}

// Stop terminates the server (SIGTERM, then SIGKILL after 10 s) and waits
// for it to exit, so the port is closed when Stop returns.
func (p *Proc) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopLocked()
}

func (p *Proc) stopLocked() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	p.cmd, p.exited = nil, nil
}

// waitReady polls MinIO's readiness probe until it answers 200, the process
// exits, or readyTimeout passes.
func waitReady(addr string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	url := "http://" + addr + "/minio/health/ready"
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		select {
		case <-exited:
			return errors.New("process exited early")
		case <-ctx.Done():
			return fmt.Errorf("after %s: %w", readyTimeout, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
