package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"schoolcheck/api"
	"schoolcheck/app"
	"schoolcheck/configs"
	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/notify"
	"schoolcheck/service/wechat"
	"schoolcheck/storage"
)

// runtime is everything a command needs, built from the configuration.
type runtime struct {
	cfg   configs.Config
	log   *slog.Logger
	db    *gorm.DB
	redis *redis.Client
	store interface {
		Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
		Get(ctx context.Context, key string) (io.ReadCloser, error)
		Delete(ctx context.Context, key string) error
		PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
		Ping(ctx context.Context) error
	}
	local *storage.Local
	app   *app.App
	reg   *prometheus.Registry
}

// newLogger is the process's logger: JSON lines, scrubbed of phone numbers, driver messages and paths.
func newLogger(cfg configs.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	return slog.New(service.ScrubLogs(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}

// openDB opens the configured database.
func openDB(ctx context.Context, cfg configs.Config) (*gorm.DB, error) {
	dsn := cfg.Database.DSN
	if cfg.Database.Driver == "sqlite" {
		dsn = cfg.SQLitePath()
	}
	return model.Open(ctx, model.Options{Driver: cfg.Database.Driver, DSN: dsn, MaxOpenConns: cfg.Database.MaxOpenConns,
		MaxIdleConns: cfg.Database.MaxIdleConns, ConnMaxLifetime: cfg.Database.ConnMaxLifetime,
		ConnMaxIdleTime: cfg.Database.ConnMaxIdleTime})
}

// build wires the whole application for serving.
func build(ctx context.Context, cfg configs.Config, logger *slog.Logger) (*runtime, error) {
	// The rules of a server that logs people in, above all the one that keeps dev login out of production
	// (wechat.dev_login): a production-shaped configuration without an AppID does not start.
	if err := cfg.ValidateServe(); err != nil {
		return nil, err
	}
	a := &runtime{cfg: cfg, log: logger, reg: prometheus.NewRegistry()}
	secret, err := jwtSecret(cfg)
	if err != nil {
		return nil, err
	}
	if a.db, err = openDB(ctx, cfg); err != nil {
		return nil, err
	}
	if cfg.Embedded() {
		if err := model.Migrate(ctx, a.db, logger); err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
	} else if err := model.CheckSchema(ctx, a.db); err != nil {
		return nil, err
	}
	if cfg.Redis.Addr != "" {
		a.redis = redis.NewClient(api.RedisOptions(cfg.Redis.Addr, cfg.Redis.Password, cfg.Redis.DB))
		pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err := a.redis.Ping(pingCtx).Err(); err != nil {
			return nil, fmt.Errorf("redis at %s does not answer: %w", cfg.Redis.Addr, err)
		}
	}
	switch cfg.Storage.Driver {
	case "minio":
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		m, err := storage.NewMinIO(sctx, storage.MinIOConfig{Endpoint: cfg.Storage.Endpoint, AccessKey: cfg.Storage.AccessKey,
			SecretKey: cfg.Storage.SecretKey, Bucket: cfg.Storage.Bucket, Region: cfg.Storage.Region, UseSSL: cfg.Storage.UseSSL})
		if err != nil {
			return nil, fmt.Errorf("object store: %w", err)
		}
		a.store = m
	default:
		l, err := storage.NewLocal(filepath.Join(cfg.DataDir, "objects"), append([]byte("objects:"), secret...), cfg.HTTP.PublicURL)
		if err != nil {
			return nil, err
		}
		a.store, a.local = l, l
	}
	var wx app.WeChat
	switch {
	case cfg.DevLogin() && cfg.Embedded():
		logger.Warn("wechat: no app_id configured, dev login is on (codes dev:<name>, phone codes dev:<phone>)")
		wx = wechat.NewDev(logger)
	case cfg.DevLogin():
		logger.Warn("wechat: DEV LOGIN IS ON OUTSIDE THE EMBEDDED DEFAULT (wechat.dev_login: true): anyone can log in " +
			"as anyone; a test server only, never production")
		wx = wechat.NewDev(logger)
	case cfg.WeChat.AppID == "":
		return nil, errors.New("wechat.app_id is empty and dev login is not allowed here (wechat.dev_login)")
	default:
		client, err := wechat.New(wechat.Config{AppID: cfg.WeChat.AppID, AppSecret: cfg.WeChat.AppSecret,
			APIBase: cfg.WeChat.APIBase, Timeout: cfg.WeChat.Timeout, Redis: a.redis, Logger: logger,
			Templates: cfg.WeChat.Templates, MiniprogramState: cfg.WeChat.MiniprogramState})
		if err != nil {
			return nil, err
		}
		wx = client
	}
	fields, err := notify.ParseMapping(cfg.WeChat.TemplateFields)
	if err != nil {
		return nil, err
	}
	a.app = app.New(app.Deps{DB: a.db, Store: a.store, WeChat: wx, Logger: logger, JWTSecret: secret,
		TokenTTL: cfg.Auth.TokenTTL, JobsInterval: cfg.Jobs.Interval, Registry: a.reg, TemplateFields: fields})
	return a, nil
}

func (a *runtime) close() {
	if a.db != nil {
		if s, err := a.db.DB(); err == nil {
			_ = s.Close()
		}
	}
	if a.redis != nil {
		_ = a.redis.Close()
	}
}

// jwtSecret is the configured key, or one generated once into data_dir (embedded default).
func jwtSecret(cfg configs.Config) ([]byte, error) {
	if cfg.Auth.JWTSecret != "" {
		return []byte(cfg.Auth.JWTSecret), nil
	}
	if !cfg.Embedded() {
		return nil, errors.New("auth.jwt_secret is required outside the embedded default (every instance must share it)")
	}
	path := filepath.Join(cfg.DataDir, "jwt_secret")
	if raw, err := os.ReadFile(path); err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(key) < 32 {
			return nil, fmt.Errorf("%s is damaged: delete it to generate a new one (everyone logs in again)", path)
		}
		return key, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, err
	}
	key := model.NewSecret(32)
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, err
	}
	return key, nil
}

func closeDB(db *gorm.DB) {
	if s, err := db.DB(); err == nil {
		_ = s.Close()
	}
}
