package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
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
		f.Add(uint8(len(targets)), rowBody(f, w, row, caller))
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

// rowBody is the JSON body a matrix row sends as caller.
func rowBody(f *testing.F, w *apitest.World, row apitest.Row, caller string) []byte {
	body := row.Body
	if fn, ok := body.(func(*apitest.World, string) any); ok {
		body = fn(w, caller)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		f.Fatal(err)
	}
	return raw
}

// FuzzPathsAndQueries sends every operation of the authorization matrix, as the first caller its row
// allows, with each path parameter replaced by an arbitrary segment and an arbitrary query string, through
// the real router: ids that are not ids, dates that are not dates, limits and cursors out of range, months
// past December. The answer is never a 500 and always the contract's. The seeds are each row's own path and
// the shapes that broke other servers; testdata/fuzz/FuzzPathsAndQueries keeps what the fuzzer found.
func FuzzPathsAndQueries(f *testing.F) {
	w := apitest.NewWorld(apitest.New(f))
	type target struct{ op, method, tmpl, path, token string }
	var targets []target
	var bodies [][]byte
	for _, row := range authzMatrix(w) {
		if row.Send != nil {
			continue
		}
		caller, path := firstAllowed(w, row)
		if caller == "" {
			continue
		}
		method, tmpl, _ := strings.Cut(row.Op, " ")
		var body []byte
		if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
			body = rowBody(f, w, row, caller)
		}
		// The row's own segment (its first parameter's value in the concrete path) seeds the fuzzer.
		seg := ""
		if i := strings.Index(tmpl, "{"); i >= 0 {
			if rest := strings.TrimPrefix(path, strings.TrimPrefix(tmpl[:i], "/")); rest != path {
				seg, _, _ = strings.Cut(rest, "/")
			}
		}
		f.Add(uint8(len(targets)), seg, "")
		targets = append(targets, target{row.Op, method, strings.TrimPrefix(tmpl, "/"), path, w.Token(caller)})
		bodies = append(bodies, body)
	}
	for i, s := range []struct{ seg, query string }{
		{"..", "limit=-1"}, {"%00", "limit=99999999999999999999"}, {"' OR 1=1 --", "cursor=garbage"},
		{strings.Repeat("9", 300), "month=2026-13"}, {"2026-02-30", "from=2026-02-30&to=2025-01-01"},
		{"9999-12-31", "date=0000-00-00"}, {"学校", "school_id=../../etc&region_id=%ff"}, {"a/b", "limit=1&limit=2"},
		{"-1", "status=%27&module=%00"}, {"1e309", "cursor=" + strings.Repeat("A", 2000)},
	} {
		f.Add(uint8(i*11), s.seg, s.query)
	}
	f.Fuzz(func(t *testing.T, i uint8, seg, query string) {
		n := int(i) % len(targets)
		tg := targets[n]
		path := tg.path
		if strings.Contains(tg.tmpl, "{") {
			path = tg.tmpl
			for strings.Contains(path, "{") {
				a, b := strings.Index(path, "{"), strings.Index(path, "}")
				if b < a {
					t.Fatalf("template %q", tg.tmpl)
				}
				path = path[:a] + url.PathEscape(seg) + path[b+1:]
			}
		}
		if query != "" {
			// A query a client could send: what an HTTP request line can carry.
			if _, err := url.ParseQuery(query); err != nil || strings.ContainsFunc(query, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == '#' }) {
				t.Skip()
			}
			path += "?" + query
		}
		req := apitest.Req{Method: tg.method, Path: path, Token: tg.token}
		if bodies[n] != nil {
			req.Body = bodies[n]
		}
		r := w.E.For(t).Do(req)
		if r.Code >= 500 {
			t.Fatalf("%s as %s: %d %s", tg.op, path, r.Code, r.Body)
		}
	})
}
