package storage

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// objectsPath is where Handler expects to be mounted.
const objectsPath = "/objects/"

// PresignGet returns publicURL + "/objects/<key>?exp=<unix>&sig=<hex>", valid
// for ttl (at most MaxPresignTTL), for Handler to verify. Like S3 presigning
// it does not check that the object exists.
func (l *Local) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := validateKey(key); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	exp := l.now().Add(clampTTL(ttl)).Unix()
	q := url.Values{"exp": {strconv.FormatInt(exp, 10)}, "sig": {hex.EncodeToString(l.sign(key, exp))}}
	// Keys only hold URL-safe characters, so they need no escaping.
	return l.publicURL + objectsPath + key + "?" + q.Encode(), nil
}

// sign is HMAC-SHA256 over the method, key and expiry; the method is in it
// so a signature can never be reused for another kind of access.
func (l *Local) sign(key string, exp int64) []byte {
	m := hmac.New(sha256.New, l.signKey)
	_, _ = fmt.Fprintf(m, "GET\n%s\n%d", key, exp)
	return m.Sum(nil)
}

// Handler serves GET (and HEAD) /objects/{key...} for URLs made by
// PresignGet: 403 when the signature is wrong or expired, 404 when the object
// is absent, 400 for keys that are not valid (such as traversal attempts).
// Mount it at "/objects/" with the full path preserved.
func (l *Local) Handler() http.Handler {
	return http.HandlerFunc(l.serveObject)
}

func (l *Local) serveObject(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	key, ok := strings.CutPrefix(r.URL.Path, objectsPath)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if validateKey(key) != nil {
		http.Error(w, "invalid object key", http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err != nil {
		http.Error(w, "missing or malformed link expiry", http.StatusForbidden)
		return
	}
	sig, err := hex.DecodeString(q.Get("sig"))
	if err != nil || !hmac.Equal(sig, l.sign(key, exp)) {
		http.Error(w, "invalid link signature", http.StatusForbidden)
		return
	}
	now := l.now().Unix()
	if now > exp {
		http.Error(w, "link expired", http.StatusForbidden)
		return
	}
	f, err := l.open(key)
	if err != nil {
		// open maps absence to ErrNotFound; anything else is logged, not shown.
		if !isNotFound(err) {
			slog.ErrorContext(r.Context(), "storage: serve object", "key", key, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		http.NotFound(w, r)
		return
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		slog.ErrorContext(r.Context(), "storage: stat object", "key", key, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentTypeFor(key))
	h.Set("Cache-Control", "private, max-age="+strconv.FormatInt(exp-now, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// contentTypeFor derives the type from the extension: photos are always
// re-encoded to .jpg, so they are image/jpeg; other files (e.g. exports)
// get their registered type, else a download.
func contentTypeFor(key string) string {
	ext := strings.ToLower(path.Ext(key))
	if ext == ".jpg" || ext == ".jpeg" || ext == "" {
		return "image/jpeg"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}
