package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MinIOConfig says where the production object store is. Region may be empty:
// MinIO's default region is then assumed, which also lets PresignGet work
// without a network round trip.
type MinIOConfig struct {
	Endpoint  string // host:port, no scheme
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string
	UseSSL    bool
}

const (
	// defaultRegion is MinIO's (and S3's) default location.
	defaultRegion = "us-east-1"
	// pingTimeout keeps /readyz cheap even when MinIO hangs.
	pingTimeout = 2 * time.Second
	// newTimeout bounds NewMinIO when the caller's ctx has no deadline.
	newTimeout = 30 * time.Second
	// maxRetries is the number of attempts per request (minio-go's default of
	// 10 would hold an API request for seconds when MinIO is down).
	maxRetries = 3
	// dialTimeout is short because MinIO sits on the same network.
	dialTimeout = 5 * time.Second
)

// MinIO stores objects in one private bucket of a MinIO / S3 service. It is
// safe for concurrent use and holds no state besides the client.
type MinIO struct {
	client *minio.Client
	bucket string
	region string
}

// NewMinIO connects to MinIO and creates the bucket if it is missing. The
// bucket gets no policy, so it stays private. It fails (with ErrUnavailable)
// rather than hang when MinIO is down: the wait is bounded by ctx, or by 30 s
// when ctx has no deadline.
func NewMinIO(ctx context.Context, cfg MinIOConfig) (*MinIO, error) {
	s, err := newMinIOClient(cfg)
	if err != nil {
		return nil, err
	}
	client := s.client
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, newTimeout)
		defer cancel()
	}
	exists, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, classify("check bucket", cfg.Bucket, err)
	}
	if !exists {
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: s.region})
		if err != nil && !bucketOwned(err) {
			return nil, classify("create bucket", cfg.Bucket, err)
		}
	}
	return s, nil
}

// newMinIOClient builds the client without any network round trip.
func newMinIOClient(cfg MinIOConfig) (*MinIO, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("storage: minio endpoint and bucket are required")
	}
	region := cfg.Region
	if region == "" {
		region = defaultRegion
	}
	tr, err := minio.DefaultTransport(cfg.UseSSL)
	if err != nil {
		return nil, fmt.Errorf("storage: minio transport: %w", err)
	}
	tr.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = 30 * time.Second
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       cfg.UseSSL,
		Region:       region,
		Transport:    tr,
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   maxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("storage: minio client: %w", err)
	}
	return &MinIO{client: client, bucket: cfg.Bucket, region: region}, nil
}

// bucketOwned reports the harmless race of two instances creating the bucket.
func bucketOwned(err error) bool {
	var er minio.ErrorResponse
	return errors.As(err, &er) && er.Code == minio.BucketAlreadyOwnedByYou
}

// Put stores r (exactly size bytes; size -1 means unknown, which costs
// buffering) under key with the given Content-Type.
func (s *MinIO) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := validateKey(key); err != nil {
		return err
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType})
	return classify("put", key, err)
}

// Get opens the object; ErrNotFound when it is absent. The caller closes it.
func (s *MinIO) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := validateKey(key); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, classify("get", key, err)
	}
	// GetObject is lazy: Stat sends the request, so a missing key or a down
	// server shows here rather than on the caller's first Read.
	if _, err := obj.Stat(); err != nil {
		_ = obj.Close()
		return nil, classify("get", key, err)
	}
	return &objectReader{obj: obj, key: key}, nil
}

// objectReader maps errors in the middle of a download like any other.
type objectReader struct {
	obj *minio.Object
	key string
}

func (o *objectReader) Read(p []byte) (int, error) {
	n, err := o.obj.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = classify("read", o.key, err)
	}
	return n, err
}

func (o *objectReader) Close() error { return o.obj.Close() }

// Delete removes the object; deleting an absent object is not an error,
// so sweeps can be retried.
func (s *MinIO) Delete(ctx context.Context, key string) error {
	if err := validateKey(key); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err = classify("delete", key, err); errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// PresignGet returns a URL that lets anyone holding it read the object for
// ttl (at most MaxPresignTTL). It is computed locally, without a request.
func (s *MinIO) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := validateKey(key); err != nil {
		return "", err
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, key, clampTTL(ttl), nil)
	if err != nil {
		return "", classify("presign", key, err)
	}
	return u.String(), nil
}

// Ping checks within 2 s that MinIO answers and the bucket exists, for
// /readyz. Any failure wraps ErrUnavailable: a store we cannot use is down.
func (s *MinIO) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		if err = classify("ping", s.bucket, err); !errors.Is(err, ErrUnavailable) {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return err
	}
	if !ok {
		return fmt.Errorf("%w: bucket %q does not exist", ErrUnavailable, s.bucket)
	}
	return nil
}

// List returns the keys under prefix in lexical order, for tests and for
// sweeps of orphaned photos.
func (s *MinIO) List(ctx context.Context, prefix string) ([]string, error) {
	if err := validatePrefix(prefix); err != nil {
		return nil, err
	}
	var keys []string
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, classify("list", prefix, obj.Err)
		}
		keys = append(keys, obj.Key)
	}
	return keys, nil
}
