package wechat

import (
	"context"
	"net"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"schoolcheck/service/wechat/wechattest"
)

// testRedis connects to SCHOOLCHECK_TEST_REDIS_ADDR. Unset: the test is skipped (memory cache only); set but
// unreachable: the test fails, so a broken CI setup cannot pass silently.
func testRedis(t *testing.T) *redis.Client {
	t.Helper()
	addr := os.Getenv("SCHOOLCHECK_TEST_REDIS_ADDR")
	if addr == "" {
		t.Skip("SCHOOLCHECK_TEST_REDIS_ADDR not set; Redis token cache not tested")
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("SCHOOLCHECK_TEST_REDIS_ADDR=%s unreachable: %v", addr, err)
	}
	return rdb
}

func TestRedisTokenCacheShared(t *testing.T) {
	rdb := testRedis(t)
	ctx := context.Background()
	key := redisKeyPrefix + "gowechat_miniprogram__access_token_" + wechattest.AppID
	rdb.Del(ctx, key)
	t.Cleanup(func() { rdb.Del(context.Background(), key) })

	f1 := newFixture(t, func(c *Config) { c.Redis = rdb })
	// A second instance sharing Redis and the same WeChat (the last New points the SDK at the same fake).
	c2, err := New(Config{AppID: wechattest.AppID, AppSecret: wechattest.AppSecret, APIBase: f1.fake.URL, Redis: rdb})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f1.c.CheckText(ctx, "o", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.CheckText(ctx, "o", "x"); err != nil {
		t.Fatal(err)
	}
	if n := f1.fake.Count(tokenPath); n != 1 {
		t.Fatalf("%d token fetches for two instances, want 1", n)
	}
	if ttl := rdb.TTL(ctx, key).Val(); ttl <= 0 {
		t.Fatalf("token stored without expiry (ttl %v)", ttl)
	}

	f1.fake.ExpireTokens()
	if _, err := c2.CheckText(ctx, "o", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := f1.c.CheckText(ctx, "o", "x"); err != nil {
		t.Fatal(err)
	}
	// c2 drops and replaces the token; f1.c then finds the replacement, so only one more fetch.
	if n := f1.fake.Count(tokenPath); n != 2 {
		t.Fatalf("%d token fetches, want 2", n)
	}
}

// TestRedisCacheUnreachable needs no Redis: a cache that cannot store the token makes calls ErrUnavailable.
func TestRedisCacheUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	f := newFixture(t, func(c *Config) { c.Redis = rdb })
	_, err = f.c.CheckText(context.Background(), "o", "x")
	f.wantErr(t, err, ErrUnavailable)
}
