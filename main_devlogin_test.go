package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"schoolcheck/api/apitest"
	"schoolcheck/model/modeltest"
	"schoolcheck/storage/storagetest"
)

// buildBinary compiles the real binary into the test's temp dir, as an operator would run it.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "schoolcheck")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// binaryEnv is a clean environment for the binary: nothing of the test process's SCHOOLCHECK_* leaks in.
func binaryEnv(t *testing.T, kv ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "SCHOOLCHECK_DATA_DIR=" + t.TempDir()}
	for i := 0; i+1 < len(kv); i += 2 {
		env = append(env, kv[i]+"="+kv[i+1])
	}
	return env
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// serveBinary starts `schoolcheck serve` on a free port and returns its base URL and what it printed once
// it logs that it is listening; it is stopped (SIGTERM, as an orchestrator does) at cleanup. A binary that
// exits instead fails the test.
func serveBinary(t *testing.T, bin string, env []string) (base, printed string) {
	t.Helper()
	s := startBinary(t, bin, env)
	return s.base, s.printed
}

// server is a running `schoolcheck serve`.
type server struct {
	base, printed string
	cmd           *exec.Cmd
	rest          *apitest.SyncBuffer // what it prints after "listening"
	exited        chan error          // receives Wait's result once
}

// startBinary is serveBinary with the process, for tests that stop it themselves.
func startBinary(t *testing.T, bin string, env []string) *server {
	t.Helper()
	addr := freePort(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(env, "SCHOOLCHECK_HTTP_ADDR="+addr) // http.public_url follows the address by itself
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{base: "http://" + addr, cmd: cmd, rest: &apitest.SyncBuffer{}, exited: make(chan error, 1)}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := <-s.exited; err != nil {
			t.Logf("the server stopped at cleanup: %v", err)
		}
	})
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var seen []string
	for sc.Scan() {
		line := sc.Text()
		seen = append(seen, line)
		if strings.Contains(line, `"msg":"listening"`) {
			go func() {
				_, _ = io.Copy(s.rest, stdout)
				s.exited <- cmd.Wait()
				close(s.exited)
			}()
			s.printed = strings.Join(seen, "\n")
			return s
		}
	}
	_ = cmd.Wait()
	close(s.exited)
	t.Fatalf("the server exited before listening: %s\nstdout:\n%s", stderr.String(), strings.Join(seen, "\n"))
	return nil
}

// devLogin tries `login dev:<name>` against a running server.
func devLogin(t *testing.T, base, name string) (int, string) {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"code":"dev:`+name+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out struct {
		Token string `json:"token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Token
}

// TestDevLoginOnlyWhereAllowed starts the real binary. A production-shaped configuration (MySQL or MinIO)
// with no WeChat AppID refuses to start and names wechat.dev_login; the embedded default starts with dev
// login; with MariaDB and MinIO (the services pass) the explicit opt-in starts with dev login.
func TestDevLoginOnlyWhereAllowed(t *testing.T) {
	bin := buildBinary(t)
	jwt := []string{"SCHOOLCHECK_AUTH_JWT_SECRET", strings.Repeat("s", 40)}
	refused := map[string][]string{
		"mysql": {"SCHOOLCHECK_DATABASE_DRIVER", "mysql", "SCHOOLCHECK_DATABASE_DSN", "u:p@tcp(127.0.0.1:1)/never", jwt[0], jwt[1]},
		"minio": {"SCHOOLCHECK_STORAGE_DRIVER", "minio", "SCHOOLCHECK_STORAGE_ENDPOINT", "127.0.0.1:1",
			"SCHOOLCHECK_STORAGE_ACCESS_KEY", "ak", "SCHOOLCHECK_STORAGE_SECRET_KEY", "sk", jwt[0], jwt[1]},
	}
	for name, kv := range refused {
		t.Run("refused with "+name, func(t *testing.T) {
			cmd := exec.Command(bin, "serve")
			cmd.Env = binaryEnv(t, kv...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Fatalf("a %s server without app_id started (or failed oddly): %v %s", name, err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "wechat.dev_login") {
				t.Fatalf("the refusal does not name wechat.dev_login: %s", stderr.String())
			}
		})
	}
	t.Run("embedded default", func(t *testing.T) {
		base, _ := serveBinary(t, bin, binaryEnv(t))
		if status, token := devLogin(t, base, "alice"); status != http.StatusOK || token == "" {
			t.Fatalf("dev login in the embedded default: %d", status)
		}
	})
	if modeltest.Driver() != "mysql" || !storagetest.UsingMinIO() {
		return // the opt-in needs a real MySQL and MinIO to start against: the services pass
	}
	t.Run("mysql and minio opted in", func(t *testing.T) {
		db := modeltest.Open(t) // migrated: a production serve does not migrate by itself
		endpoint := os.Getenv(storagetest.EnvEndpoint)
		if endpoint == "" {
			endpoint = "127.0.0.1:9000"
		}
		key, sec := os.Getenv(storagetest.EnvAccessKey), os.Getenv(storagetest.EnvSecretKey)
		if key == "" {
			key, sec = "minioadmin", "minioadmin"
		}
		env := binaryEnv(t, "SCHOOLCHECK_DATABASE_DRIVER", "mysql", "SCHOOLCHECK_DATABASE_DSN", db.Options.DSN,
			"SCHOOLCHECK_STORAGE_DRIVER", "minio", "SCHOOLCHECK_STORAGE_ENDPOINT", endpoint,
			"SCHOOLCHECK_STORAGE_ACCESS_KEY", key, "SCHOOLCHECK_STORAGE_SECRET_KEY", sec,
			"SCHOOLCHECK_STORAGE_BUCKET", storagetest.UniqueBucket(), jwt[0], jwt[1],
			"SCHOOLCHECK_WECHAT_DEV_LOGIN", "true")
		base, _ := serveBinary(t, bin, env)
		if status, token := devLogin(t, base, fmt.Sprintf("bob%d", os.Getpid())); status != http.StatusOK || token == "" {
			t.Fatalf("dev login opted in: %d", status)
		}
	})
}
