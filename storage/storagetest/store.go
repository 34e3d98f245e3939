// Package storagetest gives tests of any package a real object store: a MinIO
// bucket when the test run asks for MinIO (scripts/test.sh does), otherwise a
// local-disk store in a temp dir, with its signed-URL handler served by an
// httptest server so presigned URLs can be fetched. It also runs a private
// MinIO server that tests can stop and start to check outage handling.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"schoolcheck/storage"
)

// ObjectStore is the method set shared by storage.MinIO and storage.Local,
// declared here so tests can hold either. (It cannot be named Store: that is
// the constructor's name.)
type ObjectStore interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
	Ping(ctx context.Context) error
	List(ctx context.Context, prefix string) ([]string, error)
}

// Environment variables that select and configure the backend.
const (
	EnvStorage   = "SCHOOLCHECK_TEST_STORAGE"          // "minio" or "local" (default)
	EnvEndpoint  = "SCHOOLCHECK_TEST_MINIO_ENDPOINT"   // default 127.0.0.1:9000
	EnvAccessKey = "SCHOOLCHECK_TEST_MINIO_ACCESS_KEY" // default minioadmin
	EnvSecretKey = "SCHOOLCHECK_TEST_MINIO_SECRET_KEY" // default minioadmin
)

// UsingMinIO reports whether this test run targets MinIO.
func UsingMinIO() bool { return os.Getenv(EnvStorage) == "minio" }

// MinIOSecretKey is the secret key the tests give MinIO.
func MinIOSecretKey() string { return envOr(EnvSecretKey, "minioadmin") }

// Store returns a fresh, empty store for one test. With MinIO it is a new
// bucket, emptied and removed at cleanup; a configured but unreachable MinIO
// fails the test (never skips), so a broken CI cannot pass by accident.
func Store(t testing.TB) ObjectStore {
	t.Helper()
	if UsingMinIO() {
		return minioStore(t, minioConfigFromEnv(UniqueBucket()))
	}
	return localStore(t)
}

// UniqueBucket returns a bucket name no other test uses.
func UniqueBucket() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "test-" + hex.EncodeToString(b[:])
}

func minioConfigFromEnv(bucket string) storage.MinIOConfig {
	return storage.MinIOConfig{
		Endpoint:  envOr(EnvEndpoint, "127.0.0.1:9000"),
		AccessKey: envOr(EnvAccessKey, "minioadmin"),
		SecretKey: envOr(EnvSecretKey, "minioadmin"),
		Bucket:    bucket,
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// minioStore creates the bucket of cfg and registers its removal.
func minioStore(t testing.TB, cfg storage.MinIOConfig) *storage.MinIO {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := storage.NewMinIO(ctx, cfg)
	if err != nil {
		t.Fatalf("storagetest: MinIO at %s is configured (%s=minio) but not usable: %v", cfg.Endpoint, EnvStorage, err)
	}
	t.Cleanup(func() { removeBucket(t, s, cfg) })
	return s
}

// removeBucket empties and deletes a test bucket. Failures are logged, not
// fatal: a leftover bucket only costs disk in a throwaway data dir.
func removeBucket(t testing.TB, s *storage.MinIO, cfg storage.MinIOConfig) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keys, err := s.List(ctx, "")
	if err != nil {
		t.Logf("storagetest: list bucket %s for cleanup: %v", cfg.Bucket, err)
		return
	}
	for _, k := range keys {
		if err := s.Delete(ctx, k); err != nil {
			t.Logf("storagetest: cleanup delete %s: %v", k, err)
		}
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL,
	})
	if err == nil {
		err = client.RemoveBucket(ctx, cfg.Bucket)
	}
	if err != nil {
		t.Logf("storagetest: remove bucket %s: %v", cfg.Bucket, err)
	}
}

// localStore makes a Local in t.TempDir() whose presigned URLs point at an
// httptest server running its Handler.
func localStore(t testing.TB) *storage.Local {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	l, err := storage.NewLocal(t.TempDir(), key, "http://"+srv.Listener.Addr().String())
	if err != nil {
		srv.Close()
		t.Fatalf("storagetest: local store: %v", err)
	}
	srv.Config.Handler = l.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return l
}

// Endpoint is the test run's MinIO (host:port).
func Endpoint() string { return envOr(EnvEndpoint, "127.0.0.1:9000") }

// MinIOVia is a fresh bucket of the test run's MinIO twice: reached through endpoint (a proxy in front of
// Endpoint, which the test breaks) and reached directly (for the test's own checks). The bucket is created
// directly and removed at cleanup.
func MinIOVia(t testing.TB, endpoint string) (via, direct *storage.MinIO) {
	t.Helper()
	cfg := minioConfigFromEnv(UniqueBucket())
	direct = minioStore(t, cfg)
	cfg.Endpoint = endpoint
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	via, err := storage.NewMinIO(ctx, cfg)
	if err != nil {
		t.Fatalf("storagetest: MinIO through %s: %v", endpoint, err)
	}
	return via, direct
}
