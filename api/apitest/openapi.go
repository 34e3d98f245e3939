package apitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The contract check: every response a test receives from the router is validated against api/openapi.yaml
// with kin-openapi — its status must be documented for the operation, and its body must match the schema
// documented for that status and content type, errors included. A mismatch fails the test that made the
// request. Paths that are not part of the API (the local photo store, the office display pages and the QR
// code's landing pages, the web console) are left out; any other path the document does not know fails too.

// notAPI are the path prefixes outside the contract's schemas (HTML pages and raw objects).
var notAPI = []string{"/objects/", "/display/", "/q/", "/console/"}

// dateTime is the one timestamp format of the API: RFC 3339 with the school's offset and whole seconds
// (no "Z", no fractions) — "2026-11-25T09:00:00+08:00".
var dateTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$`)

type contract struct {
	router routers.Router
	err    error
}

var loadContract = sync.OnceValue(func() contract {
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "openapi.yaml")
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return contract{err: fmt.Errorf("load %s: %w", path, err)}
	}
	if err := doc.Validate(context.Background()); err != nil {
		return contract{err: fmt.Errorf("%s is not a valid OpenAPI document: %w", path, err)}
	}
	// Binary answers (workbooks, photos, metrics) are checked for their status and content type only.
	for _, ct := range []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "image/jpeg"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return contract{err: fmt.Errorf("route %s: %w", path, err)}
	}
	return contract{router: r}
})

// checkContract validates one response against the document; it reports through e.T.
func (e *Env) checkContract(req *http.Request, status int, header http.Header, body []byte) {
	e.T.Helper()
	if _, bench := e.T.(*testing.B); bench {
		return // a benchmark measures the server; the tests hold the same answers to the document
	}
	for _, p := range notAPI {
		if strings.HasPrefix(req.URL.Path, p) {
			return
		}
	}
	c := loadContract()
	if c.err != nil {
		e.T.Fatalf("openapi: %v", c.err)
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return // a path or method the API does not have, answered as such
		}
		e.T.Errorf("openapi: %s %s answered %d but is not in api/openapi.yaml: %v", req.Method, req.URL.Path, status, err)
		return
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("date-time", timestampFormat{})}}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: opts},
		Status: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), Options: opts}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		e.T.Errorf("openapi: %s %s → %d does not match api/openapi.yaml (%s %s):\n%v\nbody: %s", req.Method,
			req.URL.Path, status, strings.ToUpper(req.Method), route.Path, err, clip(body))
	}
}

// timestampFormat is the date-time format of the contract (see dateTime).
type timestampFormat struct{}

func (timestampFormat) Validate(s string) error {
	if !dateTime.MatchString(s) {
		return fmt.Errorf("timestamp %q: want RFC 3339 with the school's offset and whole seconds, like 2026-11-25T09:00:00+08:00", s)
	}
	return nil
}

func clip(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}
