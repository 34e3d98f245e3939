package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"schoolcheck/api/apitest"
)

// invisible are the characters no name may hold and no text may keep: NUL, a C1 control, a right-to-left
// override, a zero-width space, a BOM, a line separator.
var invisible = []string{"\u0000", "\u0085", "\u202e", "\u200b", "\ufeff", "\u2028"}

// TestInvisibleCharactersNeverReachOthers: a name or label with a control, bidi or zero-width character is
// a 400 naming the field; free text loses them; both are NFC-normalised. What other people see — the
// class label on a parent's record and on the meals report, a staff name — is exactly what was meant.
func TestInvisibleCharactersNeverReachOthers(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	p := sc.Principal.Token
	leader := sc.Leader("甲主任")
	for _, bad := range invisible {
		for _, req := range []struct {
			path  string
			body  map[string]any
			field string
		}{
			{"classes", map[string]any{"grade": "三年级", "name": "a" + bad + "b班", "student_count": 40}, "name"},
			{"classes", map[string]any{"grade": "三" + bad + "年级", "name": "2班", "student_count": 40}, "grade"},
			{"staff", map[string]any{"name": "李" + bad + "娜", "phone": apitest.Phone(), "roles": []string{"teacher"}}, "name"},
			{"staff", map[string]any{"name": "李娜", "phone": apitest.Phone(), "roles": []string{"teacher"}, "subjects": []string{"语" + bad + "文"}}, "subjects"},
			{"attendance/displays", map[string]any{"name": "办公" + bad + "室"}, "name"},
		} {
			r := e.Post(req.path, p, req.body).WantError(http.StatusBadRequest, "invalid_argument")
			wantFields(t, r, req.field)
		}
		r := e.Post("meals", leader.Token, map[string]any{"date": "2026-11-25", "meal": "lunch",
			"dishes": []string{"红烧" + bad + "肉"}, "ratings": ratings, "photo_ids": []string{photoID(e, leader.Token)}}).
			WantError(http.StatusBadRequest, "invalid_argument")
		wantFields(t, r, "dishes")
	}
	if n := e.Count("classes", sc.ID); n != 0 {
		t.Fatalf("%d classes with invisible characters were stored", n)
	}
	// NFC: "é" typed as e + a combining accent is stored as the one character; spaces inside collapse.
	st := e.Post("staff", p, map[string]any{"name": "  Andre\u0301   Li ", "phone": apitest.Phone(), "roles": []string{"teacher"}}).
		Want(http.StatusCreated).Map()
	if st["name"] != "Andr\u00e9 Li" {
		t.Fatalf("name %q, want NFC and single spaces", st["name"])
	}
	// Free text keeps its line breaks and loses the rest.
	e.Post("classes", p, map[string]any{"grade": "三年级", "name": "2班", "student_count": 40}).Want(http.StatusCreated)
	m := e.Post("meals", leader.Token, map[string]any{"date": "2026-11-25", "meal": "lunch", "dishes": []string{"红烧肉"},
		"ratings": ratings, "comment": "温度\u202e合适\u0000\n分量足\u200b", "issues": "\ufeff无", "photo_ids": []string{photoID(e, leader.Token)}}).
		Want(http.StatusCreated).Map()
	if m["comment"] != "温度合适\n分量足" || m["issues"] != "无" {
		t.Fatalf("free text kept invisible characters: %q %q", m["comment"], m["issues"])
	}
	lv := e.Post("attendance/leaves", leader.Token, map[string]any{"type": "sick", "from": "2026-11-26", "to": "2026-11-26",
		"reason": "\u202e发烧\u0000"}).Want(http.StatusCreated).Map()
	if lv["reason"] != "发烧" {
		t.Fatalf("leave reason %q", lv["reason"])
	}
	// Nothing a report shows carries an invisible character.
	for _, path := range []string{"reports/meals?month=2026-11", "staff?limit=100", "classes", "meals"} {
		var doc any
		e.Get(path, p).Want(http.StatusOK).JSON(&doc)
		walkStrings(doc, func(s string) {
			for _, bad := range invisible {
				if strings.Contains(s, bad) {
					t.Errorf("%s shows %q with %q", path, s, bad)
				}
			}
		})
	}
}

// walkStrings calls fn with every string of a decoded JSON document.
func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, y := range x {
			walkStrings(y, fn)
		}
	case map[string]any:
		for _, y := range x {
			walkStrings(y, fn)
		}
	}
}

// TestListCursorAndSubscriptionCount: a cursor the server did not issue is a 400 naming it (a client must
// never loop on a page that silently restarts); a subscription count of 0 is a 400, no count is one
// consent, more than 10 is a 400, and consents stop accumulating at 50 per template; an unknown key of a
// strict document names the field.
func TestListCursorAndSubscriptionCount(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	p := sc.Principal.Token
	for _, path := range []string{"staff", "audit", "attendance/requests", "meals", "feedback"} {
		for _, cursor := range []string{"garbage", "YzE6", "%00"} {
			r := e.Get(path+"?cursor="+cursor, p).WantError(http.StatusBadRequest, "invalid_argument")
			wantFields(t, r, "cursor")
		}
	}
	parent := sc.Parent(sc.Class(nil))
	sub := func(body map[string]any) *apitest.Response { return e.Post("subscriptions", parent.Token, body) }
	wantFields(t, sub(map[string]any{"template": "feedback_reply", "count": 0}).WantError(http.StatusBadRequest, "invalid_argument"), "count")
	wantFields(t, sub(map[string]any{"template": "feedback_reply", "count": 11}).WantError(http.StatusBadRequest, "invalid_argument"), "count")
	wantFields(t, sub(map[string]any{"template": "feedback_reply", "count": -1}).WantError(http.StatusBadRequest, "invalid_argument"), "count")
	if got := sub(map[string]any{"template": "feedback_reply"}).Want(http.StatusCreated).Map(); got["remaining"] != float64(1) {
		t.Fatalf("no count: %v", got)
	}
	var last map[string]any
	for range 8 {
		last = sub(map[string]any{"template": "feedback_reply", "count": 10}).Want(http.StatusCreated).Map()
	}
	if last["remaining"] != float64(50) {
		t.Fatalf("consents accumulated to %v, want the cap 50", last["remaining"])
	}
	st := e.Get("school/settings", p).Want(http.StatusOK).Map()
	st["attendance"].(map[string]any)["late_grace_minutes"] = 5
	r := e.Put("school/settings", p, st).WantError(http.StatusBadRequest, "invalid_argument")
	if r.ErrorFields()["attendance.late_grace_minutes"] == "" {
		t.Fatalf("unknown key without its field: %s", r.Body)
	}
}

// stamp is the one timestamp format of every response.
var stamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$`)

// TestTimestampsOneFormat: records written at a time with a fraction of a second show it in the school's
// offset and whole seconds, like every other timestamp (apitest checks every date-time field of every
// response against the same format).
func TestTimestampsOneFormat(t *testing.T) {
	e := apitest.New(t, apitest.WithNow(apitest.DefaultNow.Add(123456789*time.Nanosecond)))
	sc := e.School()
	leader := sc.Leader("甲主任")
	parent := sc.Parent(sc.Class(nil))
	m := e.Post("meals", leader.Token, mealReq("2026-11-25", photoID(e, leader.Token))).Want(http.StatusCreated).Map()
	fb := e.Post("feedback", parent.Token, map[string]any{"category": "taste", "content": "偏咸"}).Want(http.StatusCreated).Map()
	lv := e.Post("attendance/leaves", leader.Token, map[string]any{"type": "sick", "from": "2026-11-26", "to": "2026-11-26",
		"reason": "病"}).Want(http.StatusCreated).Map()
	d := e.Post("attendance/displays", sc.Principal.Token, map[string]any{"name": "办公室"}).Want(http.StatusCreated).Map()
	for what, v := range map[string]any{"meal created_at": m["created_at"], "meal editable_until": m["editable_until"],
		"feedback created_at": fb["created_at"], "leave created_at": lv["created_at"], "display created_at": d["created_at"]} {
		if s, _ := v.(string); !stamp.MatchString(s) {
			t.Errorf("%s = %v, want 2026-11-25T09:00:00+08:00", what, v)
		}
	}
	if m["created_at"] != "2026-11-25T09:00:00+08:00" {
		t.Errorf("meal created_at %v", m["created_at"])
	}
}
