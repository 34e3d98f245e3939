package storage

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func newTestLocal(t *testing.T) (*Local, string) {
	t.Helper()
	parent := t.TempDir()
	dir := filepath.Join(parent, "objects")
	l, err := NewLocal(dir, []byte("0123456789abcdef0123456789abcdef"), "https://school.example/")
	if err != nil {
		t.Fatal(err)
	}
	// A file beside the store that no URL may reach.
	if err := os.WriteFile(filepath.Join(parent, "secret.jpg"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	return l, parent
}

// serve sends a GET for rawURL's path and query to l's handler.
func serve(l *Local, rawURL string) *httptest.ResponseRecorder {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest(http.MethodGet, "http://x"+u.RequestURI(), nil)
	rec := httptest.NewRecorder()
	l.Handler().ServeHTTP(rec, req)
	return rec
}

func TestLocalSignedURL(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLocal(t)
	const key = "schools/1/2026/03/a.jpg"
	if err := l.Put(ctx, key, strings.NewReader("jpegdata"), 8, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	good, err := l.PresignGet(ctx, key, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(good, "https://school.example/objects/"+key+"?") {
		t.Fatalf("URL %q does not start with publicURL/objects/key", good)
	}
	u, _ := url.Parse(good)
	q := u.Query()
	exp, _ := strconv.ParseInt(q.Get("exp"), 10, 64)
	sig := q.Get("sig")

	rec := serve(l, good)
	if rec.Code != http.StatusOK || rec.Body.String() != "jpegdata" {
		t.Fatalf("valid URL: %d %q", rec.Code, rec.Body.String())
	}
	if ct, cc := rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"); ct != "image/jpeg" || !strings.HasPrefix(cc, "private") {
		t.Fatalf("headers: Content-Type %q, Cache-Control %q", ct, cc)
	}

	flipped := []byte(sig)
	flipped[0] ^= 1
	signedFor := func(k string, e int64) string {
		return "/objects/" + k + "?exp=" + strconv.FormatInt(e, 10) + "&sig=" + hex.EncodeToString(l.sign(k, e))
	}
	cases := []struct {
		name string
		url  string
		want int
	}{
		{"tampered signature", "/objects/" + key + "?exp=" + q.Get("exp") + "&sig=" + string(flipped), http.StatusForbidden},
		{"extended expiry", "/objects/" + key + "?exp=" + strconv.FormatInt(exp+3600, 10) + "&sig=" + sig, http.StatusForbidden},
		{"other key", "/objects/schools/1/2026/03/b.jpg?exp=" + q.Get("exp") + "&sig=" + sig, http.StatusForbidden},
		{"no signature", "/objects/" + key + "?exp=" + q.Get("exp"), http.StatusForbidden},
		{"no expiry", "/objects/" + key + "?sig=" + sig, http.StatusForbidden},
		{"expired", signedFor(key, time.Now().Add(-time.Second).Unix()), http.StatusForbidden},
		{"absent object", signedFor("schools/1/none.jpg", exp), http.StatusNotFound},
		{"traversal", signedFor("../secret.jpg", exp), http.StatusBadRequest},
		{"encoded traversal", "/objects/%2e%2e/secret.jpg?exp=" + q.Get("exp") + "&sig=" + hex.EncodeToString(l.sign("../secret.jpg", exp)), http.StatusBadRequest},
		{"inner traversal", signedFor("schools/../../secret.jpg", exp), http.StatusBadRequest},
		{"directory", signedFor("schools/1", exp), http.StatusNotFound},
		{"temp dir", signedFor(".tmp", exp), http.StatusBadRequest},
	}
	for _, c := range cases {
		if rec := serve(l, c.url); rec.Code != c.want {
			t.Errorf("%s: status %d, want %d (body %q)", c.name, rec.Code, c.want, rec.Body.String())
		}
	}

	// The same URL stops working once its time has passed.
	l.now = func() time.Time { return time.Unix(exp+1, 0) }
	if rec := serve(l, good); rec.Code != http.StatusForbidden {
		t.Fatalf("URL after its expiry: %d, want 403", rec.Code)
	}
}

func TestLocalPutTraversalWritesNothingOutside(t *testing.T) {
	l, parent := newTestLocal(t)
	err := l.Put(context.Background(), "../escaped.jpg", strings.NewReader("x"), 1, "image/jpeg")
	if !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("Put(../escaped.jpg) = %v, want ErrInvalidKey", err)
	}
	if _, err := os.Stat(filepath.Join(parent, "escaped.jpg")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file was written outside the store: %v", err)
	}
}

func TestLocalFailedPutLeavesNoTempFile(t *testing.T) {
	l, parent := newTestLocal(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Put(context.Background(), "a/b.jpg", strings.NewReader("abc"), 5, "image/jpeg"); err == nil {
		t.Fatal("Put with a short body succeeded")
	}
	if err := l.Put(ctx, "a/c.jpg", strings.NewReader("abc"), 3, "image/jpeg"); err == nil {
		t.Fatal("Put with a cancelled context succeeded")
	}
	left, err := os.ReadDir(filepath.Join(parent, "objects", tmpDir))
	if err != nil || len(left) != 0 {
		t.Fatalf("temp dir after failed puts: %v, %v; want empty", left, err)
	}
}

func TestValidateKey(t *testing.T) {
	for _, k := range []string{"a", "a.jpg", "schools/01HX/2026/03/0f-9a_b.jpg", "a..b", "A-Z_0.9"} {
		if err := validateKey(k); err != nil {
			t.Errorf("validateKey(%q) = %v, want nil", k, err)
		}
	}
	for _, k := range []string{"", ".", "..", "../a", "a/..", "/a", "a/", "a//b", "a/.b", "a?b", "a%2fb", "a\x00"} {
		if err := validateKey(k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("validateKey(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}

func TestNewLocalRejectsShortKey(t *testing.T) {
	if _, err := NewLocal(t.TempDir(), []byte("short"), "http://x"); err == nil {
		t.Fatal("NewLocal accepted a 5-byte sign key")
	}
}
