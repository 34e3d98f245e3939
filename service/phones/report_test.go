package phones

import (
	"testing"

	"schoolcheck/model"
	"schoolcheck/service/school"
)

func TestHistoryOn(t *testing.T) {
	h := history{"c": {{FromDate: "2026-11-02", Count: 40}, {FromDate: "2026-11-16", Count: 38}}}
	for date, want := range map[string]int{"2026-11-01": 0, "2026-11-02": 40, "2026-11-15": 40, "2026-11-16": 38,
		"2026-12-31": 38} {
		if got := h.on("c", date); got != want {
			t.Errorf("%s: %d, want %d", date, got, want)
		}
	}
	if h.on("other", "2026-11-20") != 0 {
		t.Error("a class without history has phones")
	}
}

// The due rules: a school day with phones registered calls for a collect and a return; today's are due from
// their times; a record makes its day due whatever the count; days before the class was created and rest
// days count nowhere.
func TestTallyClass(t *testing.T) {
	plans := []school.DayPlan{{Date: "2026-11-20", Workday: true}, {Date: "2026-11-21"}, {Date: "2026-11-23", Workday: true},
		{Date: "2026-11-24", Workday: true}, {Date: "2026-11-25", Workday: true}}
	reg := func(date string) int {
		if date >= "2026-11-24" {
			return 30
		}
		return 0
	}
	days := map[string]dayRow{
		"2026-11-23": {Collects: 1},
		"2026-11-24": {Collects: 1, Spots: 2, Found: 1, OpenItems: 1},
		"2026-11-25": {Collects: 1, DiscOpen: 1, OpenItems: 1},
	}
	for _, tc := range []struct {
		name    string
		created string
		now     dueNow
		want    Figures
	}{
		{"morning", "2026-10-01", dueNow{date: "2026-11-25", collect: true},
			Figures{SchoolDays: 4, CollectDue: 3, CollectDays: 3, ReturnDue: 1, Coverage: 0.75}},
		{"evening", "2026-10-01", dueNow{date: "2026-11-25", collect: true, ret: true},
			Figures{SchoolDays: 4, CollectDue: 3, CollectDays: 3, ReturnDue: 2, Coverage: 0.6}},
		{"created on the 24th", "2026-11-24", dueNow{date: "2026-11-25"},
			Figures{SchoolDays: 2, CollectDue: 2, CollectDays: 2, ReturnDue: 1, Coverage: 0.6667}},
	} {
		want := tc.want
		want.Discrepancies, want.SpotChecks, want.PhonesFound, want.OpenFollowups = Discrepancies{Open: 1}, 2, 1, 2
		if got := tallyClass(plans, days, reg, tc.created, tc.now); got != want {
			t.Errorf("%s: %+v\nwant %+v", tc.name, got, want)
		}
	}
}

func TestSettle(t *testing.T) {
	n := func(i int) *int { return &i }
	for _, tc := range []struct {
		r    model.PhoneCheck
		diff int
		bad  string
	}{
		{model.PhoneCheck{Kind: KindCollect, Expected: n(40), Counted: n(40)}, 0, ""},
		{model.PhoneCheck{Kind: KindCollect, Expected: n(40), Counted: n(38)}, 2, "note"},
		{model.PhoneCheck{Kind: KindReturn, Expected: n(40), Counted: n(38), Note: "两部未还"}, 2, ""},
		{model.PhoneCheck{Kind: KindCollect, Expected: n(40), Counted: n(45), Note: "多了"}, -5, ""},
		{model.PhoneCheck{Kind: KindCollect, Expected: n(40), Counted: n(46), Note: "多了"}, -6, "counted"},
		{model.PhoneCheck{Kind: KindSpot, Found: n(3)}, 0, ""},
	} {
		err := settle(&tc.r)
		if tc.r.Discrepancy != tc.diff || (err == nil) != (tc.bad == "") {
			t.Errorf("%+v: discrepancy %d, err %v", tc.r, tc.r.Discrepancy, err)
		}
	}
}
