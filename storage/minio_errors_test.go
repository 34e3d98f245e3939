package storage

import (
	"context"
	"errors"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

func TestClassify(t *testing.T) {
	refused := &url.Error{Op: "Put", URL: "http://127.0.0.1:9/b/k", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	cases := []struct {
		name        string
		err         error
		notFound    bool
		unavailable bool
	}{
		{"no such key", minio.ErrorResponse{Code: "NoSuchKey", StatusCode: 404}, true, false},
		{"not initialized", minio.ErrorResponse{Code: "XMinioServerNotInitialized", StatusCode: 503}, false, true},
		{"503 without code", minio.ErrorResponse{StatusCode: 503}, false, true},
		{"slow down behind a proxy", minio.ErrorResponse{Code: "SlowDown", StatusCode: 400}, false, true},
		{"access denied", minio.ErrorResponse{Code: "AccessDenied", StatusCode: 403}, false, false},
		{"connection refused", refused, false, true},
		{"deadline", context.DeadlineExceeded, false, true},
		{"caller cancelled", context.Canceled, false, false},
		{"other", errors.New("boom"), false, false},
	}
	for _, c := range cases {
		err := classify("op", "k", c.err)
		if errors.Is(err, ErrNotFound) != c.notFound || errors.Is(err, ErrUnavailable) != c.unavailable {
			t.Errorf("%s: classify = %v; want notFound=%v unavailable=%v", c.name, err, c.notFound, c.unavailable)
		}
		if !errors.Is(err, c.err) {
			t.Errorf("%s: classify lost the cause: %v", c.name, err)
		}
	}
	if classify("op", "k", nil) != nil {
		t.Error("classify(nil) != nil")
	}
}

// TestMinIOHungServer checks the bounds when MinIO accepts connections but
// never answers (a frozen process): Ping gives up on its own and reports
// ErrUnavailable, and NewMinIO returns when its ctx ends.
func TestMinIOHungServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	go func() { // accept and hold connections without a word
		var held []net.Conn
		defer func() {
			for _, c := range held {
				_ = c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	cfg := MinIOConfig{Endpoint: ln.Addr().String(), AccessKey: "k", SecretKey: "secret-key", Bucket: "photos"}

	s, err := newMinIOClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Ping(context.Background()) }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Ping against a hung server = %v, want ErrUnavailable after its timeout", err)
		}
	case <-time.After(4 * pingTimeout):
		t.Fatal("Ping against a hung server did not return")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, err := NewMinIO(ctx, cfg); !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("NewMinIO against a hung server = %v, want ErrUnavailable", err)
	}
}
