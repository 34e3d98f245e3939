package apitest

import (
	"os"
	"os/exec"
	"testing"
)

// Chromium finds Debian's chromium (installed by scripts/chromium.sh, never downloaded) for the tests that
// drive it with chromedp: $SCHOOLCHECK_TEST_CHROMIUM, else chromium on the PATH. Outside CI a machine
// without it skips the test, saying how to get it; under CI=true that is a failure.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("SCHOOLCHECK_TEST_CHROMIUM"); p != "" {
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: scripts/test.sh installs it with scripts/chromium.sh (apt-get install chromium)")
	}
	t.Skip("chromium is not installed; run scripts/chromium.sh (apt-get install chromium) to run the browser tests")
	return ""
}
