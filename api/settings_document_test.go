package api_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"schoolcheck/api/apitest"
)

// apiMDSettings is the settings document of API.md: every key of it is required in a PUT.
const apiMDSettings = `{
  "timezone": "Asia/Shanghai",
  "attendance": {
    "methods": ["location", "qr"],
    "fences": [{"name": "行政楼", "lat": 28.6829, "lng": 115.8579, "radius_m": 200}],
    "max_accuracy_m": 100,
    "windows": {"mon": {"in": "07:50", "out": "17:30"}, "tue": {"in": "07:50", "out": "17:30"}},
    "late_grace_min": 5,
    "early_grace_min": 0
  },
  "meals": {
    "served": {"mon": ["lunch"], "tue": ["lunch"], "wed": ["lunch"], "thu": ["lunch"], "fri": ["lunch"]},
    "leader_photo_required": true
  },
  "observations": {"quota_per_term": {"principal": 30, "leader": 20, "teacher": 10}},
  "phones": {"collect_by": "08:30", "return_from": "16:30"},
  "reminders": {
    "meal_unrecorded": {"enabled": true, "after": {"breakfast": "09:00", "lunch": "13:30", "dinner": "19:30"}},
    "phone_collect": {"enabled": true},
    "signout": {"enabled": true, "after_min": 30},
    "feedback_overdue": {"enabled": true, "after_hours": 48},
    "observation_ack": {"enabled": true, "after_days": 7}
  },
  "term": {"start": "2026-09-01", "end": "2027-01-20"}
}`

// variableKeys are the maps whose keys are the school's (weekdays, meals, roles), not the document's.
var variableKeys = []string{"attendance.windows", "meals.served", "observations.quota_per_term",
	"reminders.meal_unrecorded.after"}

// fixedPaths lists the fixed keys of a decoded document, depth first ("meals", "meals.served", …), not
// descending into arrays and variable-key maps.
func fixedPaths(prefix string, m map[string]any) []string {
	var out []string
	for k, v := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		out = append(out, p)
		if sub, ok := v.(map[string]any); ok && !contains(variableKeys, p) {
			out = append(out, fixedPaths(p, sub)...)
		}
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// at follows a dotted path to its parent object and last key.
func at(m map[string]any, path string) (map[string]any, string) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		m = m[p].(map[string]any)
	}
	return m, parts[len(parts)-1]
}

// TestSettingsWholeDocument: PUT /school/settings takes the whole document. A new school's GET shows every
// section and key of API.md (phones and reminders too); leaving out any of them, or sending it as null, is
// a 400 naming it, as is an unknown key at any depth and anything after the object; nothing changes. The
// keys of the variable maps (windows, served, quotas, reminder times) stay the school's to choose.
func TestSettingsWholeDocument(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	p := sc.Principal.Token
	get := func() map[string]any { return e.Get("school/settings", p).Want(http.StatusOK).Map() }
	doc := get()
	var spec map[string]any
	if err := json.Unmarshal([]byte(apiMDSettings), &spec); err != nil {
		t.Fatal(err)
	}
	paths := fixedPaths("", spec)
	if got := fixedPaths("", doc); strings.Join(got, " ") != strings.Join(paths, " ") {
		t.Fatalf("a new school's settings have the keys\n%v\nAPI.md shows\n%v", got, paths)
	}
	before := e.Get("school/settings", p).Want(http.StatusOK).Body
	copyDoc := func() map[string]any {
		var m map[string]any
		if err := json.Unmarshal(before, &m); err != nil {
			t.Fatal(err)
		}
		m["attendance"].(map[string]any)["late_grace_min"] = 9 // a change that must not land
		return m
	}
	unchanged := func(t *testing.T) {
		t.Helper()
		if got := e.For(t).Get("school/settings", p).Want(http.StatusOK).Body; string(got) != string(before) {
			t.Fatalf("a refused PUT changed the settings:\n%s\n%s", before, got)
		}
	}
	for _, path := range paths {
		t.Run("missing "+path, func(t *testing.T) {
			m := copyDoc()
			parent, key := at(m, path)
			delete(parent, key)
			r := e.For(t).Put("school/settings", p, m).WantError(http.StatusBadRequest, "invalid_argument")
			if r.ErrorFields()[path] == "" {
				t.Fatalf("error.fields does not name %s: %s", path, r.Body)
			}
			unchanged(t)
		})
		t.Run("null "+path, func(t *testing.T) {
			m := copyDoc()
			parent, key := at(m, path)
			parent[key] = nil
			r := e.For(t).Put("school/settings", p, m).WantError(http.StatusBadRequest, "invalid_argument")
			if r.ErrorFields()[path] == "" {
				t.Fatalf("error.fields does not name %s: %s", path, r.Body)
			}
			unchanged(t)
		})
	}
	t.Run("several at once", func(t *testing.T) {
		m := copyDoc()
		delete(m, "meals")
		m["observations"] = nil
		m["phones"].(map[string]any)["colour"] = "blue"
		r := e.For(t).Put("school/settings", p, m).WantError(http.StatusBadRequest, "invalid_argument")
		wantFields(t, r, "meals", "observations", "phones.colour")
		unchanged(t)
	})
	t.Run("unknown keys", func(t *testing.T) {
		for _, path := range []string{"colour", "meals.snack", "reminders.signout.after_hours",
			"attendance.windows.mon.lunch"} {
			m := copyDoc()
			parent, key := at(m, path)
			parent[key] = true
			r := e.For(t).Put("school/settings", p, m).WantError(http.StatusBadRequest, "invalid_argument")
			if r.ErrorFields()[path] != "未知字段" {
				t.Fatalf("unknown %s: %s", path, r.Body)
			}
		}
		unchanged(t)
	})
	t.Run("trailing bytes", func(t *testing.T) {
		raw, _ := json.Marshal(copyDoc())
		for _, tail := range []string{" {}", "x", "}", `{"timezone":"UTC"}`} {
			r := e.For(t).Put("school/settings", p, string(raw)+tail).WantError(http.StatusBadRequest, "invalid_argument")
			wantFields(t, r, "body")
		}
		unchanged(t)
	})
	t.Run("variable keys stay variable", func(t *testing.T) {
		m := copyDoc()
		at := m["attendance"].(map[string]any)
		delete(at["windows"].(map[string]any), "fri") // Friday becomes a rest day
		at["windows"].(map[string]any)["sat"] = map[string]any{"in": "08:00", "out": "12:00"}
		delete(m["meals"].(map[string]any)["served"].(map[string]any), "fri")
		delete(m["observations"].(map[string]any)["quota_per_term"].(map[string]any), "leader")
		delete(m["reminders"].(map[string]any)["meal_unrecorded"].(map[string]any)["after"].(map[string]any), "dinner")
		e.For(t).Put("school/settings", p, m).Want(http.StatusOK)
		got := e.For(t).Get("school/settings", p).Want(http.StatusOK).Map()
		w := got["attendance"].(map[string]any)["windows"].(map[string]any)
		if w["fri"] != nil || w["sat"] == nil || got["attendance"].(map[string]any)["late_grace_min"] != float64(9) {
			t.Fatalf("windows after PUT: %v", got["attendance"])
		}
	})
}
