package main

import (
	"bytes"
	"strings"
	"testing"

	"schoolcheck/configs"
)

// The process's logger is the scrubbed one (service.ScrubLogs, TestLogsAreScrubbed).
func TestProcessLoggerIsScrubbed(t *testing.T) {
	var buf bytes.Buffer
	newLogger(configs.Default(), &buf).Info("bound", "phone", "13912345678")
	if strings.Contains(buf.String(), "13912345678") || !strings.Contains(buf.String(), "139****5678") {
		t.Fatalf("log line: %s", buf.String())
	}
}
