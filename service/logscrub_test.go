package service_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	mysqldriver "github.com/go-sql-driver/mysql"

	"schoolcheck/service"
)

// TestLogsAreScrubbed: whatever a call site hands the logger — a phone in the message or an attribute, a
// MySQL error as a value or already as text, a path, in a group or in With — the line carries none of it.
func TestLogsAreScrubbed(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(service.ScrubLogs(slog.NewJSONHandler(&buf, nil)))
	dup := fmt.Errorf("create staff: %w", &mysqldriver.MySQLError{Number: 1062, SQLState: [5]byte{'2', '3', '0', '0', '0'},
		Message: "Duplicate entry '13912345678' for key 'idx_staff_phone'"})
	log.With("caller", "13800001111").Info("bind 13912345678 failed", "phone", "+86 13912345678", "error", dup,
		"text", "Error 1064 (42000): You have an error in your SQL syntax near 'SELECT * FROM staff'",
		"file", "open /tmp/schoolcheck/objects/a.jpg: no such file or directory",
		slog.Group("wx", "phones", "13912345678,13912345679"), "wrapped", errors.New("x: /var/lib/minio/data"))
	out := buf.String()
	for _, bad := range []string{"12345678", "00001111", "2345679", "Duplicate entry", "SELECT", "Error 10", "/tmp/", "/var/"} {
		if strings.Contains(out, bad) {
			t.Errorf("the log line keeps %q: %s", bad, out)
		}
	}
	for _, good := range []string{"139****5678", "138****1111", "create staff: database error 1062", "database error 1064", "<path>",
		"139****5679"} {
		if !strings.Contains(out, good) {
			t.Errorf("the log line lacks %q: %s", good, out)
		}
	}
	// A route template and a URL are not paths.
	buf.Reset()
	log.Info("request", "route", "/api/v1/staff/:id", "url", "http://127.0.0.1:9000/bucket/schools/x.jpg")
	if !strings.Contains(buf.String(), "/api/v1/staff/:id") || !strings.Contains(buf.String(), "9000/bucket/schools/x.jpg") {
		t.Errorf("scrubbed what is fine: %s", buf.String())
	}
}

// An access line's strings (method, path, route, address, user agent, request id): every log line passes
// through the scrubber, so the common case must cost next to nothing.
func BenchmarkScrubAccessLine(b *testing.B) {
	vals := []string{"POST", "/api/v1/attendance/punches", "/api/v1/attendance/punches", "127.0.0.1",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0",
		"01a2347b-c366-73ee-985c-91848b234302", "request"}
	for b.Loop() {
		for _, v := range vals {
			_ = service.ScrubText(v)
		}
	}
}
