package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"schoolcheck/model/modeltest"
)

// operatorEnv points the command line at a fresh database through the environment, as an operator would:
// a temp data_dir (embedded SQLite), or under SCHOOLCHECK_TEST_DB=mysql a fresh MariaDB database.
func operatorEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"SCHOOLCHECK_CONFIG", "SCHOOLCHECK_DATABASE_DSN", "SCHOOLCHECK_STORAGE_DRIVER",
		"SCHOOLCHECK_WECHAT_APP_ID", "SCHOOLCHECK_WECHAT_APP_SECRET", "SCHOOLCHECK_AUTH_JWT_SECRET", "SCHOOLCHECK_REDIS_ADDR"} {
		t.Setenv(k, "") // restored at cleanup
		_ = os.Unsetenv(k)
	}
	t.Setenv("SCHOOLCHECK_DATA_DIR", t.TempDir())
	t.Setenv("SCHOOLCHECK_DATABASE_DRIVER", "sqlite")
	if modeltest.Driver() == "mysql" {
		db := modeltest.Open(t)
		t.Setenv("SCHOOLCHECK_DATABASE_DRIVER", "mysql")
		t.Setenv("SCHOOLCHECK_DATABASE_DSN", db.Options.DSN)
	}
}

// cli runs the binary's command line in-process and returns what it printed.
func cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	return strings.TrimSpace(stdout.String()), err
}

func TestOperatorCommands(t *testing.T) {
	operatorEnv(t)
	boot := []string{"bootstrap", "--region", "东湖区", "--school", "第一小学", "--principal-name", "张校长",
		"--principal-phone", "139 0000 1111"}
	first, err := cli(t, boot...)
	if err != nil || first == "" {
		t.Fatalf("bootstrap: %q %v", first, err)
	}
	again, err := cli(t, boot...)
	if err != nil || again != first {
		t.Fatalf("bootstrap again printed %q (%v), want the same school id %q", again, err, first)
	}
	boot[4] = "第二小学"
	if second, err := cli(t, boot...); err != nil || second == first {
		t.Fatalf("another school: %q %v", second, err)
	}
	if _, err := cli(t, "bootstrap", "--region", "东湖区", "--school", "x", "--principal-name", "y"); err == nil ||
		!strings.Contains(err.Error(), "--principal-phone") {
		t.Fatalf("bootstrap without a phone: %v", err)
	}

	insp := []string{"inspector", "add", "--region", "东湖区", "--name", "李督学", "--phone", "13900002222"}
	id, err := cli(t, insp...)
	if err != nil || id == "" {
		t.Fatalf("inspector add: %q %v", id, err)
	}
	if id2, err := cli(t, insp...); err != nil || id2 != id {
		t.Fatalf("inspector add again: %q %v, want %q", id2, err, id)
	}
	if _, err := cli(t, "inspector", "remove"); err == nil {
		t.Fatal("inspector remove is not a command")
	}

	// Regions as a tree: the city, then 东湖区 (made by bootstrap) moved under it; safe to repeat.
	city, err := cli(t, "region", "add", "--name", "南昌市")
	if err != nil || city == "" {
		t.Fatalf("region add: %q %v", city, err)
	}
	district, err := cli(t, "region", "add", "--name", "东湖区", "--parent", "南昌市")
	if err != nil || district == "" || district == city {
		t.Fatalf("region add under the city: %q %v", district, err)
	}
	if again, err := cli(t, "region", "add", "--name", "东湖区", "--parent", "南昌市"); err != nil || again != district {
		t.Fatalf("region add again: %q %v, want %q", again, err, district)
	}
	if _, err := cli(t, "region", "add", "--name", "南昌市", "--parent", "东湖区"); err == nil {
		t.Fatal("a city moved under its own district")
	}
	if _, err := cli(t, "region", "add", "--name", "西湖区", "--parent", "没有"); err == nil || !strings.Contains(err.Error(), "--parent") {
		t.Fatalf("region add under a missing parent: %v", err)
	}
	if _, err := cli(t, "inspector", "add", "--region", "南昌市", "--name", "市督学", "--phone", "13900003333"); err != nil {
		t.Fatalf("inspector add for the city: %v", err)
	}

	out, err := cli(t, "migrate")
	if err != nil || !strings.Contains(out, "schema version") {
		t.Fatalf("migrate: %q %v", out, err)
	}
	if out2, err := cli(t, "migrate"); err != nil || !strings.Contains(out2, "schema version") {
		t.Fatalf("migrate again: %q %v", out2, err)
	}
	if _, err := cli(t, "no-such-command"); err == nil {
		t.Fatal("an unknown command succeeded")
	}
}
