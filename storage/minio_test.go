package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"schoolcheck/storage"
	"schoolcheck/storage/storagetest"
)

// promptly bounds how long an outage may take to surface. It is not a
// performance assertion: without the bounded ctx and retries the calls
// below would hang for minutes.
const promptly = 10 * time.Second

// TestMinIODownAndBack stops a private MinIO under a live store and checks
// that callers get ErrUnavailable quickly, then that the store recovers.
func TestMinIODownAndBack(t *testing.T) {
	p := storagetest.MinIOProcess(t)
	ctx := context.Background()
	cfg := p.Config(storagetest.UniqueBucket())
	s, err := storage.NewMinIO(ctx, cfg)
	if err != nil {
		t.Fatalf("NewMinIO: %v", err)
	}
	const key = "schools/1/2026/03/a.jpg"
	data := []byte("a photo")
	if err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), "image/jpeg"); err != nil {
		t.Fatalf("Put: %v", err)
	}

	// The bucket is private: an anonymous GET is refused.
	resp, err := http.Get("http://" + p.Endpoint() + "/" + cfg.Bucket + "/" + key)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("anonymous GET: %s, want 403", resp.Status)
	}

	p.Stop()
	start := time.Now()
	if err := s.Ping(ctx); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("Ping while down = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > promptly {
		t.Fatalf("Ping while down took %s", d)
	}
	putCtx, cancel := context.WithTimeout(ctx, promptly)
	defer cancel()
	if err := s.Put(putCtx, "b.jpg", bytes.NewReader(data), int64(len(data)), "image/jpeg"); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("Put while down = %v, want ErrUnavailable", err)
	}
	if _, err := s.Get(putCtx, key); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("Get while down = %v, want ErrUnavailable", err)
	}
	newCtx, cancelNew := context.WithTimeout(ctx, 2*time.Second)
	defer cancelNew()
	if _, err := storage.NewMinIO(newCtx, cfg); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("NewMinIO while down = %v, want ErrUnavailable", err)
	}

	p.Start()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping after restart: %v", err)
	}
	rc, err := s.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get after restart: %v", err)
	}
	defer func() { _ = rc.Close() }()
	if got, err := io.ReadAll(rc); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Get after restart = %q, %v; want %q", got, err, data)
	}
}

// TestNewMinIOBadCredentials checks that a misconfiguration is an error but
// not reported as an outage (so /readyz logs point at the config).
func TestNewMinIOBadCredentials(t *testing.T) {
	p := storagetest.MinIOProcess(t)
	cfg := p.Config(storagetest.UniqueBucket())
	cfg.SecretKey = "wrong-secret"
	ctx, cancel := context.WithTimeout(context.Background(), promptly)
	defer cancel()
	_, err := storage.NewMinIO(ctx, cfg)
	if err == nil || errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("NewMinIO with a wrong secret = %v, want a non-outage error", err)
	}
}
