package apitest

import (
	"context"
	"os"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"schoolcheck/api"
	"schoolcheck/model"
	"schoolcheck/model/modeltest"
	"schoolcheck/storage"
	"schoolcheck/storage/storagetest"
)

// Faults are the dependencies of an environment built by NewFaulty, each reached through its Proxy, and
// the same database and bucket reached directly, for the test's own checks while the way in is broken.
type Faults struct {
	DB, Store, Redis *Proxy
	Direct           *gorm.DB
	DirectStore      *storage.MinIO
}

// NewFaulty builds an environment whose MariaDB, MinIO and Redis are all reached through proxies the test
// takes down, slows or cuts (a database and a bucket of its own). The database handle waits for the
// database as long as it likes (its read and write timeouts are ten minutes): only the request's deadline
// bounds a request. Fault tests run in the services pass; in the embedded pass (SQLite, local disk: no
// network between the server and its dependencies) they skip, and a services pass without MinIO or Redis
// configured fails.
func NewFaulty(t *testing.T, opts ...Option) (*Env, *Faults) {
	t.Helper()
	if modeltest.Driver() != "mysql" {
		t.Skip("fault injection needs the services pass (SCHOOLCHECK_TEST_DB=mysql): SQLite and local disk have no network to break")
	}
	redisAddr := os.Getenv("SCHOOLCHECK_TEST_REDIS_ADDR")
	if !storagetest.UsingMinIO() || redisAddr == "" {
		t.Fatalf("the services pass needs MinIO (%s=minio) and Redis (SCHOOLCHECK_TEST_REDIS_ADDR) for the fault tests", storagetest.EnvStorage)
	}
	fresh := modeltest.Open(t)
	f := &Faults{Direct: fresh.DB}
	cfg, err := mysqldriver.ParseDSN(fresh.Options.DSN)
	if err != nil {
		t.Fatal(err)
	}
	f.DB = NewProxy(t, cfg.Addr)
	cfg.Addr = f.DB.Addr()
	cfg.ReadTimeout, cfg.WriteTimeout = 10*time.Minute, 10*time.Minute
	opts0 := fresh.Options
	opts0.DSN = cfg.FormatDSN()
	db, err := model.Open(context.Background(), opts0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := db.DB(); err == nil {
			_ = s.Close()
		}
	})
	f.Store = NewProxy(t, storagetest.Endpoint())
	var via *storage.MinIO
	via, f.DirectStore = storagetest.MinIOVia(t, f.Store.Addr())
	f.Redis = NewProxy(t, redisAddr)
	rdb := redis.NewClient(api.RedisOptions(f.Redis.Addr(), "", 1))
	t.Cleanup(func() { _ = rdb.Close() })
	opts = append([]Option{WithDatabase(db), WithStore(via), WithRedis(rdb)}, opts...)
	return New(t, opts...), f
}
