// Package photos is the photo pipeline every record with pictures uses: an upload is sniffed, size- and
// pixel-limited, decoded within a memory budget, turned upright, re-encoded to a JPEG without EXIF or GPS
// and stored in the object store under schools/<id>/<yyyy>/<mm>/<uuid>.jpg; a record then attaches it (once,
// race-safe) and reads it back with fresh signed URLs; photos no record took are swept after a day.
package photos

import (
	"context"
	"io"
	"time"

	"golang.org/x/sync/semaphore"

	"schoolcheck/service"
)

// ObjectStore is what photos need from object storage (storage.MinIO or storage.Local).
type ObjectStore interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
	Ping(ctx context.Context) error
}

// Service stores and serves photos. Its methods are safe for concurrent use.
type Service struct {
	service.Core
	store ObjectStore
	// mem bounds the memory that concurrent decodes hold (see photoMemoryBudget).
	mem *semaphore.Weighted
}

// New builds the photo service over an object store.
func New(core service.Core, store ObjectStore) *Service {
	return &Service{Core: core, store: store, mem: semaphore.NewWeighted(photoMemoryBudget)}
}
