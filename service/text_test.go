package service_test

import (
	"testing"

	"schoolcheck/service"
)

func TestCleanName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"  三年级2班 ", "三年级2班", true},
		{"李  娜", "李 娜", true},
		{"e\u0301cole", "\u00e9cole", true}, // NFC: the same letter typed two ways compares equal
		{"三年级a\u0000b班", "", false},
		{"三年级\u202e班2", "", false}, // right-to-left override
		{"王\u200b校长", "", false},   // zero-width space
		{"王\u2066校长", "", false},   // bidi isolate
		{"一\n二", "", false},
		{"\ufeff王", "", false},
	} {
		got, ok := service.CleanName(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("CleanName(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"  今天的菜\r\n有点咸\u0000 ":  "今天的菜\n有点咸",
		"看\u202e这里":             "看这里",
		"家人👨\u200d👩\u200d👧 很满意": "家人👨\u200d👩\u200d👧 很满意", // the joiner inside an emoji stays
		"a\u200bb\ufeffc":       "abc",
		"行一\u2028行二":            "行一\n行二",
	} {
		if got := service.CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClip(t *testing.T) {
	if got := service.Clip("一二三四五六", 4); got != "一二三…" {
		t.Fatalf("Clip = %q", got)
	}
	if got := service.Clip("一二", 4); got != "一二" {
		t.Fatalf("Clip = %q", got)
	}
}

func TestInvalidCollector(t *testing.T) {
	v := service.Invalid{}
	v.Date("date", "2026-13-01")
	v.Date("year", "9999-12-31")
	v.Month("month", "1970-01")
	v.OneOf("meal", "supper", false, "breakfast", "lunch", "dinner")
	v.OneOf("role", "", true, "a", "b")
	v.Range("count", 0, 1, 10)
	v.Name("name", "王\u202e", 10)
	v.Span("from", "2026-11-10", "to", "2026-11-01", 0)
	if v.Text("comment", "短", 10) != "短" {
		t.Fatal("text changed")
	}
	want := map[string]string{"date": "格式应为 YYYY-MM-DD", "year": "日期应在 2000–2099 年之间",
		"month": "月份应在 2000–2099 年之间", "meal": "应为 breakfast、lunch 或 dinner", "count": "应在 1–10 之间",
		"name": "不能包含控制字符、换行或不可见字符", "to": "结束日期不能早于开始日期"}
	for k, msg := range want {
		if v[k] != msg {
			t.Errorf("%s: %q, want %q", k, v[k], msg)
		}
	}
	if len(v) != len(want) {
		t.Errorf("fields %v", v)
	}
	if (service.Invalid{}).Err() != nil || v.Err() == nil {
		t.Fatal("Err")
	}
}
