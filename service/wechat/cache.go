package wechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/cache"
)

// tokenCache is the SDK's cache.Cache plus the compare-and-delete that makes "drop the rejected token" safe
// when many calls see the same rejection at once: only the first drops it, the rest reuse its replacement.
type tokenCache interface {
	cache.Cache
	deleteIfEqual(key, val string) error
}

// memoryCache replaces the SDK's cache.NewMemory, whose Get reads its map without the lock.
type memoryCache struct {
	mu   sync.Mutex
	data map[string]memoryEntry
}

type memoryEntry struct {
	val     any
	expires time.Time
}

func newMemoryCache() *memoryCache { return &memoryCache{data: map[string]memoryEntry{}} }

// Get returns the live value under key, or nil.
func (m *memoryCache) Get(key string) any {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.data[key]
	if !ok {
		return nil
	}
	if !time.Now().Before(e.expires) {
		delete(m.data, key)
		return nil
	}
	return e.val
}

// Set stores val for timeout; a non-positive timeout stores nothing (the value is already stale).
func (m *memoryCache) Set(key string, val any, timeout time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if timeout <= 0 {
		delete(m.data, key)
		return nil
	}
	m.data[key] = memoryEntry{val: val, expires: time.Now().Add(timeout)}
	return nil
}

// IsExist reports whether a live value is stored under key.
func (m *memoryCache) IsExist(key string) bool { return m.Get(key) != nil }

// Delete removes key.
func (m *memoryCache) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	return nil
}

func (m *memoryCache) deleteIfEqual(key, val string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.data[key]; ok && e.val == any(val) {
		delete(m.data, key)
	}
	return nil
}

// redisKeyPrefix keeps our keys apart from the rest of the app's Redis use.
const redisKeyPrefix = "schoolcheck:wechat:"

// errTokenCache marks a failure of the shared token cache; classify reports it as ErrUnavailable.
var errTokenCache = errors.New("token cache unavailable")

// redisCache shares the access token between instances over go-redis v9 (the SDK's own Redis cache is v8).
// Only string values are stored: the SDK caches nothing else for the mini-program APIs we call.
type redisCache struct {
	rdb     *redis.Client
	timeout time.Duration
	log     *slog.Logger
}

// redisOpTimeout bounds one command of the cache: the SDK gives the cache no context, and reads the token
// twice per call, so a Redis that never answers would otherwise hold every WeChat call for twice the client's
// read timeout; a token read from Redis on the same network takes a millisecond.
const redisOpTimeout = 500 * time.Millisecond

func newRedisCache(rdb *redis.Client, timeout time.Duration, log *slog.Logger) *redisCache {
	return &redisCache{rdb: rdb, timeout: min(timeout, redisOpTimeout), log: log}
}

func (r *redisCache) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), r.timeout)
}

// Get returns the stored string, or nil when absent or when Redis fails (the SDK then fetches a token and
// its Set reports the failure).
func (r *redisCache) Get(key string) any {
	ctx, cancel := r.ctx()
	defer cancel()
	v, err := r.rdb.Get(ctx, redisKeyPrefix+key).Result()
	if err != nil {
		if !errors.Is(err, redis.Nil) {
			r.log.Warn("wechat token cache read failed", "err", err)
		}
		return nil
	}
	return v
}

// Set stores a string value for timeout. go-redis treats a non-positive expiration as "forever", so such a
// value is not stored at all.
func (r *redisCache) Set(key string, val any, timeout time.Duration) error {
	s, ok := val.(string)
	if !ok {
		return fmt.Errorf("wechat token cache: cannot store %T", val)
	}
	if timeout <= 0 {
		return r.Delete(key)
	}
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.rdb.Set(ctx, redisKeyPrefix+key, s, timeout).Err(); err != nil {
		return fmt.Errorf("%w: %v", errTokenCache, err)
	}
	return nil
}

// IsExist reports whether key is stored.
func (r *redisCache) IsExist(key string) bool {
	ctx, cancel := r.ctx()
	defer cancel()
	n, err := r.rdb.Exists(ctx, redisKeyPrefix+key).Result()
	return err == nil && n > 0
}

// Delete removes key.
func (r *redisCache) Delete(key string) error {
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.rdb.Del(ctx, redisKeyPrefix+key).Err(); err != nil {
		return fmt.Errorf("%w: %v", errTokenCache, err)
	}
	return nil
}

// deleteIfEqualScript deletes KEYS[1] only while it still holds ARGV[1], atomically.
var deleteIfEqualScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0`)

func (r *redisCache) deleteIfEqual(key, val string) error {
	ctx, cancel := r.ctx()
	defer cancel()
	if err := deleteIfEqualScript.Run(ctx, r.rdb, []string{redisKeyPrefix + key}, val).Err(); err != nil {
		return fmt.Errorf("%w: %v", errTokenCache, err)
	}
	return nil
}
