package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"schoolcheck/api/apitest"
)

// postKeyed posts a JSON body (sent byte for byte) with an Idempotency-Key.
func postKeyed(e *apitest.Env, path, token, key string, body []byte) *apitest.Response {
	return e.Do(apitest.Req{Method: "POST", Path: path, Token: token, Body: body,
		Headers: map[string]string{"Idempotency-Key": key}})
}

func TestIdempotencyReplay(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	p := sc.Principal.Token
	body, _ := json.Marshal(map[string]any{"grade": "二年级", "name": "1班", "student_count": 40})

	first := postKeyed(e, "classes", p, "create-class-1", body).Want(http.StatusCreated)
	n := e.Count("classes", sc.ID)
	again := postKeyed(e, "classes", p, "create-class-1", body).Want(http.StatusCreated)
	if !bytes.Equal(again.Body, first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay:\n first %s\n again %s (%v)", first.Body, again.Body, again.Header)
	}
	if e.Count("classes", sc.ID) != n {
		t.Fatal("a replay created another class")
	}
	// Same key, different body: refused, nothing created.
	other, _ := json.Marshal(map[string]any{"grade": "二年级", "name": "2班"})
	postKeyed(e, "classes", p, "create-class-1", other).WantError(http.StatusUnprocessableEntity, "idempotency_key_reused")
	// Same key on another route is another request too.
	postKeyed(e, "staff", p, "create-class-1", body).WantError(http.StatusUnprocessableEntity, "idempotency_key_reused")
	if e.Count("classes", sc.ID) != n {
		t.Fatal("a refused reuse created a class")
	}
	// Keys are per user: another principal's same key is a new request.
	sc2 := e.School()
	postKeyed(e, "classes", sc2.Principal.Token, "create-class-1", body).Want(http.StatusCreated)
	if h := postKeyed(e, "classes", sc2.Principal.Token, "create-class-1", body).Header.Get("Idempotent-Replayed"); h != "true" {
		t.Fatal("the second user's retry was not a replay")
	}
	// An error answer is replayed as well (the client sees one outcome per key).
	dup, _ := json.Marshal(map[string]any{"name": "甲", "phone": sc.Principal.Phone, "roles": []string{"teacher"}})
	r1 := postKeyed(e, "staff", p, "dup-staff", dup).WantError(http.StatusConflict, "conflict")
	r2 := postKeyed(e, "staff", p, "dup-staff", dup).WantError(http.StatusConflict, "conflict")
	if !bytes.Equal(r1.Body, r2.Body) || r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("a 409 was not replayed: %s / %s", r1.Body, r2.Body)
	}
	// Without a key every POST is new.
	e.Post("classes", p, json.RawMessage(body)).Want(http.StatusCreated)
	if e.Count("classes", sc.ID) != n+1 {
		t.Fatal("a POST without a key did not create")
	}
}

func TestIdempotencyInFlight(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	p := sc.Principal.Token
	body, _ := json.Marshal(map[string]any{"grade": "三年级", "name": "5班"})
	// The first request with this key is still running: claim the key as the middleware does, with the
	// hash of the same request (method, path and query, the membership, then the body).
	sum := sha256.Sum256(append([]byte("POST /api/v1/classes?\n"+sc.ID+"|\n"), body...))
	ctx := context.Background()
	stored, err := e.App.Idempotency.Begin(ctx, sc.Principal.AccountID, "slow-1", hex.EncodeToString(sum[:]))
	if err != nil || stored != nil {
		t.Fatalf("claim: %v %v", stored, err)
	}
	n := e.Count("classes", sc.ID)
	postKeyed(e, "classes", p, "slow-1", body).WantError(http.StatusConflict, "idempotency_in_flight")
	if e.Count("classes", sc.ID) != n {
		t.Fatal("a request refused as in flight created a class")
	}
	// A claim abandoned by a crashed instance is taken over after a while.
	e.Clock.Advance(3 * time.Minute)
	postKeyed(e, "classes", p, "slow-1", body).Want(http.StatusCreated)
	if e.Count("classes", sc.ID) != n+1 {
		t.Fatal("the retry after an abandoned claim did not create")
	}
	// A first request that ended without a response (a panic, or a 5xx) leaves the key free for a retry.
	if _, err := e.App.Idempotency.Begin(ctx, sc.Principal.AccountID, "slow-2", hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
	if err := e.App.Idempotency.Finish(ctx, sc.Principal.AccountID, "slow-2", nil); err != nil {
		t.Fatal(err)
	}
	postKeyed(e, "classes", p, "slow-2", body).Want(http.StatusCreated)
}

func TestIdempotencyKeyFormat(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	p := sc.Principal.Token
	body, _ := json.Marshal(map[string]any{"grade": "四年级", "name": "1班"})
	n := e.Count("classes", sc.ID)
	for name, key := range map[string]string{
		"too long":  strings.Repeat("k", 256),
		"non-ASCII": "键-1",
		"space":     "a b",
		"control":   "a\tb",
	} {
		if r := postKeyed(e, "classes", p, key, body); r.Code != http.StatusBadRequest || r.ErrorCode() != "invalid_argument" {
			t.Errorf("%s key: %d %s", name, r.Code, r.Body)
		}
	}
	if e.Count("classes", sc.ID) != n {
		t.Fatal("a request with an invalid key created a class")
	}
	postKeyed(e, "classes", p, strings.Repeat("k", 255), body).Want(http.StatusCreated)
	postKeyed(e, "classes", p, "~", body).Want(http.StatusCreated)
}

func TestIdempotencyKeyKept24Hours(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	body, _ := json.Marshal(map[string]any{"grade": "五年级", "name": "1班"})
	first := postKeyed(e, "classes", sc.Principal.Token, "day-key", body).Want(http.StatusCreated)
	n := e.Count("classes", sc.ID)

	e.Clock.Advance(23 * time.Hour) // tokens last 2 h: log in again, as the mini-program would
	r := postKeyed(e, "classes", e.Relogin(sc.Principal), "day-key", body).Want(http.StatusCreated)
	if !bytes.Equal(r.Body, first.Body) || e.Count("classes", sc.ID) != n {
		t.Fatalf("after 23 h the key was not replayed: %s", r.Body)
	}
	e.Clock.Advance(2 * time.Hour) // 25 h after the first request
	r = postKeyed(e, "classes", e.Relogin(sc.Principal), "day-key", body).Want(http.StatusCreated)
	if bytes.Equal(r.Body, first.Body) || r.Header.Get("Idempotent-Replayed") != "" || e.Count("classes", sc.ID) != n+1 {
		t.Fatalf("after 25 h the key was replayed: %s", r.Body)
	}
	// The purge drops what is past the retention and keeps the fresh claim.
	if _, err := e.App.Idempotency.Purge(context.Background()); err != nil {
		t.Fatal(err)
	}
	r = postKeyed(e, "classes", e.Relogin(sc.Principal), "day-key", body).Want(http.StatusCreated)
	if r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("the purge dropped a fresh key")
	}
}

// A retried upload carries a new multipart boundary: the same file is a replay, another file under the same
// key is refused rather than answered with the first file's result.
func TestIdempotencyMultipartByContent(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	key := map[string]string{"Idempotency-Key": "import-1"}
	good := []byte("姓名,手机号,角色,学科\n周老师," + apitest.Phone() + ",教师,语文\n")
	first := e.Upload("staff/import", sc.Principal.Token, "file", "a.csv", good, nil, key).Want(http.StatusOK)
	again := e.Upload("staff/import", sc.Principal.Token, "file", "a.csv", good, nil, key).Want(http.StatusOK)
	if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("same file, same key: want the first answer replayed, got %s / %s", first.Body, again.Body)
	}
	other := []byte("姓名,手机号,角色,学科\n吴老师," + apitest.Phone() + ",教师,语文\n")
	e.Upload("staff/import", sc.Principal.Token, "file", "a.csv", other, nil, key).
		WantError(http.StatusUnprocessableEntity, "idempotency_key_reused")
}

// A display link is a credential: the idempotency store keeps the answer without its URL, and a retry
// with the same key gets the same link with a fresh URL — the lost one stops working, so a retried create
// never leaves a second live link.
func TestIdempotencyDoesNotStoreDisplayLinks(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	req := apitest.Req{Method: "POST", Path: "attendance/displays", Token: sc.Principal.Token,
		Body: map[string]string{"name": "教师办公室"}, Headers: map[string]string{"Idempotency-Key": "display-1"}}
	first := e.Do(req).Want(http.StatusCreated)
	secret := func(r *apitest.Response) string { u := r.Str("url"); return u[strings.LastIndex(u, "/")+1:] }
	var stored int64
	e.DB.Table("idempotency_keys").Where("body LIKE ?", "%"+secret(first)[:20]+"%").Count(&stored)
	if stored != 0 {
		t.Fatal("the display link was stored in idempotency_keys")
	}
	second := e.Do(req).Want(http.StatusCreated)
	if second.Str("id") != first.Str("id") || second.Str("url") == first.Str("url") || second.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("a retry: %s, first %s", second.Body, first.Body)
	}
	e.Get("/display/"+secret(first), "").Want(http.StatusNotFound)
	e.Get("/display/"+secret(second), "").Want(http.StatusOK)
	if live := e.Get("attendance/displays", sc.Principal.Token).Want(http.StatusOK).Items(); len(live) != 1 {
		t.Fatalf("%d display links after a retried create", len(live))
	}
	// Revoked in between: the retry finds nothing to give again.
	e.Delete("attendance/displays/"+first.Str("id"), sc.Principal.Token).Want(http.StatusNoContent)
	e.Do(req).WantError(http.StatusNotFound, "not_found")
	// Another key is another link.
	req.Headers = map[string]string{"Idempotency-Key": "display-2"}
	if third := e.Do(req).Want(http.StatusCreated); third.Str("id") == first.Str("id") {
		t.Fatal("a new key gave the old link")
	}
}
