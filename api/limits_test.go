package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"schoolcheck/api/apitest"
)

// firstAllowed is a row's first caller with a 2xx, and the row's target for them ("" when none may).
func firstAllowed(w *apitest.World, row apitest.Row) (caller, path string) {
	for i, s := range strings.Fields(row.Want) {
		if s[0] == '2' {
			caller = apitest.Callers[i]
			break
		}
	}
	if caller == "" {
		return "", ""
	}
	_, tmpl, _ := strings.Cut(row.Op, " ")
	path = strings.TrimPrefix(tmpl, "/")
	if row.Path != nil {
		path = row.Path(w)
	}
	return caller, path
}

// TestBodyLimits sends every operation of the matrix that takes a JSON body a well-formed body one byte
// over the server's limit (http.max_body_bytes, 1 MiB in the tests), as a caller the row allows: 413
// payload_too_large, with the length announced and streamed without one, and nothing changed. (Uploads
// have their own limits: TestPhotoUpload… and TestStaffImportLimits hold them.)
func TestBodyLimits(t *testing.T) {
	w := apitest.NewWorld(newEnv(t))
	const limit = 1 << 20
	body := `{"name":"` + strings.Repeat("x", limit) + `"}`
	for _, row := range authzMatrix(w) {
		method, _, _ := strings.Cut(row.Op, " ")
		if row.Send != nil || row.Body == nil {
			continue // an upload, or an operation without a body
		}
		caller, path := firstAllowed(w, row)
		if caller == "" {
			continue
		}
		for _, chunked := range []bool{false, true} {
			name := row.Op + " with Content-Length"
			if chunked {
				name = row.Op + " streamed"
			}
			t.Run(name, func(t *testing.T) {
				w := w.For(t)
				before := w.E.Snapshot(w.A.ID, w.B.ID)
				w.E.Do(apitest.Req{Method: method, Path: path, Token: w.Token(caller), Body: body, Chunked: chunked}).
					WantError(http.StatusRequestEntityTooLarge, "payload_too_large")
				if diff := w.E.Snapshot(w.A.ID, w.B.ID).Diff(before); diff != "" {
					t.Fatalf("a refused body changed the data: %s", diff)
				}
			})
		}
	}
}

// TestListLimits asks every list of api/openapi.yaml (the operations taking the shared Limit parameter)
// for pages out of 1–100: 400 invalid_argument naming limit; 1 and 100 are served, 1 with one item at most.
func TestListLimits(t *testing.T) {
	w := apitest.NewWorld(newEnv(t))
	rows := map[string]apitest.Row{}
	for _, row := range authzMatrix(w) {
		rows[row.Op] = row
	}
	lists := apitest.OperationsWith(t, "Limit")
	if len(lists) < 10 {
		t.Fatalf("only %d lists in api/openapi.yaml: %v", len(lists), lists)
	}
	for _, op := range lists {
		caller, path := firstAllowed(w, rows[op])
		if caller == "" {
			t.Errorf("%s: nobody may list it in the matrix", op)
			continue
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		t.Run(op, func(t *testing.T) {
			e, tok := w.E.For(t), w.Token(caller)
			for _, bad := range []string{"0", "101", "-1", "abc", "1.5", "99999999999999999999"} {
				r := e.Get(path+sep+"limit="+bad, tok).WantError(http.StatusBadRequest, "invalid_argument")
				if r.ErrorFields()["limit"] == "" {
					t.Errorf("limit=%s: fields %v do not name limit", bad, r.ErrorFields())
				}
			}
			e.Get(path+sep+"limit=100", tok).Want(http.StatusOK)
			if items := e.Get(path+sep+"limit=1", tok).Want(http.StatusOK).Items(); len(items) > 1 {
				t.Errorf("limit=1 gave %d items", len(items))
			}
		})
	}
}

// TestEmptyPathParameters sends every operation of the matrix that has a path parameter with each
// parameter empty ("feedback//replies"), as a caller the row allows: 404 not_found before any handler, rate
// limit or idempotency claim runs, and nothing changed.
func TestEmptyPathParameters(t *testing.T) {
	w := apitest.NewWorld(newEnv(t))
	for _, row := range authzMatrix(w) {
		method, tmpl, _ := strings.Cut(row.Op, " ")
		if !strings.Contains(tmpl, "{") || row.Send != nil {
			continue
		}
		caller, _ := firstAllowed(w, row)
		if caller == "" {
			continue
		}
		t.Run(row.Op, func(t *testing.T) {
			e := w.E.For(t)
			path := regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(strings.TrimPrefix(tmpl, "/"), "")
			before := e.Snapshot(w.A.ID, w.B.ID)
			var body any
			if method != http.MethodGet && method != http.MethodDelete {
				body = map[string]any{}
			}
			e.Do(apitest.Req{Method: method, Path: path, Token: w.Token(caller), Body: body}).
				WantError(http.StatusNotFound, "not_found")
			if d := e.Snapshot(w.A.ID, w.B.ID).Diff(before); d != "" {
				t.Fatalf("changed: %s", d)
			}
		})
	}
}
