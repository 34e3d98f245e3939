package apitest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

// The authorization matrix: every operation of api/openapi.yaml as every kind of caller, the status each
// gets in one table (api/authz_test.go), and a refused call leaves the data as it was. The callers are the
// table's columns, in this order.
const (
	Nobody          = "nobody"                  // no token
	Unbound         = "unbound"                 // a WeChat login bound to nothing
	Parent          = "parent"                  // a parent of World.Class
	Teacher         = "teacher"                 // a teacher of school A with no class
	HeadTeacher     = "head teacher"            // the head teacher of World.Class
	Leader          = "leader"                  // a leader (主任) of school A
	Principal       = "principal"               // school A's principal
	Inspector       = "inspector"               // an inspector of A's region
	ParentInspector = "parent region inspector" // an inspector of the region above A's
	OtherPrincipal  = "other principal"         // the principal of school B (same region as A)
	FarInspector    = "other region inspector"  // an inspector of a region without school A
	OtherMembership = "other membership"        // a leader of A acting in their membership as a parent in B
	OtherParent     = "other parent"            // a parent of another class of school A
)

// Callers are the matrix's columns, in the order a row's Want lists them.
var Callers = []string{Nobody, Unbound, Parent, Teacher, HeadTeacher, Leader, Principal, Inspector, ParentInspector,
	OtherPrincipal, FarInspector, OtherMembership, OtherParent}

// World is school A — whose records the rows name — with one person of each kind, school B in the same
// region, and inspectors of A's region, of the region above and of another region. One world serves the
// whole matrix: a row makes its own targets in it.
type World struct {
	E            *Env
	A, B         *School
	Leader       *User
	Teacher      *User  // a teacher with no class
	Head         *User  // the head teacher of Class
	Parent       *User  // a parent of Class
	OtherParent  *User  // a parent of another class of A
	Inspector    *User  // an inspector of A's region
	ParentRegion string // the region above A's (and B's)
	// ParentInspector inspects ParentRegion, and so every school below it.
	ParentInspector *User
	FarInspector    *User
	// Dual is a leader of A who is also a parent of BClass, acting in that membership (their token's).
	Dual    *User
	Unbound *User
	Class   *Class // A's class headed by Head, with Parent
	BClass  *Class // a class of B, with Dual as a parent
}

// NewWorld builds the callers of the matrix.
func NewWorld(e *Env) *World {
	e.T.Helper()
	w := &World{E: e, A: e.School()}
	w.B = e.SchoolIn(w.A.Region)
	w.Leader, w.Teacher, w.Head = w.A.Leader("主任"), w.A.Teacher("科任"), w.A.Teacher("班主任")
	w.Class = w.A.Class(w.Head)
	w.Parent = w.A.Parent(w.Class)
	w.OtherParent = w.A.Parent(w.A.Class(nil))
	w.Inspector = e.Inspector(w.A.Region)
	// A's region goes under a city of its own, whose inspector reads it too.
	w.ParentRegion = fmt.Sprintf("上级市%d", unique())
	if _, err := e.App.School.AddRegion(context.Background(), w.ParentRegion, ""); err != nil {
		e.T.Fatal(err)
	}
	if _, err := e.App.School.AddRegion(context.Background(), w.A.Region, w.ParentRegion); err != nil {
		e.T.Fatal(err)
	}
	w.ParentInspector = e.Inspector(w.ParentRegion)
	w.FarInspector = e.Inspector(fmt.Sprintf("远区%d", unique()))
	w.Dual = w.A.Leader("兼家长主任")
	w.BClass = w.B.Class(nil)
	w.Dual = w.B.Join(w.Dual, w.BClass)
	tok, openID := e.Login()
	w.Unbound = &User{Token: tok, OpenID: openID, Name: "未绑定"}
	return w
}

// For is the world with fixtures reporting to t.
func (w *World) For(t testing.TB) *World {
	c := *w
	c.E, c.A, c.B = w.E.For(t), w.A.For(t), w.B.For(t)
	return &c
}

// User is a caller's user (nil for nobody).
func (w *World) User(caller string) *User {
	return map[string]*User{Unbound: w.Unbound, Parent: w.Parent, Teacher: w.Teacher, HeadTeacher: w.Head,
		Leader: w.Leader, Principal: w.A.Principal, Inspector: w.Inspector, ParentInspector: w.ParentInspector,
		OtherPrincipal: w.B.Principal, FarInspector: w.FarInspector, OtherMembership: w.Dual,
		OtherParent: w.OtherParent}[caller]
}

// Token is a caller's token ("" for nobody).
func (w *World) Token(caller string) string {
	if u := w.User(caller); u != nil {
		return u.Token
	}
	return ""
}

// Row is one operation of the matrix.
type Row struct {
	// Op is the operation as api/openapi.yaml names it: "GET /staff/{id}".
	Op string
	// Path makes a target in school A and returns the request path (with its query); nil sends the
	// operation's own path. A refused call, and a GET, use one target made for the row; every other call
	// that the row allows gets a fresh one, so that one caller's success cannot spoil the next one's.
	Path func(w *World) string
	// Body is the JSON body; a func(w *World, caller string) any makes one for every call (before the
	// snapshot, so what it creates is not taken for a change).
	Body any
	// Send replaces the JSON request (uploads); it must create nothing itself.
	Send func(w *World, token, path string) *Response
	// Want is the status of every caller, in the order of Callers, separated by spaces.
	Want string
	// Codes are error codes other than the status's usual one (401 unauthenticated, 403 forbidden —
	// not_bound for an unbound login —, 404 not_found), by caller.
	Codes map[string]string
	// Skip, when it returns a reason, skips the row (a route the backend does not serve).
	Skip func(w *World) string
}

func (r Row) method() string { m, _, _ := strings.Cut(r.Op, " "); return m }

func (r Row) wants(t *testing.T) map[string]int {
	f := strings.Fields(r.Want)
	if len(f) != len(Callers) {
		t.Fatalf("%s: %d statuses for %d callers", r.Op, len(f), len(Callers))
	}
	out := map[string]int{}
	for i, s := range f {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("%s: status %q", r.Op, s)
		}
		out[Callers[i]] = n
	}
	return out
}

func (r Row) code(caller string, status int) string {
	if c, ok := r.Codes[caller]; ok {
		return c
	}
	switch {
	case status == http.StatusForbidden && caller == Unbound:
		return "not_bound"
	case status == http.StatusUnauthorized:
		return "unauthenticated"
	case status == http.StatusForbidden:
		return "forbidden"
	case status == http.StatusNotFound:
		return "not_found"
	}
	return ""
}

// CheckMatrix runs every row as every caller, each cell a subtest named "<op> as <caller>": the status
// (and error code) must be the row's, and a refused call must leave schools A and B exactly as they were.
// Every operation of api/openapi.yaml must have its row. SCHOOLCHECK_AUTHZ_PRINT=1 logs the statuses the
// server gave, as Want strings, for writing a new row.
func (w *World) CheckMatrix(t *testing.T, rows []Row) {
	t.Helper()
	have := map[string]bool{}
	for _, r := range rows {
		if have[r.Op] {
			t.Errorf("two rows for %s", r.Op)
		}
		have[r.Op] = true
	}
	ops := Operations(t)
	for op := range ops {
		if !have[op] {
			t.Errorf("%s is in api/openapi.yaml but has no row in the authorization matrix", op)
		}
		delete(have, op)
	}
	for op := range have {
		t.Errorf("the authorization matrix has a row for %s, which api/openapi.yaml does not have", op)
	}
	printing := os.Getenv("SCHOOLCHECK_AUTHZ_PRINT") != ""
	for _, row := range rows {
		if row.Skip != nil {
			if why := row.Skip(w); why != "" {
				t.Logf("%s: skipped: %s", row.Op, why)
				continue
			}
		}
		wants := row.wants(t)
		var shared string
		var got []string
		for _, caller := range Callers {
			t.Run(row.Op+" as "+caller, func(t *testing.T) {
				w := w.For(t)
				want := wants[caller]
				refused := want >= 400
				path := strings.SplitN(row.Op, " ", 2)[1]
				if !ops[row.Op] {
					path = strings.TrimPrefix(path, "/") // under /api/v1
				}
				if row.Path != nil {
					if refused || row.method() == http.MethodGet {
						if shared == "" {
							shared = row.Path(w)
						}
						path = shared
					} else {
						path = row.Path(w)
					}
				}
				body := row.Body
				if f, ok := body.(func(*World, string) any); ok {
					body = f(w, caller)
				}
				var before Snapshot
				if refused {
					before = w.E.Snapshot(w.A.ID, w.B.ID)
				}
				var r *Response
				if row.Send != nil {
					r = row.Send(w, w.Token(caller), path)
				} else {
					r = w.E.Do(Req{Method: row.method(), Path: path, Token: w.Token(caller), Body: body})
				}
				got = append(got, strconv.Itoa(r.Code))
				if r.Code != want {
					t.Fatalf("%d, want %d: %s", r.Code, want, clip(r.Body))
				}
				if !refused {
					return
				}
				if code := row.code(caller, want); code != "" && r.ErrorCode() != code {
					t.Errorf("error code %q, want %q", r.ErrorCode(), code)
				}
				if diff := w.E.Snapshot(w.A.ID, w.B.ID).Diff(before); diff != "" {
					t.Errorf("a refused call changed the data: %s", diff)
				}
			})
		}
		if printing {
			t.Logf("%-50s %q", row.Op, strings.Join(got, " "))
		}
	}
}

// contractPaths reads the paths of api/openapi.yaml, each operation kept as its YAML node.
func contractPaths(t testing.TB) (doc struct {
	Paths map[string]map[string]yaml.Node `yaml:"paths"`
}) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// Operations are the operations of api/openapi.yaml ("METHOD /path"), each true when it is served from the
// root rather than under /api/v1 (its path overrides servers).
func Operations(t testing.TB) map[string]bool {
	t.Helper()
	doc := contractPaths(t)
	out := map[string]bool{}
	for p, item := range doc.Paths {
		_, root := item["servers"]
		for m := range item {
			switch m {
			case "get", "put", "post", "delete", "patch", "head", "options":
				out[strings.ToUpper(m)+" "+p] = root
			}
		}
	}
	return out
}

// Snapshot is a digest of the rows of some schools, table by table.
type Snapshot map[string]string

// schoolTables are the tables with a school_id column (the tenant tables, the outbox, job leases…),
// read once from the database.
var schoolTables struct {
	once   sync.Once
	tables []string
}

// Snapshot digests the schools' rows — their own row in schools and every row of a table with a
// school_id column — to tell whether anything changed.
func (e *Env) Snapshot(schoolIDs ...string) Snapshot {
	e.T.Helper()
	schoolTables.once.Do(func() {
		tables, err := e.DB.Migrator().GetTables()
		if err != nil {
			e.T.Fatalf("snapshot: %v", err)
		}
		for _, table := range tables {
			if e.DB.Migrator().HasColumn(table, "school_id") {
				schoolTables.tables = append(schoolTables.tables, table)
			}
		}
		sort.Strings(schoolTables.tables)
	})
	out := Snapshot{}
	digest := func(table, column string) {
		var rows []map[string]any
		if err := e.DB.Table(table).Where(column+" IN ?", schoolIDs).Find(&rows).Error; err != nil {
			e.T.Fatalf("snapshot %s: %v", table, err)
		}
		lines := make([]string, 0, len(rows))
		for _, r := range rows {
			raw, _ := json.Marshal(r) // map keys are sorted
			lines = append(lines, string(raw))
		}
		sort.Strings(lines)
		h := sha256.New()
		for _, l := range lines {
			h.Write([]byte(l + "\n"))
		}
		out[table] = fmt.Sprintf("%d rows %s", len(rows), hex.EncodeToString(h.Sum(nil))[:12])
	}
	digest("schools", "id")
	for _, table := range schoolTables.tables {
		digest(table, "school_id")
	}
	return out
}

// Diff names the tables that differ from before ("" when none).
func (s Snapshot) Diff(before Snapshot) string {
	var changed []string
	for table, d := range s {
		if before[table] != d {
			changed = append(changed, fmt.Sprintf("%s (%s → %s)", table, before[table], d))
		}
	}
	slices.Sort(changed)
	if len(changed) == 0 {
		return ""
	}
	return fmt.Sprint(changed)
}

// OperationsWith lists the operations of api/openapi.yaml that take the shared parameter named (a key of
// components.parameters, e.g. "Limit"), sorted.
func OperationsWith(t testing.TB, param string) []string {
	t.Helper()
	doc := contractPaths(t)
	ops := Operations(t)
	var out []string
	for p, item := range doc.Paths {
		for m, node := range item {
			var op struct {
				Parameters []struct {
					Ref string `yaml:"$ref"`
				} `yaml:"parameters"`
			}
			if _, isOp := ops[strings.ToUpper(m)+" "+p]; !isOp || node.Decode(&op) != nil {
				continue
			}
			for _, prm := range op.Parameters {
				if prm.Ref == "#/components/parameters/"+param {
					out = append(out, strings.ToUpper(m)+" "+p)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
