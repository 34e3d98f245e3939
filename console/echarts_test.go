package console_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmbeddedEChartsMatchesItsChecksum holds the embedded ECharts files to the SHA256SUMS that
// scripts/echarts.sh recorded when it copied them from the npm package, and VERSION to the pinned version.
func TestEmbeddedEChartsMatchesItsChecksum(t *testing.T) {
	dir := filepath.Join("static", "echarts")
	f, err := os.Open(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("bad line %q", sc.Text())
		}
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(raw)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s does not match SHA256SUMS: run scripts/echarts.sh", name)
		}
		seen[name] = true
	}
	for _, n := range []string{"echarts.min.js", "LICENSE", "LICENSE.zrender"} {
		if !seen[n] {
			t.Errorf("SHA256SUMS does not list %s", n)
		}
	}
	v, err := os.ReadFile(filepath.Join(dir, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join("..", "scripts", "echarts.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(v), "echarts ") || !strings.Contains(string(script), `ECHARTS_VERSION:-`+strings.Fields(string(v))[1]+`}`) {
		t.Errorf("VERSION %q is not the version scripts/echarts.sh pins", v)
	}
}
