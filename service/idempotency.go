package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"schoolcheck/model"
)

// IdempotencyTTL is how long a key's first response is kept.
const IdempotencyTTL = 24 * time.Hour

// staleInFlight is when a key still marked in flight is presumed abandoned (its instance died mid-request).
const staleInFlight = 2 * time.Minute

// StoredResponse is the first answer to an idempotent request, replayed to retries.
type StoredResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// IdempotencyBegin claims key for the account. It returns the stored response when the same request already
// completed, 422 idempotency_key_reused when the key came with another request, and 409
// idempotency_in_flight while the first is still running. requestHash identifies method, path and body.
func (s *Service) IdempotencyBegin(ctx context.Context, accountID, key, requestHash string) (*StoredResponse, error) {
	id := idempotencyID(accountID, key)
	now := s.now().UTC()
	db := s.read(ctx)
	row := model.IdempotencyKey{ID: id, AccountID: accountID, RequestHash: requestHash, CreatedAt: now}
	err := db.Create(&row).Error
	if err == nil {
		return nil, nil
	}
	if !model.IsDuplicate(err) {
		return nil, wrapDB(err)
	}
	var prev model.IdempotencyKey
	if err := db.Where("id = ?", id).Take(&prev).Error; err != nil {
		if model.IsNotFound(err) { // finished and removed between our insert and read: try once more
			return nil, wrapDB(db.Create(&row).Error)
		}
		return nil, wrapDB(err)
	}
	expired := now.Sub(prev.CreatedAt) > IdempotencyTTL
	abandoned := !prev.Done && now.Sub(prev.CreatedAt) > staleInFlight
	if expired || abandoned {
		res := db.Model(&model.IdempotencyKey{}).Where("id = ? AND created_at = ?", id, prev.CreatedAt).
			Updates(map[string]any{"request_hash": requestHash, "done": false, "status": 0, "body": nil, "created_at": now})
		if res.Error != nil {
			return nil, wrapDB(res.Error)
		}
		if res.RowsAffected == 1 {
			return nil, nil
		}
		return nil, conflict("idempotency_in_flight", "相同的请求正在处理中，请稍候")
	}
	if prev.RequestHash != requestHash {
		return nil, E(ErrRule, "idempotency_key_reused", "该 Idempotency-Key 已用于另一个请求")
	}
	if !prev.Done {
		return nil, conflict("idempotency_in_flight", "相同的请求正在处理中，请稍候")
	}
	return &StoredResponse{Status: prev.Status, ContentType: prev.ContentType, Body: prev.Body}, nil
}

// IdempotencyFinish stores the response for replay. A response that should not be replayed (a 5xx, so the
// client may retry) releases the key instead.
func (s *Service) IdempotencyFinish(ctx context.Context, accountID, key string, resp *StoredResponse) error {
	id := idempotencyID(accountID, key)
	db := s.read(ctx)
	if resp == nil || resp.Status >= 500 || resp.Status == 429 {
		return wrapDB(db.Where("id = ?", id).Delete(&model.IdempotencyKey{}).Error)
	}
	return wrapDB(db.Model(&model.IdempotencyKey{}).Where("id = ?", id).
		Updates(map[string]any{"done": true, "status": resp.Status, "content_type": resp.ContentType, "body": resp.Body}).Error)
}

// PurgeIdempotencyKeys deletes keys older than the retention; safe to run on several instances at once.
func (s *Service) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	res := s.read(ctx).Where("created_at < ?", s.now().UTC().Add(-IdempotencyTTL)).Delete(&model.IdempotencyKey{})
	return res.RowsAffected, wrapDB(res.Error)
}

func idempotencyID(accountID, key string) string {
	sum := sha256.Sum256([]byte(accountID + "\x00" + key))
	return hex.EncodeToString(sum[:])
}
