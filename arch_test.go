package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// modules are the packages that each hold one part of the plan; they never import each other.
var modules = []string{"attendance", "meals", "phones", "observations", "inspections"}

// sharedPackages are the mechanisms the modules stand on; they never import a module.
var sharedPackages = []string{"school", "auth", "evidence", "photos", "notify", "jobs", "report", "moderation", "idempotency"}

// pkgImports lists, per directory, the imports of its non-test Go files (and whether it has an init func).
func pkgImports(t *testing.T) (map[string][]string, map[string]bool) {
	t.Helper()
	imports, inits := map[string][]string{}, map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			imports[dir] = append(imports[dir], p)
		}
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "init" {
				inits[path] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return imports, inits
}

// The dependency rules of DESIGN.md, held by a test: a module importing another module, a shared package
// importing a module, the service core importing a service package, anything under service/ but the WeChat
// adapter importing net/http or gin, api importing gorm, or an init function anywhere, fails it.
func TestDependencyRules(t *testing.T) {
	imports, inits := pkgImports(t)
	isModule := func(p string) (string, bool) {
		for _, m := range modules {
			if p == "schoolcheck/service/"+m || strings.HasPrefix(p, "schoolcheck/service/"+m+"/") {
				return m, true
			}
		}
		return "", false
	}
	for dir, list := range imports {
		mine, inModule := isModule("schoolcheck/" + dir)
		for _, p := range list {
			if other, ok := isModule(p); ok && inModule && other != mine {
				t.Errorf("%s imports %s: modules never import each other (DESIGN.md)", dir, p)
			}
			if _, ok := isModule(p); ok {
				for _, sp := range sharedPackages {
					if dir == "service/"+sp || strings.HasPrefix(dir, "service/"+sp+"/") {
						t.Errorf("%s imports the module %s: shared packages never import a module", dir, p)
					}
				}
			}
			if dir == "service" && strings.HasPrefix(p, "schoolcheck/service/") && p != "schoolcheck/service/wechat" {
				t.Errorf("the service core imports %s: the core is below every service package", p)
			}
			if strings.HasPrefix(dir, "service") && !strings.HasPrefix(dir, "service/wechat") &&
				(p == "net/http" || strings.HasPrefix(p, "github.com/gin-gonic/")) {
				t.Errorf("%s imports %s: service never speaks HTTP (only service/wechat does)", dir, p)
			}
			if (dir == "api" || (strings.HasPrefix(dir, "api/") && !strings.HasSuffix(dir, "test"))) &&
				(p == "gorm.io/gorm" || strings.HasPrefix(p, "gorm.io/")) {
				t.Errorf("%s imports %s: api never touches the database", dir, p)
			}
			if (strings.HasPrefix(dir, "service") || dir == "model" || dir == "storage") && p == "schoolcheck/api" {
				t.Errorf("%s imports the api: dependencies point from api to service, never back", dir)
			}
		}
	}
	for path := range inits {
		t.Errorf("%s has an init function: no registration in init (DESIGN.md); pass what it registers to a constructor", path)
	}
	if len(imports["service/attendance"]) == 0 || !slices.Contains(imports["api"], "schoolcheck/service/meals") {
		t.Fatal("the walk found no imports: the test would pass whatever the code does")
	}
}
