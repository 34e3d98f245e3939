package notify_test

import (
	"context"
	"strings"
	"testing"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/notify"
)

// Values are fitted to WeChat's rules per keyword type, cut on a character boundary.
func TestFitValue(t *testing.T) {
	long := strings.Repeat("长", 25)
	cases := []struct{ kind, in, want string }{
		{"thing", long, strings.Repeat("长", 19) + "…"},
		{"thing", strings.Repeat("长", 20), strings.Repeat("长", 20)},
		{"thing", strings.Repeat("长", 18) + "  尾巴很长", strings.Repeat("长", 18) + "…"},
		{"thing", "  一行\n两行\t三  ", "一行 两行 三"},
		{"name", "欧阳娜娜娜娜娜娜娜娜娜娜", "欧阳娜娜娜娜娜娜娜娜"},
		{"phrase", "午餐午餐午餐", "午餐午餐午"},
		{"character_string", strings.Repeat("a", 40), strings.Repeat("a", 32)},
		// A family emoji is man ZWJ woman ZWJ girl: a cut inside it drops it whole, and so for a letter
		// with its combining mark, or a thumb with its skin tone.
		{"name", "一二三四五六七八👨\u200d👩\u200d👧", "一二三四五六七八"},
		{"name", "一二三四五六七八九x\u0301", "一二三四五六七八九"},
		{"name", "一二三四五六七八九👍\U0001F3FD", "一二三四五六七八九"},
		{"thing", strings.Repeat("长", 18) + "👨\u200d👩\u200d👧", strings.Repeat("长", 18) + "…"},
		{"time", "2026-11-25 13:30", "2026年11月25日 13:30"},
		{"time", "07:45", "07:45"},
		{"date", "2026-11-05", "2026年11月5日"},
		{"date", "2026-11-25 08:00", "2026年11月25日 08:00"},
		{"date", "下周一", "下周一"},
	}
	for _, c := range cases {
		if got := notify.FitValue(c.kind, c.in); got != c.want {
			t.Errorf("FitValue(%s, %q) = %q, want %q", c.kind, c.in, got, c.want)
		}
	}
}

// The mapping names our fields and WeChat keywords; anything else fails at startup with what is wrong.
func TestParseMapping(t *testing.T) {
	m, err := notify.ParseMapping(map[string]string{"meal_reminder": "meal:thing1, date:date2 due:time3 tip:thing4"})
	if err != nil {
		t.Fatal(err)
	}
	got := m.Render("meal_reminder", map[string]string{"meal": "午餐", "date": "2026-11-25", "due": "13:30",
		"tip": strings.Repeat("请", 30)})
	if got["thing1"] != "午餐" || got["date2"] != "2026年11月25日" || got["time3"] != "13:30" ||
		got["thing4"] != strings.Repeat("请", 19)+"…" || len(got) != 4 {
		t.Fatalf("rendered %v", got)
	}
	// Without a mapping the data's keys are the keywords.
	if got := m.Render("finding_new", map[string]string{"thing1": strings.Repeat("问", 21)}); got["thing1"] != strings.Repeat("问", 19)+"…" {
		t.Fatalf("unmapped template rendered %v", got)
	}
	for raw, want := range map[string]string{
		"meal:thing1 date":         "not field:keyword",
		"meal:thing1 dish:thing2":  `no field "dish"`,
		"meal:thingy":              "not a WeChat keyword",
		"meal:thing":               "not a WeChat keyword",
		"meal:thing1 date:thing1":  "given twice",
		"meal:thing1 meal:thing2 ": "given twice",
	} {
		if _, err := notify.ParseMapping(map[string]string{"meal_reminder": raw}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", raw, err, want)
		}
	}
	if _, err := notify.ParseMapping(map[string]string{"meal_remindr": "meal:thing1"}); err == nil ||
		!strings.Contains(err.Error(), "meal_remindr") {
		t.Errorf("unknown template: %v", err)
	}
}

// EnqueueAll queues each new key once, skips what was queued before (by itself or Enqueue), and counts
// only what it wrote.
func TestEnqueueAll(t *testing.T) {
	f := newFixture(t)
	acct := f.account(t, 5)
	if _, err := f.enqueue(t, msg(acct, "all-1"), nil); err != nil {
		t.Fatal(err)
	}
	core := service.NewCore(f.db, nil, f.clk.Now)
	run := func(keys ...string) int {
		var n int
		err := core.Tx(context.Background(), func(tx *service.Tx) error {
			ms := make([]notify.Message, len(keys))
			for i, k := range keys {
				ms[i] = msg(acct, k)
			}
			var err error
			n, err = f.svc.EnqueueAll(tx, ms)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := run("all-1", "all-2", "all-3", "all-2"); n != 2 {
		t.Fatalf("queued %d, want 2", n)
	}
	if n := run("all-1", "all-2", "all-3"); n != 0 {
		t.Fatalf("queued %d again", n)
	}
	var count int64
	f.db.Model(&model.OutboxMessage{}).Where("dedupe_key LIKE ?", "all-%").Count(&count)
	if count != 3 {
		t.Fatalf("%d rows", count)
	}
}
