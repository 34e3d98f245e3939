// Package idempotency keeps the first answer to a creating POST that carried an Idempotency-Key, so a retry
// gets it again instead of creating a second record (API.md "Idempotency").
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/jobs"
)

// Store keeps keys and their responses in the database, shared by every instance.
type Store struct{ service.Core }

// New builds the store.
func New(core service.Core) *Store { return &Store{Core: core} }

// TTL is how long a key's first response is kept.
const TTL = 24 * time.Hour

// staleInFlight is when a key still marked in flight is presumed abandoned (its instance died mid-request).
const staleInFlight = 2 * time.Minute

// StoredResponse is the first answer to an idempotent request, replayed to retries.
type StoredResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// Begin claims key for the account. It returns the stored response when the same request already
// completed, 422 idempotency_key_reused when the key came with another request, and 409
// idempotency_in_flight while the first is still running. requestHash identifies method, path and body.
func (s *Store) Begin(ctx context.Context, accountID, key, requestHash string) (*StoredResponse, error) {
	id := idempotencyID(accountID, key)
	now := s.Now().UTC()
	db := s.Read(ctx)
	row := model.IdempotencyKey{ID: id, AccountID: accountID, RequestHash: requestHash, CreatedAt: now}
	err := db.Create(&row).Error
	if err == nil {
		return nil, nil
	}
	if !model.IsDuplicate(err) {
		return nil, service.WrapDB(err)
	}
	var prev model.IdempotencyKey
	if err := db.Where("id = ?", id).Take(&prev).Error; err != nil {
		if model.IsNotFound(err) { // finished and removed between our insert and read: try once more
			return nil, service.WrapDB(db.Create(&row).Error)
		}
		return nil, service.WrapDB(err)
	}
	expired := now.Sub(prev.CreatedAt) > TTL
	abandoned := !prev.Done && now.Sub(prev.CreatedAt) > staleInFlight
	if expired || abandoned {
		res := db.Model(&model.IdempotencyKey{}).Where("id = ? AND created_at = ?", id, prev.CreatedAt).
			Updates(map[string]any{"request_hash": requestHash, "done": false, "status": 0, "body": nil, "created_at": now})
		if res.Error != nil {
			return nil, service.WrapDB(res.Error)
		}
		if res.RowsAffected == 1 {
			return nil, nil
		}
		return nil, service.Conflict("idempotency_in_flight", "相同的请求正在处理中，请稍候")
	}
	if prev.RequestHash != requestHash {
		return nil, service.Rule("idempotency_key_reused", "该 Idempotency-Key 已用于另一个请求")
	}
	if !prev.Done {
		return nil, service.Conflict("idempotency_in_flight", "相同的请求正在处理中，请稍候")
	}
	return &StoredResponse{Status: prev.Status, ContentType: prev.ContentType, Body: prev.Body}, nil
}

// Finish stores the response for replay. A response that should not be replayed (a 5xx, so the
// client may retry) releases the key instead.
func (s *Store) Finish(ctx context.Context, accountID, key string, resp *StoredResponse) error {
	id := idempotencyID(accountID, key)
	db := s.Read(ctx)
	if resp == nil || resp.Status >= 500 || resp.Status == 429 {
		return service.WrapDB(db.Where("id = ?", id).Delete(&model.IdempotencyKey{}).Error)
	}
	return service.WrapDB(db.Model(&model.IdempotencyKey{}).Where("id = ?", id).
		Updates(map[string]any{"done": true, "status": resp.Status, "content_type": resp.ContentType, "body": resp.Body}).Error)
}

// Purge deletes keys older than the retention; safe to run on several instances at once.
func (s *Store) Purge(ctx context.Context) (int64, error) {
	res := s.Read(ctx).Where("created_at < ?", s.Now().UTC().Add(-TTL)).Delete(&model.IdempotencyKey{})
	return res.RowsAffected, service.WrapDB(res.Error)
}

func idempotencyID(accountID, key string) string {
	sum := sha256.Sum256([]byte(accountID + "\x00" + key))
	return hex.EncodeToString(sum[:])
}

// Job purges expired keys every ten minutes.
func (s *Store) Job() jobs.Job {
	return jobs.Job{Name: "idempotency.purge", Every: 10 * time.Minute, Run: func(ctx context.Context, _ jobs.Slot) error {
		_, err := s.Purge(ctx)
		return err
	}}
}
