package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"schoolcheck/api/apitest"
)

// FuzzRequestBodies sends arbitrary bodies to every operation of the authorization matrix that takes a
// JSON body, as the first caller the row allows and at the row's own target, through the real router: the
// answer is never a 500 (a panic is one, through the recovery middleware) and always the contract's
// (apitest checks every response against api/openapi.yaml). The seeds are each row's own body and some
// broken JSON; testdata/fuzz/FuzzRequestBodies keeps what the fuzzer found.
func FuzzRequestBodies(f *testing.F) {
	w := apitest.NewWorld(apitest.New(f))
	type target struct{ op, method, path, token string }
	var targets []target
	for _, row := range authzMatrix(w) {
		method, _, _ := strings.Cut(row.Op, " ")
		if row.Send != nil || (method != http.MethodPost && method != http.MethodPut && method != http.MethodPatch) {
			continue
		}
		caller, path := firstAllowed(w, row)
		if caller == "" {
			continue
		}
		body := row.Body
		if fn, ok := body.(func(*apitest.World, string) any); ok {
			body = fn(w, caller)
		}
		seed, err := json.Marshal(body)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(len(targets)), seed)
		targets = append(targets, target{row.Op, method, path, w.Token(caller)})
	}
	for i, broken := range []string{`{} "x`, `{"a":`, `[]`, `null`, `"s"`, `{"name":{"$gt":""}}`, "\xff\xfe{}", `{}{}`} {
		f.Add(uint8(i*7), []byte(broken))
	}
	f.Fuzz(func(t *testing.T, i uint8, body []byte) {
		tg := targets[int(i)%len(targets)]
		r := w.E.For(t).Do(apitest.Req{Method: tg.method, Path: tg.path, Token: tg.token, Body: body})
		if r.Code >= 500 {
			t.Fatalf("%s with %q: %d %s", tg.op, body, r.Code, r.Body)
		}
	})
}
