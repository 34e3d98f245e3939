package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"
	"time"
)

// tmpDir holds uploads in progress, inside the store so the final rename is
// atomic. Keys cannot start a segment with ".", so it never clashes with one.
const tmpDir = ".tmp"

// Local stores objects as files under one directory, for the embedded
// default. Its presigned URLs point at the binary itself (see Handler) and
// are HMAC-signed, so the files stay private without MinIO.
type Local struct {
	root      *os.Root // every access goes through it: no escape from dir
	signKey   []byte
	publicURL string
	now       func() time.Time // replaced in tests to check expiry
}

// NewLocal opens (creating if needed) dir as an object store. signKey signs
// the URLs and must be at least 16 bytes; publicURL is how clients reach the
// Handler, e.g. "https://school.example.com" (no trailing slash needed).
func NewLocal(dir string, signKey []byte, publicURL string) (*Local, error) {
	if len(signKey) < 16 {
		return nil, errors.New("storage: local sign key must be at least 16 bytes")
	}
	if publicURL == "" {
		return nil, errors.New("storage: local public URL is required")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("storage: create %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", dir, err)
	}
	if err := root.MkdirAll(tmpDir, 0o750); err != nil {
		_ = root.Close()
		return nil, fmt.Errorf("storage: create %s/%s: %w", dir, tmpDir, err)
	}
	return &Local{
		root:      root,
		signKey:   append([]byte(nil), signKey...),
		publicURL: strings.TrimRight(publicURL, "/"),
		now:       time.Now,
	}, nil
}

// Put writes the object atomically (temp file, fsync, rename), so a reader
// never sees half a photo. With size >= 0 exactly size bytes must arrive.
// contentType is not stored: Handler derives it from the key's extension.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := validateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if dir := path.Dir(key); dir != "." {
		if err := l.root.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("storage: put %q: %w", key, err)
		}
	}
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	tmp := tmpDir + "/" + hex.EncodeToString(rnd[:])
	f, err := l.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return fmt.Errorf("storage: put %q: %w", key, err)
	}
	err = writeBody(ctx, f, r, size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = l.root.Rename(tmp, key)
	}
	if err != nil {
		_ = l.root.Remove(tmp)
		return fmt.Errorf("storage: put %q: %w", key, err)
	}
	return nil
}

// writeBody copies r into f (stopping when ctx ends) and syncs it.
func writeBody(ctx context.Context, f *os.File, r io.Reader, size int64) error {
	src := io.Reader(ctxReader{ctx: ctx, r: r})
	if size >= 0 {
		src = io.LimitReader(src, size)
	}
	n, err := io.Copy(f, src)
	if err != nil {
		return err
	}
	if size >= 0 && n != size {
		return fmt.Errorf("body has %d bytes, want %d: %w", n, size, io.ErrUnexpectedEOF)
	}
	return f.Sync()
}

// ctxReader stops a long copy when the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Get opens the object's file; ErrNotFound when it is absent.
func (l *Local) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := validateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := l.open(key)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// open returns the regular file for key, mapping absence to ErrNotFound.
func (l *Local) open(key string) (*os.File, error) {
	f, err := l.root.Open(key)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, fmt.Errorf("storage: get %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: get %q: %w", key, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		_ = f.Close()
		return nil, fmt.Errorf("storage: get %q: %w", key, ErrNotFound)
	}
	return f, nil
}

// Delete removes the object; deleting an absent object is not an error.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := validateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := l.root.Remove(key)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("storage: delete %q: %w", key, err)
	}
	return nil
}

// Ping checks that the directory is still there, for /readyz.
func (l *Local) Ping(ctx context.Context) error {
	if _, err := l.root.Stat(tmpDir); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return ctx.Err()
}

// List returns the keys under prefix in lexical order (as S3 does), for
// tests and sweeps. Uploads in progress are not listed.
func (l *Local) List(ctx context.Context, prefix string) ([]string, error) {
	if err := validatePrefix(prefix); err != nil {
		return nil, err
	}
	start := "."
	if i := strings.LastIndexByte(prefix, '/'); i > 0 {
		start = prefix[:i]
	}
	var keys []string
	err := fs.WalkDir(l.root.FS(), start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p == tmpDir {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && strings.HasPrefix(p, prefix) {
			keys = append(keys, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: list %q: %w", prefix, err)
	}
	sort.Strings(keys)
	return keys, nil
}
