package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"schoolcheck/api"
	"schoolcheck/api/apitest"
)

// Every call that costs a WeChat quota or an upload is limited per account, whatever the addresses it comes
// from: uploads, and feedback and replies (msgSecCheck, one bucket). The figures are api's constants, which
// api/openapi.yaml states. Requests refused for other reasons still count: the limit is on trying.
func TestRateLimitsPerAccount(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	class := sc.Class(nil)
	from := func(i int) map[string]string {
		return map[string]string{apitest.ClientIPHeader: fmt.Sprintf("198.19.%d.%d", i/250, i%250+1)}
	}
	hammer := func(name, path, token string, limit int) *apitest.Response {
		t.Helper()
		for i := range limit {
			r := e.Do(apitest.Req{Method: "POST", Path: path, Token: token, Body: "{}", Headers: from(i)})
			if r.Code == http.StatusTooManyRequests {
				t.Fatalf("%s: limited after %d of %d", name, i, limit)
			}
		}
		r := e.Do(apitest.Req{Method: "POST", Path: path, Token: token, Body: "{}", Headers: from(limit)})
		r.WantError(http.StatusTooManyRequests, "rate_limited")
		if r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: 429 without Retry-After", name)
		}
		return r
	}
	uploader := sc.Leader("拍照的主任")
	hammer("uploads", "photos", uploader.Token, api.UploadPerAccount)
	// Another account is not limited by it.
	e.Do(apitest.Req{Method: "POST", Path: "photos", Token: sc.Principal.Token, Body: "{}"}).
		WantError(http.StatusBadRequest, "invalid_argument")

	parent := sc.Parent(class)
	fb := e.Feedback(parent, "第一条")
	hammer("feedback", "feedback", parent.Token, api.FeedbackPerAccount)
	// Replies share the bucket: the same account cannot go on through them.
	e.Do(apitest.Req{Method: "POST", Path: "feedback/" + fb + "/replies", Token: parent.Token,
		Body: map[string]string{"content": "补充"}, Headers: from(999)}).WantError(http.StatusTooManyRequests, "rate_limited")
	other := sc.Parent(class)
	e.Post("feedback", other.Token, map[string]any{"category": "taste", "content": "另一位家长"}).Want(http.StatusCreated)

	leader := sc.Leader("回复的主任")
	hammer("replies", "feedback/"+fb+"/replies", leader.Token, api.FeedbackPerAccount)

	switcher := sc.Teacher("切换的老师")
	hammer("switch", "auth/switch", switcher.Token, api.SwitchPerAccount)
}
