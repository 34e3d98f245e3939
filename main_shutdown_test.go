package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"schoolcheck/model"
	"schoolcheck/model/modeltest"
	"schoolcheck/storage/storagetest"
)

// TestGracefulShutdownUnderLoad runs two instances of the real binary on one MariaDB and one MinIO bucket,
// as behind a load balancer, and stops the first with SIGTERM in the middle of a rush of sign-ins (each a
// write: a new account). A request the first instance accepted is answered; only connections it refused
// once it stopped listening go to the second, as a load balancer would send them. Every answered sign-in's
// account is in the database, the first instance exits 0 after saying it stopped, and the scheduler's
// slots (photos.sweep, one a second here) are taken by the second instance from then on.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	if modeltest.Driver() != "mysql" || !storagetest.UsingMinIO() {
		t.Skip("two instances on one database: the services pass (MariaDB + MinIO)")
	}
	bin := buildBinary(t)
	db := modeltest.Open(t)
	endpoint := storagetest.Endpoint()
	key, sec := os.Getenv(storagetest.EnvAccessKey), os.Getenv(storagetest.EnvSecretKey)
	if key == "" {
		key, sec = "minioadmin", "minioadmin"
	}
	bucket := storagetest.UniqueBucket()
	env := func() []string {
		return binaryEnv(t, "SCHOOLCHECK_DATABASE_DRIVER", "mysql", "SCHOOLCHECK_DATABASE_DSN", db.Options.DSN,
			"SCHOOLCHECK_STORAGE_DRIVER", "minio", "SCHOOLCHECK_STORAGE_ENDPOINT", endpoint,
			"SCHOOLCHECK_STORAGE_ACCESS_KEY", key, "SCHOOLCHECK_STORAGE_SECRET_KEY", sec,
			"SCHOOLCHECK_STORAGE_BUCKET", bucket, "SCHOOLCHECK_AUTH_JWT_SECRET", strings.Repeat("s", 40),
			"SCHOOLCHECK_WECHAT_DEV_LOGIN", "true", "SCHOOLCHECK_JOBS_INTERVAL", "1s")
	}
	slots := func() []model.JobRun {
		var rows []model.JobRun
		if err := db.DB.Where("job = ?", "photos.sweep").Order("slot").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		return rows
	}
	a := startBinary(t, bin, env())
	// The first instance alone takes the slots: its holder.
	var holderA string
	for holderA == "" {
		time.Sleep(100 * time.Millisecond) // polling the database, not a bound
		for _, r := range slots() {
			if r.DoneAt != nil {
				holderA = r.Holder
			}
		}
	}
	b := startBinary(t, bin, env())

	// The rush: 16 clients, 400 sign-ins, SIGTERM to the first instance after the 100th answer.
	const total, clients = 400, 16
	var (
		next, answered atomic.Int64
		mu             sync.Mutex
		ok             = map[string]bool{}
		lost           []string
		unanswered     = map[string]string{}
		stop           sync.Once
	)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	signIn := func(base, name string) (int, error) {
		req, err := http.NewRequest(http.MethodPost, base+"/api/v1/auth/login", strings.NewReader(`{"code":"dev:`+name+`"}`))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		// A request with an Idempotency-Key is one Go's client sends again on a fresh connection when the
		// server closed an idle one under it, before reading the request: not accepted, not lost.
		req.Header.Set("Idempotency-Key", name)
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer func() { _ = resp.Body.Close() }()
		return resp.StatusCode, nil
	}
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > total {
					return
				}
				name := fmt.Sprintf("rush%d", i)
				status, err := signIn(a.base, name)
				if errors.Is(err, syscall.ECONNREFUSED) { // A no longer listens: the balancer's next
					status, err = signIn(b.base, name)
				}
				mu.Lock()
				switch {
				case err != nil:
					unanswered[name] = err.Error()
				case status != http.StatusOK:
					lost = append(lost, fmt.Sprintf("%s: status %d", name, status))
				default:
					ok[name] = true
				}
				mu.Unlock()
				if answered.Add(1) == 100 {
					stop.Do(func() { _ = a.cmd.Process.Signal(syscall.SIGTERM) })
				}
			}
		}()
	}
	wg.Wait()
	if err := <-a.exited; err != nil {
		t.Fatalf("the first instance did not exit cleanly: %v\n%s", err, a.rest.String())
	}
	if !strings.Contains(a.rest.String(), `"msg":"stopped"`) {
		t.Fatalf("the first instance did not say it stopped:\n%s", a.rest.String())
	}
	// A connection the first instance's kernel had queued but the server never took (its listener closed
	// under it) is reset: that request was not accepted — nothing of it was done — and the client, or the
	// balancer, sends it again to the second. One the server had read and then dropped would be lost: its
	// account would be there without an answer.
	for name, why := range unanswered {
		var n int64
		if err := db.DB.Table("accounts").Where("open_id = ?", "dev_"+name).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			lost = append(lost, name+" done without an answer: "+why)
			continue
		}
		if status, err := signIn(b.base, name); err != nil || status != http.StatusOK {
			lost = append(lost, fmt.Sprintf("%s: again on the second instance: %d %v", name, status, err))
			continue
		}
		ok[name] = true
	}
	t.Logf("%d sign-ins answered by the instances, %d reset before the first instance read them and sent again",
		total-len(unanswered), len(unanswered))
	if len(lost) > 0 {
		t.Fatalf("%d of %d sign-ins lost or refused, e.g. %v", len(lost), total, lost[:min(5, len(lost))])
	}
	var accounts int64
	if err := db.DB.Table("accounts").Where("open_id LIKE ?", "dev_rush%").Count(&accounts).Error; err != nil {
		t.Fatal(err)
	}
	if int(accounts) != len(ok) || len(ok) != total {
		t.Fatalf("%d sign-ins answered, %d accounts stored, want %d", len(ok), accounts, total)
	}

	// The second instance takes the slots from now on: two more finished, neither by the first.
	seen := len(slots())
	for {
		time.Sleep(100 * time.Millisecond)
		rows := slots()
		if len(rows) < seen+2 || rows[len(rows)-1].DoneAt == nil || rows[len(rows)-2].DoneAt == nil {
			continue
		}
		for _, r := range rows[seen:] {
			if r.Holder == holderA {
				t.Fatalf("slot %s taken by the stopped instance", r.Slot)
			}
		}
		break
	}
	if status, err := signIn(b.base, "after"); err != nil || status != http.StatusOK {
		t.Fatalf("the second instance after the first stopped: %d %v", status, err)
	}
}
