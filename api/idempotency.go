package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"schoolcheck/service/idempotency"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// idempotency implements Idempotency-Key for POSTs: the same user, key and request get the first response
// again; the key with another request is 422; while the first runs, 409. The request is identified by
// method, route and body.
func (s *server) idempotency(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if c.Request.Method != http.MethodPost || key == "" {
		c.Next()
		return
	}
	if !validIdempotencyKey(key) {
		fail(c, http.StatusBadRequest, "invalid_argument", "Idempotency-Key 应为 1–255 个可见 ASCII 字符")
		return
	}
	a := actorOf(c)
	h := sha256.New()
	h.Write([]byte(c.Request.Method + " " + c.Request.URL.Path + "?" + c.Request.URL.RawQuery + "\n"))
	// The membership is part of the request: one membership's response is never replayed in another.
	h.Write([]byte(a.SchoolID + "|" + a.RegionID + "\n"))
	// The body is read within the route's size limit and handed on; a multipart upload is identified by its
	// parts' names and contents, since its boundary changes on every retry.
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	if err := hashBody(h, c.ContentType(), c.GetHeader("Content-Type"), body); err != nil {
		fail(c, http.StatusBadRequest, "invalid_argument", "无法解析上传内容")
		return
	}
	hash := hex.EncodeToString(h.Sum(nil))
	ctx := c.Request.Context()
	stored, err := s.idem.Begin(ctx, a.AccountID, key, hash)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if stored != nil {
		c.Header("Idempotent-Replayed", "true")
		if again, ok := s.replayers[c.FullPath()]; ok && stored.Status < 300 {
			if err := again(c, stored.Body); err != nil {
				s.writeError(c, err)
			}
			c.Abort()
			return
		}
		c.Data(stored.Status, stored.ContentType, stored.Body)
		c.Abort()
		return
	}
	rec := &recorder{ResponseWriter: c.Writer}
	c.Writer = rec
	// The key is finished even when the client has gone or the request's deadline has passed: the change
	// may have committed, and a key left in flight would answer the client's retry 409 and, once presumed
	// abandoned, run the request a second time.
	finish := func(resp *idempotency.StoredResponse) error {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
		defer cancel()
		return s.idem.Finish(fctx, a.AccountID, key, resp)
	}
	finished := false
	defer func() {
		if !finished { // a panic: release the key so the client can retry
			_ = finish(nil)
		}
	}()
	c.Next()
	finished = true
	resp := &idempotency.StoredResponse{Status: rec.Status(), ContentType: rec.Header().Get("Content-Type"), Body: rec.body.Bytes()}
	if kept, ok := c.Get(ctxReplayBody); ok && resp.Status < 300 {
		resp.Body = kept.([]byte)
	}
	if err := finish(resp); err != nil {
		s.log.WarnContext(ctx, "idempotency: could not store the response", "request_id", requestID(c), "error", err)
	}
}

const ctxReplayBody = "schoolcheck.replay_body"

// finishTimeout bounds storing an idempotent request's response after the request itself has ended.
const finishTimeout = 5 * time.Second

// keepForReplay stores v, not the response, for a retry with the same Idempotency-Key: for an answer that
// carries a credential (a display link's URL), which must never sit in the idempotency store. The route's
// replayer (replayWith) answers the retry from it.
func keepForReplay(c *gin.Context, v any) {
	if raw, err := json.Marshal(v); err == nil {
		c.Set(ctxReplayBody, raw)
	}
}

// replayWith makes a route answer a retry by calling again with what keepForReplay stored, instead of
// sending the stored answer back; call while mounting.
func (s *server) replayWith(fullPath string, again func(c *gin.Context, stored []byte) error) {
	s.replayers[fullPath] = again
}

func validIdempotencyKey(k string) bool {
	if len(k) < 1 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// recorder keeps a copy of the response body for replay.
type recorder struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) WriteString(s string) (int, error) {
	r.body.WriteString(s)
	return r.ResponseWriter.WriteString(s)
}

// hashBody writes what identifies a request body into h.
func hashBody(h io.Writer, mediaType, contentType string, body []byte) error {
	if !strings.HasPrefix(mediaType, "multipart/") {
		_, err := h.Write(body)
		return err
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return errors.New("multipart without a boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		_, _ = fmt.Fprintf(h, "part %q\n", part.FormName())
		if _, err := io.Copy(h, part); err != nil {
			return err
		}
	}
}
