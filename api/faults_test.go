package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"schoolcheck/api/apitest"
	"schoolcheck/model"
)

// The fault tests put a TCP proxy (apitest.Proxy) between the server and each of MariaDB, MinIO and
// Redis, and break the way in three ways: down (connections reset), slow (every chunk held for an hour:
// only the request's deadline ends the wait — the database handle itself would wait ten minutes) and cut
// in the middle of a request, at every point of it in turn. They run in the services pass only
// (apitest.NewFaulty).

// faultTimeouts are the router's timeouts in these tests: short, so that a slow dependency costs the test
// two seconds, not fifteen.
var faultTimeouts = apitest.WithTimeouts(2*time.Second, 3*time.Second)

// faultWorld is a school with a parent's feedback for its leaders to answer, and the
// dependencies behind proxies.
type faultWorld struct {
	e      *apitest.Env
	f      *apitest.Faults
	sc     *apitest.School
	parent *apitest.User
	fbID   string
	n      int
	cutVia *apitest.Proxy // the proxy sweep cuts
	cutAt  int            // where cut arms it
	wasCut bool           // whether the last cut request was cut
}

func newFaultWorld(t *testing.T, opts ...apitest.Option) *faultWorld {
	e, f := apitest.NewFaulty(t, append([]apitest.Option{faultTimeouts}, opts...)...)
	w := &faultWorld{e: e, f: f, sc: e.School()}
	w.parent = w.sc.Parent(w.sc.Class(w.sc.Teacher("班主任")))
	w.fbID = e.Feedback(w.parent, "米饭不够")
	return w
}

// fileMeal uploads a photo and files a meal with it, each with a leader of its own (one record per author
// and meal), and returns the meal request's answer; a failed upload is returned instead.
func (w *faultWorld) fileMeal(t *testing.T, leader *apitest.User) *apitest.Response {
	t.Helper()
	e := w.e.For(t)
	up := upload(e, leader.Token, jpegBytes(t, 64, 48))
	if up.Code != http.StatusCreated {
		return up
	}
	return e.Post("meals", leader.Token, mealReq("2026-11-25", up.Str("id")))
}

// replier is a leader of the school who answers the parent's feedback: each leader answers a few times
// only, within the per-account limit on replies.
func (w *faultWorld) replier(t *testing.T) func() *apitest.Response {
	leader := w.sc.For(t).Leader("答复的领导")
	return func() *apitest.Response {
		w.n++
		return w.e.For(t).Post("feedback/"+w.fbID+"/replies", leader.Token, map[string]string{"content": fmt.Sprintf("第%d次答复", w.n)})
	}
}

// fault is a way to break a dependency's proxy.
type fault struct {
	name    string
	breakIt func()
}

// faultsOf are down and slow (every chunk held for an hour) on the proxy p.
func faultsOf(p *apitest.Proxy) []fault {
	return []fault{{"down", p.Down}, {"slow", func() { p.Slow(time.Hour) }}}
}

// want503 checks an answer is the contract's 503 with Retry-After.
func want503(t *testing.T, r *apitest.Response) {
	t.Helper()
	r.WantError(http.StatusServiceUnavailable, "unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Fatalf("503 without Retry-After: %s", r.Body)
	}
}

// wholeRecords checks, on the database and the bucket reached directly, that nothing is half written: every
// meal has its photo, every attached photo its meal, every photo row its object, every audit row of a meal
// or a reply its record, every leader's reply exactly one outbox message and every outbox message its reply.
func (w *faultWorld) wholeRecords(t *testing.T) {
	t.Helper()
	db, id := model.CrossSchool(w.f.Direct), w.sc.ID // every check names the school itself
	count := func(what, q string) {
		t.Helper()
		var n int64
		if err := db.Raw(q, id).Scan(&n).Error; err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != 0 {
			t.Errorf("%d × %s", n, what)
		}
	}
	count("meal without its photo", `SELECT COUNT(*) FROM meals m WHERE m.school_id = ? AND NOT EXISTS
		(SELECT 1 FROM photos p WHERE p.school_id = m.school_id AND p.attached_to = 'meal' AND p.attached_id = m.id)`)
	count("photo attached to a meal that is not there", `SELECT COUNT(*) FROM photos p WHERE p.school_id = ? AND
		p.attached_to = 'meal' AND NOT EXISTS (SELECT 1 FROM meals m WHERE m.school_id = p.school_id AND m.id = p.attached_id)`)
	count("audit row without its meal", `SELECT COUNT(*) FROM audit_logs a WHERE a.school_id = ? AND a.entity = 'meal'
		AND NOT EXISTS (SELECT 1 FROM meals m WHERE m.school_id = a.school_id AND m.id = a.entity_id)`)
	count("meal without its audit row", `SELECT COUNT(*) FROM meals m WHERE m.school_id = ? AND NOT EXISTS
		(SELECT 1 FROM audit_logs a WHERE a.school_id = m.school_id AND a.entity = 'meal' AND a.entity_id = m.id)`)
	count("audit row without its reply", `SELECT COUNT(*) FROM audit_logs a WHERE a.school_id = ? AND
		a.entity = 'feedback_reply' AND NOT EXISTS (SELECT 1 FROM feedback_replies r WHERE r.school_id = a.school_id AND r.id = a.entity_id)`)
	count("outbox message without its reply", `SELECT COUNT(*) FROM outbox o WHERE o.school_id = ? AND
		o.template = 'feedback_reply' AND NOT EXISTS (SELECT 1 FROM feedback_replies r WHERE r.school_id = o.school_id AND
		o.dedupe_key = CONCAT('feedback_reply:', r.id))`)
	count("leader's reply without exactly one outbox message", `SELECT COUNT(*) FROM feedback_replies r WHERE r.school_id = ?
		AND r.author_role <> 'parent' AND (SELECT COUNT(*) FROM outbox o WHERE o.dedupe_key = CONCAT('feedback_reply:', r.id)) <> 1`)
	var keys []string
	if err := db.Raw("SELECT object_key FROM photos WHERE school_id = ?", id).Scan(&keys).Error; err != nil {
		t.Fatal(err)
	}
	stored, err := w.f.DirectStore.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, k := range stored {
		have[k] = true
	}
	for _, k := range keys {
		if !have[k] {
			t.Errorf("photo row without its object %s", k)
		}
	}
}

// recovered checks the server works again once the fault is gone, without a restart: a meal with its
// photo and a reply.
func (w *faultWorld) recovered(t *testing.T) {
	t.Helper()
	w.e.For(t).Get("/readyz", "").Want(http.StatusOK)
	w.fileMeal(t, w.sc.For(t).Leader("恢复后的领导")).Want(http.StatusCreated)
	w.replier(t)().Want(http.StatusCreated)
}

// MariaDB down or never answering: every request that needs it — the token check, an upload, a meal, a
// reply, /readyz — is a 503 with Retry-After within the request's timeout, nothing is written, and the same
// server works again once the database is back.
func TestFaultDatabaseDownOrSlow(t *testing.T) {
	w := newFaultWorld(t)
	for _, fault := range faultsOf(w.f.DB) {
		t.Run(fault.name, func(t *testing.T) {
			e := w.e.For(t)
			leader := w.sc.For(t).Leader("领导" + fault.name)
			photo := upload(e, leader.Token, jpegBytes(t, 64, 48)).Want(http.StatusCreated).Str("id")
			reply := w.replier(t)
			fault.breakIt()
			defer w.f.DB.Up()
			requests := map[string]func() *apitest.Response{
				"me":     func() *apitest.Response { return e.Get("me", leader.Token) },
				"upload": func() *apitest.Response { return upload(e, leader.Token, jpegBytes(t, 64, 48)) },
				"meal":   func() *apitest.Response { return e.Post("meals", leader.Token, mealReq("2026-11-25", photo)) },
				"reply":  reply,
			}
			answers := map[string]*apitest.Response{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for name, r := range requests { // at once: each waits for its timeout
				wg.Add(1)
				go func() {
					defer wg.Done()
					start := time.Now()
					res := r()
					t.Logf("%s answered %d in %v", name, res.Code, time.Since(start)) // measured, never asserted
					mu.Lock()
					answers[name] = res
					mu.Unlock()
				}()
			}
			wg.Wait()
			for _, res := range answers {
				want503(t, res)
			}
			r := e.Get("/readyz", "")
			r.Want(http.StatusServiceUnavailable)
			w.f.DB.Up()
			w.wholeRecords(t)
			e.Post("meals", leader.Token, mealReq("2026-11-25", photo)).Want(http.StatusCreated)
			w.recovered(t)
		})
	}
}

// MariaDB's connection cut at every point of a request in turn — the token check, the reads, each
// statement of the transaction, its COMMIT, the reads after it: each cut request is a 503 with
// Retry-After (or, cut after its commit, the request's record is whole), and what the database holds
// afterwards is never half a record. The sweep ends at the first request the cut no longer reaches.
func TestFaultDatabaseCutMidRequest(t *testing.T) {
	w := newFaultWorld(t)
	for _, op := range []struct {
		name string
		run  func(t *testing.T) *apitest.Response
	}{
		{"meal", func(t *testing.T) *apitest.Response {
			leader := w.sc.For(t).Leader("切断")
			photo := upload(w.e.For(t), leader.Token, jpegBytes(t, 64, 48)).Want(http.StatusCreated).Str("id")
			return w.cut(func() *apitest.Response {
				return w.e.For(t).Post("meals", leader.Token, mealReq("2026-11-25", photo))
			})
		}},
		{"reply", func(t *testing.T) *apitest.Response { return w.cut(w.replier(t)) }},
		{"upload", func(t *testing.T) *apitest.Response {
			leader := w.sc.For(t).Leader("切断上传")
			return w.cut(func() *apitest.Response { return upload(w.e.For(t), leader.Token, jpegBytes(t, 64, 48)) })
		}},
	} {
		t.Run(op.name, func(t *testing.T) {
			w.sweep(t, w.f.DB, op.run)
			w.recovered(t)
		})
	}
}

// sweep runs a request again and again with the proxy's connection cut one chunk later each time, until
// the request runs whole: each cut one is a 503 with Retry-After, or a 201 when what was cut could be
// retried (a connection the pool had not used yet, MinIO's client retrying a PUT) or came after the commit;
// after each, nothing is half written.
func (w *faultWorld) sweep(t *testing.T, p *apitest.Proxy, run func(t *testing.T) *apitest.Response) {
	t.Helper()
	w.cutVia = p
	for n := 0; ; n++ {
		if n > 200 {
			t.Fatal("the request is still cut after 200 chunks")
		}
		w.cutAt = n
		r := run(t)
		if !w.wasCut {
			r.Want(http.StatusCreated)
			t.Logf("cut at each of its %d chunks", n)
			return
		}
		if r.Code != http.StatusCreated {
			want503(t, r)
		}
		w.wholeRecords(t)
		if t.Failed() {
			t.Fatalf("after the cut at chunk %d", n)
		}
	}
}

// cut arms the sweep's proxy to cut at w.cutAt chunks, runs the request, and disarms it.
func (w *faultWorld) cut(req func() *apitest.Response) *apitest.Response {
	w.cutVia.CutAfter(w.cutAt)
	r := req()
	w.wasCut = w.cutVia.Cut()
	w.cutVia.Up()
	return r
}

// MinIO down, never answering, or cut at every chunk of an upload: the upload is a 503 with Retry-After
// (within the upload timeout) and leaves no photo row without its object; the meals filed with photos
// uploaded before are not touched, and uploads work again once MinIO is back.
func TestFaultObjectStore(t *testing.T) {
	w := newFaultWorld(t)
	for _, fault := range faultsOf(w.f.Store) {
		t.Run(fault.name, func(t *testing.T) {
			e := w.e.For(t)
			leader := w.sc.For(t).Leader("领导" + fault.name)
			photo := upload(e, leader.Token, jpegBytes(t, 64, 48)).Want(http.StatusCreated).Str("id")
			fault.breakIt()
			defer w.f.Store.Up()
			start := time.Now()
			r := upload(e, leader.Token, jpegBytes(t, 64, 48))
			t.Logf("upload answered %d in %v", r.Code, time.Since(start)) // measured, never asserted
			want503(t, r)
			e.Get("/readyz", "").Want(http.StatusServiceUnavailable)
			// A meal with a photo uploaded before needs the database only.
			e.Post("meals", leader.Token, mealReq("2026-11-25", photo)).Want(http.StatusCreated)
			w.f.Store.Up()
			w.wholeRecords(t)
			w.recovered(t)
		})
	}
	t.Run("cut", func(t *testing.T) {
		leader := w.sc.For(t).Leader("切断存储")
		w.sweep(t, w.f.Store, func(t *testing.T) *apitest.Response {
			return w.cut(func() *apitest.Response { return upload(w.e.For(t), leader.Token, jpegBytes(t, 64, 48)) })
		})
		w.recovered(t)
	})
}

// Redis — the rate limits' counters and the cached WeChat access token — down, never answering, or cut:
// requests are served, within the request's timeout. The limits count in the instance's memory for a
// while (they protect, they must not take the service down); the token cache gives up on Redis after half
// a second, and WeChat calls without it are unavailable (a reply's text is kept for a later check).
func TestFaultRedis(t *testing.T) {
	w := newFaultWorld(t, apitest.WithTimeouts(4*time.Second, 4*time.Second))
	t.Run("cut", func(t *testing.T) {
		reply := w.replier(t)
		w.sweep(t, w.f.Redis, func(t *testing.T) *apitest.Response { return w.cut(reply) })
		w.recovered(t)
	})
	for _, fault := range faultsOf(w.f.Redis) {
		t.Run(fault.name, func(t *testing.T) {
			leader := w.sc.For(t).Leader("领导" + fault.name)
			reply := w.replier(t)
			fault.breakIt()
			defer w.f.Redis.Up()
			start := time.Now()
			w.fileMeal(t, leader).Want(http.StatusCreated)
			reply().Want(http.StatusCreated)
			t.Logf("a meal with its upload and a reply in %v", time.Since(start)) // measured, never asserted
			w.f.Redis.Up()
			w.wholeRecords(t)
			w.recovered(t)
		})
	}
}

// A client whose connection drops once the server has committed — the answer lost on the way back — retries
// with the same Idempotency-Key and gets the first answer, and there is one record. The connection is
// closed by the test at the moment the server stores the answer for replay, so the server finds its
// request's context cancelled from then on (as it does when a phone loses its network mid-request).
func TestIdempotentRetryAfterLostAnswer(t *testing.T) {
	e := apitest.New(t, apitest.WithOwnDatabase())
	sc := e.School()
	leader := sc.Leader("断网的领导")
	photo := photoID(e, leader.Token)
	var reqCtx atomic.Pointer[context.Context]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		reqCtx.Store(&ctx)
		e.Handler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var lost atomic.Bool
	if err := e.DB.Callback().Update().Before("gorm:update").Register("test:lose_answer", func(tx *gorm.DB) {
		if tx.Statement.Table != "idempotency_keys" || !lost.CompareAndSwap(false, true) {
			return
		}
		_ = conn.Close()
		<-(*reqCtx.Load()).Done() // the server has seen the client go
	}); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(mealReq("2026-11-25", photo))
	const key = "meal-2026-11-25-lunch"
	req := fmt.Sprintf("POST /api/v1/meals HTTP/1.1\r\nHost: schoolcheck.test\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nIdempotency-Key: %s\r\nContent-Length: %d\r\n\r\n%s", leader.Token, key, len(body), body)
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(conn); err == nil && !lost.Load() {
		t.Fatal("the answer was not lost")
	}
	retry := e.Do(apitest.Req{Method: http.MethodPost, Path: "meals", Token: leader.Token, Body: mealReq("2026-11-25", photo),
		Headers: map[string]string{"Idempotency-Key": key}}).Want(http.StatusCreated)
	if retry.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the retry ran again instead of getting the first answer: %s", retry.Body)
	}
	var ids []string
	if err := e.DB.Table("meals").Where("school_id = ? AND author_id = ?", sc.ID, leader.ID).Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || retry.Str("id") != ids[0] {
		t.Fatalf("meals %v, the retry answered %s", ids, retry.Body)
	}
}
