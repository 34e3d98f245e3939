package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// Parents are pseudonymous to the school. What the school reads of a parent's meal, feedback and audit
// rows carries a random per-link pseudonym: never the account id, a teacher-parent's staff id or name, nor
// the class link's id that GET /classes/{id}/parents shows with the relation and join time. Removal still
// works through that link id.
func TestParentsPseudonymousToTheSchool(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	head := sc.Teacher("班主任")
	class := sc.Class(head)
	parent := sc.Parent(class)
	teacherParent := sc.Teacher("也是家长的老师")
	tpTok := joinClass(e, teacherParent.Token, class.InviteCode)
	p := sc.Principal.Token

	// What the school could tie a record to.
	named := map[string]string{parent.AccountID: "parent's account", teacherParent.AccountID: "teacher's account",
		teacherParent.ID: "teacher's staff id", parent.LinkID: "parent's link id",
		e.LinkID(teacherParent.AccountID, class.ID): "teacher's link id"}
	for _, it := range e.Get("classes/"+class.ID+"/parents", p).Want(http.StatusOK).Items() {
		if _, ok := named[it["id"].(string)]; !ok || it["id"] == parent.AccountID || it["id"] == teacherParent.AccountID {
			t.Fatalf("the class's parents show %v, want link ids only", it)
		}
	}

	var companions []string
	for _, tok := range []string{parent.Token, tpTok} {
		r := e.Post("meals", tok, mealReq("2026-11-25")).Want(http.StatusCreated).Map()
		comp := r["companion"].(map[string]any)
		id, _ := comp["id"].(string)
		if comp["role"] != "parent" || comp["label"] != class.Label+"家长" {
			t.Fatalf("a parent's meal shows %v", comp)
		}
		if what, ok := named[id]; ok {
			t.Fatalf("a parent's meal carries the %s", what)
		}
		if u, err := uuid.Parse(id); err != nil || u.Version() != 4 {
			t.Fatalf("the pseudonym %q is not a random UUIDv4 (a time-ordered id would give away the join time)", id)
		}
		companions = append(companions, id)
		e.Post("feedback", tok, map[string]any{"category": "taste", "content": "偏咸"}).Want(http.StatusCreated)
	}
	if companions[0] == companions[1] {
		t.Fatal("two parents share a pseudonym")
	}
	// A parent sees and corrects their own record.
	if items := e.Get("meals", parent.Token).Want(http.StatusOK).Items(); len(items) != 1 {
		t.Fatalf("a parent's own meals: %v", items)
	}
	// Feedback shows the class label only.
	for _, fb := range e.Get("feedback", p).Want(http.StatusOK).Items() {
		raw, _ := json.Marshal(fb["from"])
		if string(raw) != `{"label":"`+class.Label+`家长","role":"parent"}` {
			t.Fatalf("feedback from %s", raw)
		}
	}

	// The audit trail: parents' meals and feedback carry the pseudonyms; joins name the link itself.
	var entries []struct {
		Actor    struct{ ID, Name string } `json:"actor"`
		Entity   string                    `json:"entity"`
		EntityID string                    `json:"entity_id"`
		Action   string                    `json:"action"`
	}
	e.Get("audit?limit=100", p).Want(http.StatusOK).JSON(&struct {
		Items any `json:"items"`
	}{&entries})
	seen := map[string]bool{}
	for _, en := range entries {
		switch en.Entity {
		case "meal", "feedback":
			seen[en.Entity] = true
			if what, ok := named[en.Actor.ID]; ok || en.Actor.Name == teacherParent.Name {
				t.Fatalf("the audit row of a parent's %s names the %s (%q)", en.Entity, what, en.Actor.Name)
			}
		case "parent_link":
			if en.Action == "create" && en.Actor.ID != en.EntityID {
				t.Fatalf("a join is audited by %v, want the link itself", en.Actor)
			}
			if strings.Contains(en.Actor.Name, teacherParent.Name) {
				t.Fatal("a teacher's join names the teacher")
			}
		}
	}
	if !seen["meal"] || !seen["feedback"] {
		t.Fatalf("no parent rows in the audit trail: %+v", entries)
	}

	// Removal works through the link id.
	e.Delete("classes/"+class.ID+"/parents/"+parent.LinkID, head.Token).Want(http.StatusNoContent)
	e.Get("me", parent.Token).WantError(http.StatusForbidden, "not_bound")
	e.Delete("classes/"+class.ID+"/parents/"+parent.AccountID, head.Token).WantError(http.StatusNotFound, "not_found")
}
