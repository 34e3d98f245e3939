package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Response is a recorded answer with helpers to assert on it.
type Response struct {
	T      testing.TB
	Code   int
	Header http.Header
	Body   []byte
}

// Req is a request to send; Body is JSON-encoded unless it is a string or []byte (sent as is).
type Req struct {
	Method  string
	Path    string // under /api/v1 unless it starts with "/" and not "/api"… see Do
	Token   string
	Body    any
	Headers map[string]string
	// Chunked sends the body without a Content-Length, as a client streaming it does.
	Chunked bool
}

// Do sends a request through the real router. Paths not starting with "/" are under /api/v1/.
func (e *Env) Do(r Req) *Response {
	e.T.Helper()
	path := r.Path
	if !strings.HasPrefix(path, "/") {
		path = "/api/v1/" + path
	}
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(r.Method, path, body)
	if r.Chunked {
		req.ContentLength = -1
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	return e.serve(req)
}

// serve gives every request a client address of its own (httptest would send all from 192.0.2.1, and the
// per-IP login limit is shared by the whole package through Redis), unless the test names one with
// ClientIPHeader to exercise the per-IP limit.
func (e *Env) serve(req *http.Request) *Response {
	ip := req.Header.Get(ClientIPHeader)
	req.Header.Del(ClientIPHeader)
	if ip == "" {
		n := unique()
		ip = fmt.Sprintf("10.%d.%d.%d", n>>16&0xff, n>>8&0xff, n&0xff)
	}
	req.RemoteAddr = ip + ":40000"
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, req)
	e.checkContract(req, w.Code, w.Header(), w.Body.Bytes())
	if e.Transcript != nil {
		e.Transcript.add(Answer{Request: req.Method + " " + req.URL.RequestURI(), Status: w.Code, Body: w.Body.String()})
	}
	return &Response{T: e.T, Code: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

// Get, Post, Put, Patch and Delete are Do for one method.
func (e *Env) Get(path, token string) *Response {
	return e.Do(Req{Method: "GET", Path: path, Token: token})
}

// Post sends JSON.
func (e *Env) Post(path, token string, body any) *Response {
	return e.Do(Req{Method: "POST", Path: path, Token: token, Body: body})
}

// Put sends JSON.
func (e *Env) Put(path, token string, body any) *Response {
	return e.Do(Req{Method: "PUT", Path: path, Token: token, Body: body})
}

// Patch sends JSON.
func (e *Env) Patch(path, token string, body any) *Response {
	return e.Do(Req{Method: "PATCH", Path: path, Token: token, Body: body})
}

// Delete sends no body.
func (e *Env) Delete(path, token string) *Response {
	return e.Do(Req{Method: "DELETE", Path: path, Token: token})
}

// Upload posts a multipart form with one file field (what wx.uploadFile sends) and extra fields.
func (e *Env) Upload(path, token, field, filename string, content []byte, fields map[string]string, headers map[string]string) *Response {
	e.T.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		e.T.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	if !strings.HasPrefix(path, "/") {
		path = "/api/v1/" + path
	}
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return e.serve(req)
}

// Want fails the test unless the status is want; it returns the response for chaining.
func (r *Response) Want(want int) *Response {
	r.T.Helper()
	if r.Code != want {
		r.T.Fatalf("status %d, want %d; body: %s", r.Code, want, r.Body)
	}
	return r
}

// WantError asserts the status and the contract's error code.
func (r *Response) WantError(status int, code string) *Response {
	r.T.Helper()
	r.Want(status)
	if got := r.ErrorCode(); got != code {
		r.T.Fatalf("error code %q, want %q; body: %s", got, code, r.Body)
	}
	return r
}

// ErrorCode is error.code of an error body ("" otherwise).
func (r *Response) ErrorCode() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// ErrorFields is error.fields of an error body.
func (r *Response) ErrorFields() map[string]string {
	var e struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Fields
}

// JSON decodes the body into v.
func (r *Response) JSON(v any) {
	r.T.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.T.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map decodes the body as an object.
func (r *Response) Map() map[string]any {
	r.T.Helper()
	m := map[string]any{}
	r.JSON(&m)
	return m
}

// Items decodes {"items": [...]}.
func (r *Response) Items() []map[string]any {
	r.T.Helper()
	var out struct {
		Items []map[string]any `json:"items"`
	}
	r.JSON(&out)
	return out.Items
}

// Str reads a top-level string field.
func (r *Response) Str(key string) string {
	r.T.Helper()
	v, _ := r.Map()[key].(string)
	return v
}
