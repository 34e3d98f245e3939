package observations

import (
	"strings"
	"testing"

	"schoolcheck/service"
)

func TestValidateItems(t *testing.T) {
	ok := []RubricItem{{"design", " 教学设计 ", 40}, {"effect", "教学效果", 60}}
	v := service.Invalid{}
	if got := validateItems(v, ok); len(v) != 0 || got[0].Name != "教学设计" {
		t.Fatalf("valid rubric refused: %v %v", v, got)
	}
	for name, tc := range map[string]struct {
		items []RubricItem
		field string
	}{
		"empty":      {nil, "items"},
		"21 items":   {make([]RubricItem, 21), "items"},
		"duplicate":  {[]RubricItem{{"a", "甲", 10}, {"a", "乙", 10}}, "items[1].key"},
		"bad key":    {[]RubricItem{{"A-1", "甲", 10}}, "items[0].key"},
		"long key":   {[]RubricItem{{"a" + strings.Repeat("b", 32), "甲", 10}}, "items[0].key"},
		"no name":    {[]RubricItem{{"a", "", 10}}, "items[0].name"},
		"bidi name":  {[]RubricItem{{"a", "甲\u202e乙", 10}}, "items[0].name"},
		"zero max":   {[]RubricItem{{"a", "甲", 0}}, "items[0].max"},
		"over 100":   {[]RubricItem{{"a", "甲", 50}, {"b", "乙", 51}}, "items"},
		"single 101": {[]RubricItem{{"a", "甲", 101}}, "items[0].max"},
	} {
		v := service.Invalid{}
		validateItems(v, tc.items)
		if v[tc.field] == "" {
			t.Errorf("%s: fields %v, want %s", name, v, tc.field)
		}
	}
}

func TestScore(t *testing.T) {
	r := defaultRubric()
	v := service.Invalid{}
	if total := r.score(v, map[string]int{"objectives": 20, "content": 0, "methods": 15, "engagement": 10, "outcomes": 5}); total != 50 || len(v) != 0 {
		t.Fatalf("total %d, faults %v", total, v)
	}
	v = service.Invalid{}
	r.score(v, map[string]int{"objectives": 21, "content": -1, "methods": 15, "engagement": 10, "extra": 1})
	for _, f := range []string{"scores.objectives", "scores.content", "scores.outcomes", "scores.extra"} {
		if v[f] == "" {
			t.Errorf("%s not named: %v", f, v)
		}
	}
	if len(v) != 4 {
		t.Errorf("faults %v", v)
	}
	v = service.Invalid{}
	r.score(v, nil)
	if v["scores"] == "" {
		t.Errorf("no scores: %v", v)
	}
	if d := defaultRubric(); d.Version != 1 || d.MaxTotal != 100 || len(d.Items) != 5 {
		t.Errorf("the default rubric changed: %+v", d)
	}
}
