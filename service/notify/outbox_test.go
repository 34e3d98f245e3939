package notify_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/model/modeltest"
	"schoolcheck/service"
	"schoolcheck/service/notify"
	"schoolcheck/service/wechat"
	"schoolcheck/service/wechat/wechattest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type fixture struct {
	db      *gorm.DB
	wx      *wechattest.Server
	clk     *clock
	svc     *notify.Service
	outcome map[string]int
	mu      sync.Mutex
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{db: modeltest.DB(t), wx: wechattest.New(t), clk: &clock{t: time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)},
		outcome: map[string]int{}}
	client, err := wechat.New(wechat.Config{AppID: wechattest.AppID, AppSecret: wechattest.AppSecret, APIBase: f.wx.URL,
		Timeout: 2 * time.Second, Templates: map[string]string{notify.TemplateFeedbackReply: "TPL_REPLY"}})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = f.instance(client)
	return f
}

// instance is another server instance on the same database.
func (f *fixture) instance(wx notify.Sender) *notify.Service {
	fields, err := notify.ParseMapping(map[string]string{notify.TemplateFeedbackReply: "subject:thing1 reply:thing2 replied_at:time3"})
	if err != nil {
		panic(err)
	}
	return notify.New(service.NewCore(f.db, nil, f.clk.Now), wx, func(_, kind, outcome string) {
		f.mu.Lock()
		f.outcome[kind+" "+outcome]++
		f.mu.Unlock()
	}, fields)
}

// account makes a WeChat account with consents for the reply template.
func (f *fixture) account(t *testing.T, consents int) string {
	t.Helper()
	id := model.NewID()
	if err := f.db.Create(&model.Account{ID: id, OpenID: "o-" + id}).Error; err != nil {
		t.Fatal(err)
	}
	if consents > 0 {
		if err := f.db.Create(&model.Subscription{AccountID: id, Template: notify.TemplateFeedbackReply, Remaining: consents}).Error; err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func (f *fixture) enqueue(t *testing.T, m notify.Message, fail error) (bool, error) {
	t.Helper()
	var queued bool
	err := service.NewCore(f.db, nil, f.clk.Now).Tx(context.Background(), func(tx *service.Tx) error {
		var err error
		if queued, err = f.svc.Enqueue(tx, m); err != nil {
			return err
		}
		return fail
	})
	return queued, err
}

func (f *fixture) remaining(t *testing.T, account string) int {
	t.Helper()
	var s model.Subscription
	if err := f.db.Where("account_id = ? AND template = ?", account, notify.TemplateFeedbackReply).Take(&s).Error; err != nil {
		return -1
	}
	return s.Remaining
}

func (f *fixture) status(t *testing.T, key string) model.OutboxMessage {
	t.Helper()
	var m model.OutboxMessage
	if err := f.db.Where("dedupe_key = ?", key).Take(&m).Error; err != nil {
		t.Fatalf("outbox %s: %v", key, err)
	}
	return m
}

func msg(account, key string) notify.Message {
	return notify.Message{SchoolID: "s1", AccountID: account, Template: notify.TemplateFeedbackReply, Page: "pages/x?id=1",
		Key: key, Data: map[string]string{"subject": "一二三四五六七八九十一二三四五六七八九十一二", "reply": "好",
			"replied_at": "2026-11-25 09:00"}}
}

// A message is written with its change or not at all, and one occasion is queued once.
func TestEnqueueWithTheChange(t *testing.T) {
	f := newFixture(t)
	acct := f.account(t, 2)
	boom := errors.New("boom")
	if _, err := f.enqueue(t, msg(acct, "k-rolled-back"), boom); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	var n int64
	f.db.Model(&model.OutboxMessage{}).Where("dedupe_key = ?", "k-rolled-back").Count(&n)
	if n != 0 {
		t.Fatal("a message outlived its rolled-back change")
	}
	if q, err := f.enqueue(t, msg(acct, "k1"), nil); !q || err != nil {
		t.Fatalf("first: %v %v", q, err)
	}
	if q, err := f.enqueue(t, msg(acct, "k1"), nil); q || err != nil {
		t.Fatalf("the same occasion queued again: %v %v", q, err)
	}
	select {
	case <-f.svc.Kicks():
	default:
		t.Fatal("the drainer was not woken after the commit")
	}
	if got := f.status(t, "k1").Data; got != `{"replied_at":"2026-11-25 09:00","reply":"好","subject":"一二三四五六七八九十一二三四五六七八九十一二"}` {
		t.Fatalf("not queued with its own fields: %s", got)
	}
	// A message of a template with declared fields must carry exactly those.
	bad := msg(acct, "k-bad")
	bad.Data = map[string]string{"thing1": "x"}
	if _, err := f.enqueue(t, bad, nil); err == nil || !strings.Contains(err.Error(), "lacks the field") {
		t.Fatalf("a message without its fields was queued: %v", err)
	}
	// At send time the fields go to the configured keywords, fitted to WeChat's limits.
	if _, err := f.svc.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	sent := f.wx.Sent()
	if len(sent) != 1 || sent[0].Data["thing1"] != "一二三四五六七八九十一二三四五六七八九…" || sent[0].Data["thing2"] != "好" ||
		sent[0].Data["time3"] != "2026年11月25日 09:00" || len(sent[0].Data) != 3 {
		t.Fatalf("sent %+v", sent)
	}
	if f.outcome["k1 sent"] != 1 {
		t.Fatalf("outcomes observed %v", f.outcome)
	}
}

// Two instances draining at once send each message exactly once and use one consent per message.
func TestDrainOnceAcrossInstances(t *testing.T) {
	f := newFixture(t)
	acct := f.account(t, 10)
	for i := range 6 {
		if _, err := f.enqueue(t, msg(acct, "k"+string(rune('a'+i))), nil); err != nil {
			t.Fatal(err)
		}
	}
	client, err := wechat.New(wechat.Config{AppID: wechattest.AppID, AppSecret: wechattest.AppSecret, APIBase: f.wx.URL,
		Timeout: 2 * time.Second, Templates: map[string]string{notify.TemplateFeedbackReply: "TPL_REPLY"}})
	if err != nil {
		t.Fatal(err)
	}
	other := f.instance(client)
	var wg sync.WaitGroup
	for _, s := range []*notify.Service{f.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Drain(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if sent := len(f.wx.Sent()); sent != 6 {
		t.Fatalf("%d sends for 6 messages", sent)
	}
	if r := f.remaining(t, acct); r != 4 {
		t.Fatalf("%d consents left, want 4", r)
	}
	if m := f.status(t, "ka"); m.Status != notify.StatusSent || m.MsgID == "" || m.Attempts != 1 {
		t.Fatalf("sent message %+v", m)
	}
	// Nothing left: a third drain sends nothing.
	if st, err := f.svc.Drain(context.Background()); err != nil || len(st) != 0 || len(f.wx.Sent()) != 6 {
		t.Fatalf("second drain %v %v", st, err)
	}
}

// No consent: not sent, recorded. 43101: recorded, consents zeroed, not retried. WeChat down: the consent is
// given back and the message retried later with backoff; an occasion that is over is dropped.
func TestDrainOutcomes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	none, refused, flaky, late := f.account(t, 0), f.account(t, 3), f.account(t, 2), f.account(t, 1)
	for acct, key := range map[string]string{none: "none", refused: "refused", flaky: "flaky"} {
		if _, err := f.enqueue(t, msg(acct, key), nil); err != nil {
			t.Fatal(err)
		}
	}
	expires := f.clk.Now().Add(time.Minute)
	m := msg(late, "late")
	m.Expires = &expires
	if _, err := f.enqueue(t, m, nil); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(2 * time.Minute)
	// The fake answers in order of arrival; the drain sends in queue order: refused first, then flaky.
	f.wx.SetErrcode("/cgi-bin/message/subscribe/send", 43101, 1)
	if _, err := f.svc.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if s := f.status(t, "none").Status; s != notify.StatusNoConsent {
		t.Fatalf("no consent: %s", s)
	}
	if s := f.status(t, "late").Status; s != notify.StatusExpired || f.remaining(t, late) != 1 {
		t.Fatalf("expired: %s, %d consents", s, f.remaining(t, late))
	}
	r, fl := f.status(t, "refused"), f.status(t, "flaky")
	if r.Status == notify.StatusRefused {
		if f.remaining(t, refused) != 0 || fl.Status != notify.StatusSent {
			t.Fatalf("refused: %d consents; flaky %s", f.remaining(t, refused), fl.Status)
		}
	} else if fl.Status != notify.StatusRefused || r.Status != notify.StatusSent {
		t.Fatalf("refused %s flaky %s", r.Status, fl.Status)
	}
	var sub model.Subscription
	f.db.Where("remaining = 0 AND refused_at IS NOT NULL").Take(&sub)
	if sub.AccountID == "" {
		t.Fatal("refusal not recorded on the consents")
	}
	// WeChat down: retried with backoff, the consent given back each time.
	again := f.account(t, 1)
	if _, err := f.enqueue(t, msg(again, "down"), nil); err != nil {
		t.Fatal(err)
	}
	f.wx.SetDown(true)
	if _, err := f.svc.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	d := f.status(t, "down")
	if d.Status != notify.StatusPending || d.Attempts != 1 || !d.NextAt.After(f.clk.Now()) || f.remaining(t, again) != 1 {
		t.Fatalf("after an outage %+v, %d consents", d, f.remaining(t, again))
	}
	f.wx.SetDown(false)
	if _, err := f.svc.Drain(ctx); err != nil || f.status(t, "down").Status != notify.StatusPending {
		t.Fatal("retried before its backoff")
	}
	f.clk.Advance(time.Minute)
	if _, err := f.svc.Drain(ctx); err != nil || f.status(t, "down").Status != notify.StatusSent || f.remaining(t, again) != 0 {
		t.Fatalf("after the backoff: %+v", f.status(t, "down"))
	}
}

// An instance that died while sending leaves its messages claimed: another instance gives them up as
// unknown rather than risk sending them twice.
func TestDrainGivesUpAbandonedSends(t *testing.T) {
	f := newFixture(t)
	acct := f.account(t, 1)
	if _, err := f.enqueue(t, msg(acct, "abandoned"), nil); err != nil {
		t.Fatal(err)
	}
	claim := model.NewID()
	now := f.clk.Now()
	if err := f.db.Model(&model.OutboxMessage{}).Where("dedupe_key = ?", "abandoned").
		Updates(map[string]any{"status": notify.StatusSending, "claim": claim, "claimed_at": now}).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Drain(context.Background()); err != nil || f.status(t, "abandoned").Status != notify.StatusSending {
		t.Fatal("a fresh claim was taken over")
	}
	f.clk.Advance(6 * time.Minute)
	if _, err := f.svc.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := f.status(t, "abandoned").Status; s != notify.StatusUnknown || len(f.wx.Sent()) != 0 {
		t.Fatalf("abandoned send: %s, %d sent", s, len(f.wx.Sent()))
	}
}

// The outbox keeps a message that is over for Retention and then forgets it; a message still to be sent is
// kept however old it is.
func TestPurgeForgetsWhatIsOverAfterRetention(t *testing.T) {
	f := newFixture(t)
	acct := f.account(t, 0)
	for _, key := range []string{"feedback_reply:old-done", "feedback_reply:old-pending"} {
		if _, err := f.enqueue(t, msg(acct, key), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.db.Model(&model.OutboxMessage{}).Where("dedupe_key = ?", "feedback_reply:old-done").
		Update("status", notify.StatusSent).Error; err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(notify.Retention - time.Minute)
	if _, err := f.enqueue(t, msg(acct, "feedback_reply:recent-done"), nil); err != nil {
		t.Fatal(err)
	}
	if err := f.db.Model(&model.OutboxMessage{}).Where("dedupe_key = ?", "feedback_reply:recent-done").
		Update("status", notify.StatusNoConsent).Error; err != nil {
		t.Fatal(err)
	}
	if n, err := f.svc.Purge(context.Background()); err != nil || n != 0 {
		t.Fatalf("purge before the retention: %d, %v; want nothing deleted", n, err)
	}
	f.clk.Advance(2 * time.Minute)
	if n, err := f.svc.Purge(context.Background()); err != nil || n != 1 {
		t.Fatalf("purge after the retention: %d, %v; want the old sent message only", n, err)
	}
	var keys []string
	if err := f.db.Model(&model.OutboxMessage{}).Order("dedupe_key").Pluck("dedupe_key", &keys).Error; err != nil {
		t.Fatal(err)
	}
	if want := "feedback_reply:old-pending feedback_reply:recent-done"; strings.Join(keys, " ") != want {
		t.Fatalf("kept %v, want %s", keys, want)
	}
	if notify.Retention <= notify.ReminderWindow {
		t.Fatalf("retention %v must outlast the reminder window %v, or a reminder could be queued twice",
			notify.Retention, notify.ReminderWindow)
	}
}
