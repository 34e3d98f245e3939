package api_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"schoolcheck/api"
	"schoolcheck/api/apitest"
	"schoolcheck/storage"
)

// openAPIDoc is the part of api/openapi.yaml the checks read.
type openAPIDoc struct {
	OpenAPI string `yaml:"openapi"`
	Servers []struct {
		URL string `yaml:"url"`
	} `yaml:"servers"`
	Paths      map[string]map[string]yaml.Node `yaml:"paths"`
	Components struct {
		Parameters map[string]openAPIParam `yaml:"parameters"`
	} `yaml:"components"`
}

type openAPIParam struct {
	Ref  string `yaml:"$ref"`
	Name string `yaml:"name"`
	In   string `yaml:"in"`
}

var openAPIMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

func loadOpenAPI(t *testing.T) (openAPIDoc, []byte) {
	t.Helper()
	raw, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return doc, raw
}

// servedRoutes lists "METHOD /full/{param}" for every route of a router with the local object store (so
// /objects/{key} is served whatever store the run uses).
func servedRoutes(t *testing.T) []string {
	t.Helper()
	local, err := storage.NewLocal(t.TempDir(), []byte("openapi-test-key-openapi-test-key"), "http://schoolcheck.test")
	if err != nil {
		t.Fatal(err)
	}
	e := apitest.New(t, apitest.WithStore(local))
	routes := api.Routes(e.Handler)
	if len(routes) == 0 {
		t.Fatal("api.Routes found no routes")
	}
	param := regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)
	var out []string
	for _, r := range routes {
		if r[1] == "/console" || strings.HasPrefix(r[1], "/console/") {
			continue // the web console's HTML pages (package console), not the API
		}
		out = append(out, r[0]+" "+param.ReplaceAllString(r[1], "{$1}"))
	}
	return out
}

// documentedRoutes lists "METHOD /full/{param}" for every operation, with the document's server URL or the
// path's own servers override in front.
func documentedRoutes(t *testing.T, doc openAPIDoc) []string {
	t.Helper()
	var out []string
	for path, item := range doc.Paths {
		base := doc.Servers[0].URL
		if n, ok := item["servers"]; ok {
			var servers []struct {
				URL string `yaml:"url"`
			}
			if err := n.Decode(&servers); err != nil || len(servers) == 0 {
				t.Fatalf("%s: bad servers override", path)
			}
			base = servers[0].URL
		}
		for key := range item {
			if slices.Contains(openAPIMethods, key) {
				out = append(out, strings.ToUpper(key)+" "+strings.TrimSuffix(base, "/")+path)
			}
		}
	}
	return out
}

// TestOpenAPIDescribesEveryRoute holds api/openapi.yaml against the router, both ways.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc, raw := loadOpenAPI(t)
	if doc.OpenAPI != "3.0.3" || len(doc.Servers) == 0 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("openapi %q servers %v: want 3.0.3 with server /api/v1", doc.OpenAPI, doc.Servers)
	}
	if !strings.Contains(string(raw), "  # --- module paths go above this line ---\n") {
		t.Error("the anchor comment for module paths is gone")
	}
	served, documented := servedRoutes(t), documentedRoutes(t, doc)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("served but not in api/openapi.yaml: %s", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("in api/openapi.yaml but not served: %s", r)
		}
	}
}

// TestOpenAPIIsConsistent checks what a generator would trip on: every $ref resolves, every path
// parameter is declared, every operation has responses.
func TestOpenAPIIsConsistent(t *testing.T) {
	doc, raw := loadOpenAPI(t)
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for i := 0; i+1 < len(n.Content); i++ {
			if n.Kind == yaml.MappingNode && i%2 == 0 && n.Content[i].Value == "$ref" {
				if !resolves(&root, n.Content[i+1].Value) {
					t.Errorf("line %d: $ref %s does not resolve", n.Content[i+1].Line, n.Content[i+1].Value)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)

	templ := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range doc.Paths {
		declared := map[string]bool{}
		collect := func(n yaml.Node) {
			var ps []openAPIParam
			_ = n.Decode(&ps)
			for _, p := range ps {
				if p.Ref != "" {
					p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
				}
				if p.In == "path" {
					declared[p.Name] = true
				}
			}
		}
		if n, ok := item["parameters"]; ok {
			collect(n)
		}
		for key, op := range item {
			if !slices.Contains(openAPIMethods, key) {
				continue
			}
			var o struct {
				Parameters yaml.Node            `yaml:"parameters"`
				Responses  map[string]yaml.Node `yaml:"responses"`
			}
			if err := op.Decode(&o); err != nil {
				t.Errorf("%s %s: %v", key, path, err)
				continue
			}
			if len(o.Responses) == 0 {
				t.Errorf("%s %s has no responses", key, path)
			}
			opDeclared := map[string]bool{}
			for k, v := range declared {
				opDeclared[k] = v
			}
			saved := declared
			declared = opDeclared
			collect(o.Parameters)
			for _, m := range templ.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s %s: path parameter %q is not declared", key, path, m[1])
				}
			}
			declared = saved
		}
	}
}

// resolves follows a local "#/a/b/c" reference through the document.
func resolves(root *yaml.Node, ref string) bool {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return false
	}
	n := root
	if n.Kind == yaml.DocumentNode {
		n = n.Content[0]
	}
	for _, part := range strings.Split(rest, "/") {
		found := false
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				n, found = n.Content[i+1], true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
