// Package service holds schoolcheck's business rules, one file per module. Every method takes the acting
// user (an Actor) and scopes what it reads and writes by the actor's school, so no route can bypass
// authorization. It never speaks HTTP: the api package translates.
package service

import (
	"context"
	"io"
	"log/slog"
	"time"

	"golang.org/x/sync/semaphore"
	"gorm.io/gorm"

	"schoolcheck/service/wechat"
)

// objectStore is what the service needs from photo storage (storage.MinIO or storage.Local).
type objectStore interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
	Ping(ctx context.Context) error
}

// wechatClient is what the service needs from WeChat (wechat.Client, or wechat.Dev for dev login).
type wechatClient interface {
	Code2Session(ctx context.Context, code string) (wechat.Session, error)
	PhoneNumber(ctx context.Context, phoneCode string) (string, error)
	CheckText(ctx context.Context, openID, text string) (wechat.Verdict, error)
	SendSubscribe(ctx context.Context, m wechat.SubscribeMessage) error
}

// Deps are the service's collaborators, passed in by main (and by tests).
type Deps struct {
	DB     *gorm.DB
	Store  objectStore
	WeChat wechatClient
	Logger *slog.Logger
	// JWTSecret signs tokens; TokenTTL is their lifetime (at most 2h).
	JWTSecret []byte
	TokenTTL  time.Duration
	// Now is the clock; tests inject a fixed one. Defaults to time.Now.
	Now func() time.Time
}

// Service is the business layer. Its methods are safe for concurrent use.
type Service struct {
	db     *gorm.DB
	store  objectStore
	wx     wechatClient
	log    *slog.Logger
	secret []byte
	ttl    time.Duration
	now    func() time.Time
	// photoMem bounds the memory that concurrent photo decodes hold (see photoMemoryBudget).
	photoMem *semaphore.Weighted
}

// New builds the service from its dependencies.
func New(d Deps) *Service {
	s := &Service{db: d.DB, store: d.Store, wx: d.WeChat, log: d.Logger, secret: d.JWTSecret, ttl: d.TokenTTL, now: d.Now,
		photoMem: semaphore.NewWeighted(photoMemoryBudget)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.ttl <= 0 || s.ttl > 2*time.Hour {
		s.ttl = 2 * time.Hour
	}
	return s
}

// tx runs fn in one database transaction: everything fn writes, including its audit rows, lands or none does.
func (s *Service) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return wrapDB(s.db.WithContext(ctx).Transaction(fn))
}

// read gives a handle for reads outside a transaction.
func (s *Service) read(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// Ready reports whether the database and the object store answer, for /readyz.
func (s *Service) Ready(ctx context.Context) map[string]error {
	out := map[string]error{}
	sqlDB, err := s.db.DB()
	if err == nil {
		err = sqlDB.PingContext(ctx)
	}
	out["database"] = err
	if s.store != nil {
		out["storage"] = s.store.Ping(ctx)
	}
	return out
}
