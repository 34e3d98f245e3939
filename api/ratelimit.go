package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// Limiter counts events per key in fixed windows. ok is false when the key is over limit; retry says when
// the window ends. With an error (its store failed) ok is still the answer to follow: a limiter without a
// fallback says true.
type Limiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) (ok bool, retry time.Duration, err error)
}

// MemoryLimiter is the single-instance limiter of the embedded default.
type MemoryLimiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	count int
	ends  time.Time
}

// NewMemoryLimiter returns an empty in-process limiter.
func NewMemoryLimiter() *MemoryLimiter { return &MemoryLimiter{buckets: map[string]*bucket{}} }

// Allow implements Limiter.
func (m *MemoryLimiter) Allow(_ context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.After(m.sweep) { // drop ended windows now and then so the map stays small
		for k, b := range m.buckets {
			if now.After(b.ends) {
				delete(m.buckets, k)
			}
		}
		m.sweep = now.Add(time.Minute)
	}
	b, ok := m.buckets[key]
	if !ok || now.After(b.ends) {
		b = &bucket{ends: now.Add(window)}
		m.buckets[key] = b
	}
	b.count++
	return b.count <= limit, b.ends.Sub(now), nil
}

// RedisOptions are the settings of the one Redis client of a server (the rate limits' counters and the
// WeChat access token): what the server uses Redis for is not worth waiting for, so a Redis that is down or
// slow costs a request at most a short timeout. Commands are not retried (-1), and the caller's context
// deadline bounds each read and write.
func RedisOptions(addr, password string, db int) *redis.Options {
	return &redis.Options{Addr: addr, Password: password, DB: db, DialTimeout: 2 * time.Second,
		ReadTimeout: time.Second, WriteTimeout: time.Second, MaxRetries: -1, ContextTimeoutEnabled: true}
}

// RedisLimiter shares the counts between instances. When Redis fails it counts in this instance's memory
// instead for redisPause, without asking Redis again meanwhile: a Redis that is down or never answers costs
// one request a short wait per pause, not every request, and the limits still protect (per instance).
type RedisLimiter struct {
	rdb      *redis.Client
	fallback *MemoryLimiter
	pauseEnd atomic.Int64 // unix nanoseconds until which Redis is not asked
}

// redisPause is how long the limiter counts in memory after Redis failed.
const redisPause = 10 * time.Second

// NewRedisLimiter uses rdb for the counters.
func NewRedisLimiter(rdb *redis.Client) *RedisLimiter {
	return &RedisLimiter{rdb: rdb, fallback: NewMemoryLimiter()}
}

var incrScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`)

// Allow implements Limiter.
func (r *RedisLimiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	if time.Now().UnixNano() < r.pauseEnd.Load() {
		return r.fallback.Allow(ctx, key, limit, window)
	}
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	res, err := incrScript.Run(ctx, r.rdb, []string{"schoolcheck:rl:" + key}, window.Milliseconds()).Int64Slice()
	if err == nil && len(res) != 2 {
		err = fmt.Errorf("rate limiter: unexpected answer %v", res)
	}
	if err != nil {
		r.pauseEnd.Store(time.Now().Add(redisPause).UnixNano())
		ok, retry, _ := r.fallback.Allow(ctx, key, limit, window)
		return ok, retry, err
	}
	return res[0] <= int64(limit), time.Duration(res[1]) * time.Millisecond, nil
}

// Rate limits per minute. A school's staff share one NAT address on the school WiFi and all open the
// mini-program in the morning rush; a class's parents join together at a parents' meeting. The per-IP limits
// leave room for that and still stop a script; the per-account limits are what stop one user hammering —
// from many addresses too — and they guard every call that costs a WeChat quota (getPhoneNumber on bind,
// msgSecCheck on feedback and replies) and every upload (a re-encode and an object-store write each).
// api/openapi.yaml states these figures; TestRateLimitsPerAccount holds each of them.
const (
	LoginPerIP = 300 // no account yet: code2session is guarded by the address alone

	BindPerIP      = 120 // bind-phone (getPhoneNumber) and join
	BindPerAccount = 10

	SwitchPerIP      = 300
	SwitchPerAccount = 30

	UploadPerIP      = 600 // POST /photos: a meal record takes a few photos, a phone check one or two
	UploadPerAccount = 30

	FeedbackPerIP      = 300 // POST /feedback and POST /feedback/{id}/replies (msgSecCheck), shared
	FeedbackPerAccount = 10
)

// rateLimit limits a route per client IP and, once authenticated, per account (0: no per-account limit).
// A limiter that fails is logged and does not refuse the request on its own account: limits protect, they
// must not take the service down (the Redis limiter counts in memory meanwhile).
func (s *server) rateLimit(name string, perIP, perAccount int, window time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		type check struct {
			key   string
			limit int
		}
		checks := []check{{name + ":ip:" + c.ClientIP(), perIP}}
		if a := actorOf(c); a != nil && perAccount > 0 {
			checks = append(checks, check{name + ":acct:" + a.AccountID, perAccount})
		}
		for _, k := range checks {
			ok, retry, err := s.limiter.Allow(c.Request.Context(), k.key, k.limit, window)
			if err != nil { // ok is the limiter's fallback, if it has one, else true
				s.log.WarnContext(c.Request.Context(), "rate limiter unavailable", "error", err)
			}
			if !ok {
				c.Header("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
				fail(c, http.StatusTooManyRequests, "rate_limited", "操作太频繁，请稍后再试")
				return
			}
		}
		c.Next()
	}
}
