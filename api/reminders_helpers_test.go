package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"schoolcheck/api/apitest"
	"schoolcheck/model"
	"schoolcheck/service/wechat/wechattest"
)

// remindEnv is two server instances on a database of their own: reminders run over every school of a
// database, so a test that counts what was sent owns its database. The fake WeChat is the package's.
func remindEnv(t *testing.T) (*apitest.Env, *apitest.Env) {
	e := apitest.New(t, apitest.WithOwnDatabase())
	t.Cleanup(func() { e.WX.SetDown(false); e.WX.SetErrcode(subscribeSend, 0, 0) })
	return e, e.Another()
}

// pass is what the instances do every jobs.interval: each runs a scheduler pass at the same moment, twice,
// then each drains the outbox at the same moment.
func pass(t *testing.T, es ...*apitest.Env) {
	t.Helper()
	at := func(f func(e *apitest.Env) error) {
		var wg sync.WaitGroup
		for _, e := range es {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := f(e); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	for range 2 {
		at(func(e *apitest.Env) error { return e.RunJobs() })
	}
	at(func(e *apitest.Env) error { _, err := e.App.Notify.Drain(context.Background()); return err })
}

// consent records n one-time consents of u for template, as the mini-program does after
// wx.requestSubscribeMessage.
func consent(e *apitest.Env, u *apitest.User, template string, n int) {
	e.T.Helper()
	e.Post("subscriptions", u.Token, map[string]any{"template": template, "count": n}).Want(http.StatusCreated)
}

// sentTo lists the subscribe messages the fake accepted for u, of the WeChat template id tpl.
func sentTo(e *apitest.Env, u *apitest.User, tpl string) []wechattest.SentSubscribe {
	var out []wechattest.SentSubscribe
	for _, m := range e.WX.Sent() {
		if m.ToUser == u.OpenID && m.TemplateID == tpl {
			out = append(out, m)
		}
	}
	return out
}

// onlyOnce fails unless u received exactly one message of tpl, and returns it.
func onlyOnce(t *testing.T, e *apitest.Env, u *apitest.User, tpl string) wechattest.SentSubscribe {
	t.Helper()
	got := sentTo(e, u, tpl)
	if len(got) != 1 {
		t.Fatalf("%s received %d %s messages: %+v", u.Name, len(got), tpl, got)
	}
	return got[0]
}

// none fails if any of users received a message of tpl.
func none(t *testing.T, e *apitest.Env, tpl string, users ...*apitest.User) {
	t.Helper()
	for _, u := range users {
		if got := sentTo(e, u, tpl); len(got) != 0 {
			t.Fatalf("%s received %+v", u.Name, got)
		}
	}
}

// consentsLeft is what u has left of template.
func consentsLeft(t *testing.T, e *apitest.Env, u *apitest.User, template string) (int, bool) {
	t.Helper()
	var s model.Subscription
	if err := e.DB.Where("account_id = ? AND template = ?", u.AccountID, template).Take(&s).Error; err != nil {
		t.Fatal(err)
	}
	return s.Remaining, s.RefusedAt != nil
}

// outbox is the outbox rows of a kind of occasion for a school, by status.
func outbox(t *testing.T, e *apitest.Env, kind, schoolID string) map[string]int {
	t.Helper()
	var rows []model.OutboxMessage
	if err := e.DB.Where("dedupe_key LIKE ?", kind+":"+schoolID+":%").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status]++
		if r.Status == "sent" && (r.MsgID == "" || r.Template == "") {
			t.Fatalf("a send not recorded with its msgid and template: %+v", r)
		}
	}
	return out
}

// metric is the value of schoolcheck_notifications_total for template, kind and outcome on e's /metrics.
func metric(e *apitest.Env, template, kind, outcome string) string {
	e.T.Helper()
	body := string(e.Get("/metrics", "").Want(http.StatusOK).Body)
	prefix := `schoolcheck_notifications_total{kind="` + kind + `",outcome="` + outcome + `",template="` + template + `"} `
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			return v
		}
	}
	return "0"
}
