package api_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"schoolcheck/api/apitest"
)

// docOperation is what TestOpenAPIDocumentsEveryStatus reads of an operation.
type docOperation struct {
	OperationID string               `yaml:"operationId"`
	Tags        []string             `yaml:"tags"`
	Security    *[]map[string]any    `yaml:"security"`
	RequestBody yaml.Node            `yaml:"requestBody"`
	Parameters  []map[string]any     `yaml:"parameters"`
	Responses   map[string]yaml.Node `yaml:"responses"`
}

func docOperations(t *testing.T) (map[string]docOperation, []string) {
	t.Helper()
	_, raw := loadOpenAPI(t)
	var doc struct {
		Tags []struct {
			Name string `yaml:"name"`
		} `yaml:"tags"`
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, tg := range doc.Tags {
		tags = append(tags, tg.Name)
	}
	ops := map[string]docOperation{}
	for path, item := range doc.Paths {
		for method, node := range item {
			if !slices.Contains(openAPIMethods, method) {
				continue
			}
			var op docOperation
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops, tags
}

// Routes outside /api/v1 with no database behind them, and the routes outside the bound group (no
// Idempotency-Key, no not_bound), as api/router.go mounts them.
var (
	noDatabase  = []string{"GET /healthz", "GET /metrics", "GET /q/{token}", "GET /q/login/{id}", "GET /objects/{key}", "GET /readyz"}
	notBound    = []string{"POST /auth/login", "POST /auth/bind-phone", "POST /auth/join", "POST /auth/switch"}
	rateLimited = []string{"POST /auth/login", "POST /auth/bind-phone", "POST /auth/join", "GET /display/{token}",
		"GET /display/{token}/qr.json", "GET /q/{token}", "GET /q/login/{id}", "POST /auth/console/confirm",
		"GET /auth/console/requests/{id}"}
)

// TestOpenAPIDocumentsEveryStatus holds api/openapi.yaml to what the middleware really sends, for every
// operation, so a client generated from it knows every answer: 413 wherever a body is read, 503 wherever
// the database is touched, 429 where a rate limit applies, 401 where a token is needed, and on every POST
// of a bound user the Idempotency-Key header with its 409 (in flight) and 422 (reused). Every operation has
// a unique operationId and declared tags (what client generators need).
func TestOpenAPIDocumentsEveryStatus(t *testing.T) {
	ops, tags := docOperations(t)
	ids := map[string]string{}
	for key, op := range ops {
		method, path, _ := strings.Cut(key, " ")
		want := func(status, why string) {
			t.Helper()
			if _, ok := op.Responses[status]; !ok {
				t.Errorf("%s documents no %s (%s)", key, status, why)
			}
		}
		if op.OperationID == "" {
			t.Errorf("%s has no operationId", key)
		} else if other, dup := ids[op.OperationID]; dup {
			t.Errorf("%s and %s share operationId %s", key, other, op.OperationID)
		}
		ids[op.OperationID] = key
		if len(op.Tags) == 0 {
			t.Errorf("%s has no tag", key)
		}
		for _, tg := range op.Tags {
			if !slices.Contains(tags, tg) {
				t.Errorf("%s uses tag %q, which is not declared", key, tg)
			}
		}
		if op.RequestBody.Kind != 0 {
			want("413", "a body over its limit")
		}
		if !slices.Contains(noDatabase, key) {
			want("503", "the database or a dependency down")
		}
		if slices.Contains(rateLimited, key) {
			want("429", "rate limited")
		}
		public := op.Security != nil && len(*op.Security) == 0
		if !public {
			want("401", "no or a bad token")
		}
		if method == "POST" && !public && !slices.Contains(notBound, key) {
			want("403", "not_bound")
			want("409", "idempotency_in_flight")
			want("422", "idempotency_key_reused")
			want("400", "a malformed Idempotency-Key")
			if !slices.ContainsFunc(op.Parameters, func(p map[string]any) bool {
				return p["$ref"] == "#/components/parameters/IdempotencyKey"
			}) {
				t.Errorf("%s does not declare the Idempotency-Key header", key)
			}
		}
		_ = path
	}
}

// TestEveryBodyOverItsLimitIs413 sends a body one byte over the default limit to every documented
// operation that reads a JSON body: each answers 413 payload_too_large, which the contract check of
// apitest holds against the document.
func TestEveryBodyOverItsLimitIs413(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	ops, _ := docOperations(t)
	big := `{"x":"` + strings.Repeat("a", 1<<20) + `"}`
	param := regexp.MustCompile(`\{[^}]+\}`)
	n := 0
	for key, op := range ops {
		method, path, _ := strings.Cut(key, " ")
		if op.RequestBody.Kind == 0 || strings.HasPrefix(path, "/photos") || path == "/staff/import" {
			continue // the uploads have their own, larger limits (TestPhotoTooLarge, the import tests)
		}
		n++
		t.Run(key, func(t *testing.T) {
			e.For(t).Do(apitest.Req{Method: method, Path: strings.TrimPrefix(param.ReplaceAllString(path, "x"), "/"),
				Token: sc.Principal.Token, Body: big}).WantError(http.StatusRequestEntityTooLarge, "payload_too_large")
		})
	}
	if n < 20 {
		t.Fatalf("only %d operations with a body", n)
	}
}
