package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"schoolcheck/storage"
	"schoolcheck/storage/storagetest"
)

// TestRoundTrip runs on whichever backend storagetest picks, so the same
// behaviour is checked on MinIO and on local disk.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := storagetest.Store(t)
	data := make([]byte, 300<<10)
	_, _ = rand.Read(data)
	const key = "schools/s1/2026/03/photo-1.jpg"

	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), "image/jpeg"); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := s.Put(ctx, "schools/s2/2026/03/other.jpg", strings.NewReader("x"), 1, "image/jpeg"); err != nil {
		t.Fatalf("Put other: %v", err)
	}

	rc, err := s.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	got, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Get returned %d bytes (err %v), want the %d put", len(got), err, len(data))
	}

	keys, err := s.List(ctx, "schools/s1/")
	if err != nil || !slices.Equal(keys, []string{key}) {
		t.Fatalf("List(schools/s1/) = %v, %v; want [%s]", keys, err, key)
	}
	all, err := s.List(ctx, "")
	if err != nil || len(all) != 2 {
		t.Fatalf("List(\"\") = %v, %v; want 2 keys", all, err)
	}

	u, err := s.PresignGet(ctx, key, time.Minute)
	if err != nil {
		t.Fatalf("PresignGet: %v", err)
	}
	status, header, body := fetch(t, u)
	if status != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("GET presigned URL: %d, %d bytes; want 200 and the object", status, len(body))
	}
	if ct := header.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("Content-Type = %q, want image/jpeg", ct)
	}

	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("Delete of an absent object: %v, want nil", err)
	}
	if _, err := s.Get(ctx, "schools/none.jpg"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Get of a never-written key: %v, want ErrNotFound", err)
	}
}

func TestInvalidKeysRejected(t *testing.T) {
	ctx := context.Background()
	s := storagetest.Store(t)
	for _, key := range []string{"", "../x", "/abs.jpg", "a/../b", "a//b", "a/", "a/./b", ".hidden",
		"a b", `a\b`, "a/%2e%2e/b", "ü.jpg", strings.Repeat("a", 600)} {
		if err := s.Put(ctx, key, strings.NewReader("x"), 1, "image/jpeg"); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.PresignGet(ctx, key, time.Minute); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("PresignGet(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
	if _, err := s.List(ctx, "../"); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("List(../) = %v, want ErrInvalidKey", err)
	}
	if keys, err := s.List(ctx, ""); err != nil || len(keys) != 0 {
		t.Errorf("after rejected puts List = %v, %v; want empty", keys, err)
	}
}

func TestPutShortBodyFails(t *testing.T) {
	ctx := context.Background()
	s := storagetest.Store(t)
	if err := s.Put(ctx, "short.jpg", strings.NewReader("abc"), 10, "image/jpeg"); err == nil {
		t.Fatal("Put with a body shorter than size succeeded")
	}
	if _, err := s.Get(ctx, "short.jpg"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a failed Put left an object behind: Get = %v", err)
	}
}

func TestPresignTTLCapped(t *testing.T) {
	s := storagetest.Store(t)
	u, err := s.PresignGet(context.Background(), "a.jpg", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	if exp := q.Get("exp"); exp != "" { // local
		n, _ := strconv.ParseInt(exp, 10, 64)
		if limit := time.Now().Add(storage.MaxPresignTTL + time.Second).Unix(); n > limit {
			t.Fatalf("exp %d is beyond now + 15 min (%d)", n, limit)
		}
		return
	}
	if got := q.Get("X-Amz-Expires"); got != "900" {
		t.Fatalf("X-Amz-Expires = %q, want 900", got)
	}
}

// fetch GETs u with a plain client, as the mini-program would.
func fetch(t *testing.T, u string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", u, err)
	}
	return resp.StatusCode, resp.Header, body
}
