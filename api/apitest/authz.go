package apitest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"testing"

	"schoolcheck/model"
)

// The callers of the role × route runner. Every row is tried as each of them.
const (
	Nobody         = "nobody"
	Principal      = "principal"
	Leader         = "leader"
	Teacher        = "teacher"
	HeadTeacher    = "head teacher"
	Parent         = "parent"
	Inspector      = "inspector"
	OtherPrincipal = "other principal"        // the principal of school B (same region)
	OtherParent    = "other parent"           // a parent of another class of school A
	FarInspector   = "other region inspector" // an inspector of a region without school A
)

// Callers lists every caller of the runner.
var Callers = []string{Nobody, Principal, Leader, Teacher, HeadTeacher, Parent, Inspector, OtherPrincipal, OtherParent,
	FarInspector}

// World is school A — whose records the rows name — with one person of each kind, school B in the same
// region, and an inspector of another region.
type World struct {
	E            *Env
	A, B         *School
	Leader       *User
	Teacher      *User // a teacher with no class
	Head         *User // the head teacher of Class
	Parent       *User // a parent of Class
	OtherParent  *User // a parent of another class of A
	Inspector    *User // an inspector of A's region
	FarInspector *User
	Class        *Class
}

// NewWorld builds the callers of the runner.
func NewWorld(e *Env) *World {
	e.T.Helper()
	w := &World{E: e, A: e.School()}
	w.B = e.SchoolIn(w.A.Region)
	w.Leader, w.Teacher, w.Head = w.A.Leader("主任"), w.A.Teacher("科任"), w.A.Teacher("班主任")
	w.Class = w.A.Class(w.Head)
	w.Parent = w.A.Parent(w.Class)
	w.OtherParent = w.A.Parent(w.A.Class(nil))
	w.Inspector = e.Inspector(w.A.Region)
	w.FarInspector = e.Inspector(fmt.Sprintf("远区%d", unique()))
	return w
}

// For is the world with fixtures reporting to t.
func (w *World) For(t testing.TB) *World {
	c := *w
	c.E, c.A, c.B = w.E.For(t), w.A.For(t), w.B.For(t)
	return &c
}

// Token is a caller's token ("" for nobody).
func (w *World) Token(caller string) string {
	u := map[string]*User{Principal: w.A.Principal, Leader: w.Leader, Teacher: w.Teacher, HeadTeacher: w.Head,
		Parent: w.Parent, Inspector: w.Inspector, OtherPrincipal: w.B.Principal, OtherParent: w.OtherParent,
		FarInspector: w.FarInspector}[caller]
	if u == nil {
		return ""
	}
	return u.Token
}

// Route is one row of the role × route table: a route that names a record of school A, and who may use it.
type Route struct {
	Name   string
	Method string
	// Path makes a fresh target in school A (so a row's success cannot spoil the next caller's) and returns
	// the request path.
	Path func(w *World) string
	Body any
	// OK lists the callers who may, with the status they get.
	OK map[string]int
	// Deny overrides the refusal a caller gets; by default nobody is 401, the other school's principal 404
	// (they may not learn the record exists), the other region's inspector 404 where the region's inspector
	// may use the route and as the region's inspector otherwise, and everyone else 403.
	Deny map[string]int
}

// Want is the status a caller gets on the route.
func (r Route) Want(caller string) int {
	if s, ok := r.OK[caller]; ok {
		return s
	}
	if s, ok := r.Deny[caller]; ok {
		return s
	}
	switch caller {
	case Nobody:
		return http.StatusUnauthorized
	case OtherPrincipal:
		return http.StatusNotFound
	case FarInspector:
		if _, ok := r.OK[Inspector]; ok {
			return http.StatusNotFound
		}
		return r.Want(Inspector)
	}
	return http.StatusForbidden
}

var refusalCode = map[int]string{401: "unauthenticated", 403: "forbidden", 404: "not_found"}

// Check runs every route as every caller, each as a subtest: the status and error code must be the row's,
// and a refused call must leave school A's data exactly as it was.
func (w *World) Check(t *testing.T, routes []Route) {
	t.Helper()
	for _, rt := range routes {
		for _, caller := range Callers {
			t.Run(rt.Name+" as "+caller, func(t *testing.T) {
				w := w.For(t)
				path := rt.Path(w)
				want := rt.Want(caller)
				before := w.E.Snapshot(w.A.ID)
				r := w.E.Do(Req{Method: rt.Method, Path: path, Token: w.Token(caller), Body: rt.Body})
				if r.Code != want {
					t.Fatalf("%d, want %d: %s", r.Code, want, r.Body)
				}
				if code, refused := refusalCode[want]; refused {
					if r.ErrorCode() != code {
						t.Fatalf("error code %q, want %q", r.ErrorCode(), code)
					}
					if diff := w.E.Snapshot(w.A.ID).Diff(before); diff != "" {
						t.Fatalf("a refused call changed school A: %s", diff)
					}
				}
			})
		}
	}
}

// Snapshot is a digest of every tenant table's rows of one school.
type Snapshot map[string]string

// Snapshot digests a school's rows, table by table, to tell whether anything changed.
func (e *Env) Snapshot(schoolID string) Snapshot {
	e.T.Helper()
	out := Snapshot{}
	for _, table := range model.TenantTables() {
		var rows []map[string]any
		if err := e.DB.Table(table).Where("school_id = ?", schoolID).Find(&rows).Error; err != nil {
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
