package api_test

import (
	"net/http"
	"testing"

	"schoolcheck/api/apitest"
)

// TestDatesBoundedToTheirField: every date a person types is bounded to what makes sense for it — a
// calendar day or a meal duty within a year of today or the current term, any date within 2000–2099 —
// with a 400 naming the field, and nothing written.
func TestDatesBoundedToTheirField(t *testing.T) {
	e := apitest.New(t) // today is 2026-11-25; the default term is 2026-09-01..2027-01-20
	sc := e.School()
	p := sc.Principal.Token
	leader := sc.Leader("值班主任")
	bad := []struct {
		name, method, path string
		body               map[string]any
		field              string
	}{
		{"calendar in 9999", "PUT", "calendar/9999-12-31", map[string]any{"workday": false}, "date"},
		{"calendar in 0000", "PUT", "calendar/0000-01-01", map[string]any{"workday": false}, "date"},
		{"calendar two years ahead", "PUT", "calendar/2028-10-01", map[string]any{"workday": false, "note": "国庆"}, "date"},
		{"calendar two years back", "PUT", "calendar/2024-10-01", map[string]any{"workday": false}, "date"},
		{"calendar meal twice", "PUT", "calendar/2026-11-28", map[string]any{"workday": true, "meals": []string{"lunch", "lunch"}}, "meals"},
		{"calendar note with a control character", "PUT", "calendar/2026-11-28", map[string]any{"workday": true, "note": "调\u0000休"}, "note"},
		{"calendar note with a bidi override", "PUT", "calendar/2026-11-28", map[string]any{"workday": true, "note": "调\u202e休"}, "note"},
		{"duty in 9999", "PUT", "meals/duty", map[string]any{"date": "9999-12-31", "meal": "lunch", "leader_id": leader.ID}, "date"},
		{"duty two years ahead", "PUT", "meals/duty", map[string]any{"date": "2028-11-25", "meal": "lunch", "leader_id": leader.ID}, "date"},
		{"duty two years back", "PUT", "meals/duty", map[string]any{"date": "2024-11-25", "meal": "lunch", "leader_id": leader.ID}, "date"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			e := e.For(t)
			r := e.Do(apitest.Req{Method: tc.method, Path: tc.path, Token: p, Body: tc.body}).
				WantError(http.StatusBadRequest, "invalid_argument")
			wantFields(t, r, tc.field)
		})
	}
	for _, table := range []string{"calendar_days", "meal_duties"} {
		if n := e.Count(table, sc.ID); n != 0 {
			t.Fatalf("refused dates wrote %d rows into %s", n, table)
		}
	}
	// Inside the horizon: the end of the term, a year ahead.
	e.Put("calendar/2027-01-20", p, map[string]any{"workday": false, "note": "寒假"}).Want(http.StatusOK)
	e.Put("calendar/2027-11-25", p, map[string]any{"workday": false}).Want(http.StatusOK)
	e.Put("meals/duty", p, map[string]any{"date": "2026-11-26", "meal": "lunch", "leader_id": leader.ID}).Want(http.StatusOK)

	// The term is the current one: one far off would widen every horizon to it.
	for _, term := range []map[string]any{{"start": "2090-09-01", "end": "2091-01-20"}, {"start": "2024-02-01", "end": "2024-08-31"}} {
		st := e.Get("school/settings", p).Want(http.StatusOK).Map()
		st["term"] = term
		wantFields(t, e.Put("school/settings", p, st).WantError(http.StatusBadRequest, "invalid_argument"), "term")
	}
	// A weekday's meals named twice in the settings would be counted twice by every report.
	st := e.Get("school/settings", p).Want(http.StatusOK).Map()
	st["meals"].(map[string]any)["served"].(map[string]any)["mon"] = []string{"lunch", "lunch"}
	wantFields(t, e.Put("school/settings", p, st).WantError(http.StatusBadRequest, "invalid_argument"), "meals.served.mon")
}

// TestFeedbackDateHasHappened: a parent's feedback names a meal that has happened.
func TestFeedbackDateHasHappened(t *testing.T) {
	e := apitest.New(t)
	sc := e.School()
	parent := sc.Parent(sc.Class(nil))
	for _, date := range []string{"2026-11-26", "2027-03-01", "2024-11-25"} {
		r := e.Post("feedback", parent.Token, map[string]any{"category": "taste", "content": "偏咸", "date": date, "meal": "lunch"}).
			WantError(http.StatusBadRequest, "invalid_argument")
		wantFields(t, r, "date")
	}
	e.Post("feedback", parent.Token, map[string]any{"category": "taste", "content": "偏咸", "date": "2026-11-25", "meal": "lunch"}).
		Want(http.StatusCreated)
}
