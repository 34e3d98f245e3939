package api_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"schoolcheck/api/apitest"
)

// checkReq is a POST /phone-checks body: counts for collect and return, phones found for spot.
func checkReq(classID, date, kind string, counts ...int) map[string]any {
	b := map[string]any{"class_id": classID, "date": date, "kind": kind}
	switch {
	case kind == "spot" && len(counts) > 0:
		b["found"] = counts[0]
	case len(counts) == 1:
		b["counted"] = counts[0]
	case len(counts) == 2:
		b["expected"], b["counted"] = counts[0], counts[1]
	}
	return b
}

// phoneCheck is the part of a check the tests read.
type phoneCheck struct {
	ID          string `json:"id"`
	ClassID     string `json:"class_id"`
	Date        string `json:"date"`
	Kind        string `json:"kind"`
	Registered  int    `json:"registered"`
	Expected    *int   `json:"expected"`
	Counted     *int   `json:"counted"`
	Found       *int   `json:"found"`
	Discrepancy int    `json:"discrepancy"`
	Location    string `json:"location"`
	Note        string `json:"note"`
	Photos      []struct{ ID, URL string }
	Author      struct{ ID, Name string }
	Followup    *struct {
		Status     string                     `json:"status"`
		AgeHours   int                        `json:"age_hours"`
		AgeDays    int                        `json:"age_days"`
		ResolvedBy *struct{ ID, Name string } `json:"resolved_by"`
		Note       string                     `json:"note"`
	} `json:"followup"`
}

func decodeCheck(r *apitest.Response) phoneCheck {
	var c phoneCheck
	r.JSON(&c)
	return c
}

func TestPhoneCheckRecord(t *testing.T) {
	e := newEnv(t)
	ps := newPhoneSchool(e)
	cid, today := ps.Class.ID, "2026-11-25"
	e.Put("classes/"+cid+"/phones-registered", ps.Head.Token, map[string]any{"count": 38}).Want(http.StatusOK)
	e.Put("classes/"+cid+"/phone-custody", ps.Head.Token, custodyReq(ps.Head.ID)).Want(http.StatusOK)
	// The morning collection: expected defaults to the registered count, the place to the arrangement's.
	c := decodeCheck(e.Post("phone-checks", ps.Head.Token, checkReq(cid, today, "collect", 38)).Want(http.StatusCreated))
	if c.Expected == nil || *c.Expected != 38 || c.Registered != 38 || c.Discrepancy != 0 || c.Location != "班级手机柜" ||
		c.Followup != nil || c.Author.ID != ps.Head.ID || c.Author.Name != "陈老师" || c.Found != nil {
		t.Fatalf("collect %+v", c)
	}
	// One collect per class and day; the hand-back is its own; spot checks any number of times.
	e.Post("phone-checks", ps.Leader.Token, checkReq(cid, today, "collect", 38)).WantError(http.StatusConflict, "already_recorded")
	ret := checkReq(cid, today, "return", 38)
	ret["location"] = "教师办公室"
	if c := decodeCheck(e.Post("phone-checks", ps.Leader.Token, ret).Want(http.StatusCreated)); c.Location != "教师办公室" ||
		*c.Expected != 38 {
		t.Fatalf("return %+v", c)
	}
	e.Post("phone-checks", ps.Head.Token, checkReq(cid, today, "return", 38)).WantError(http.StatusConflict, "already_recorded")
	for range 2 {
		if c := decodeCheck(e.Post("phone-checks", ps.Head.Token, checkReq(cid, today, "spot", 0)).Want(http.StatusCreated)); c.Expected != nil || c.Counted != nil || *c.Found != 0 {
			t.Fatalf("spot %+v", c)
		}
	}
	// Another class keeps its own day.
	second := ps.School.Class(ps.Head)
	e.Post("phone-checks", ps.Head.Token, checkReq(second.ID, today, "collect", 0)).Want(http.StatusCreated)

	// The counts: counted within expected + 5, no negatives, a discrepancy explained, each kind its fields.
	third := ps.School.Class(ps.Head).ID
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{checkReq(third, today, "collect", 30, 36), "counted"},
		{checkReq(third, today, "collect", -1), "counted"},
		{checkReq(third, today, "collect", -2, 0), "expected"},
		{checkReq(third, today, "collect", 30, 28), "note"},
		{checkReq(third, today, "collect"), "counted"},
		{map[string]any{"class_id": third, "date": today, "kind": "collect", "counted": 0, "found": 1}, "found"},
		{checkReq(third, today, "spot"), "found"},
		{map[string]any{"class_id": third, "date": today, "kind": "spot", "found": 1, "counted": 2}, "counted"},
		{checkReq(third, today, "spot", -1), "found"},
		{checkReq(third, today, "inspect", 1), "kind"},
		{checkReq("", today, "collect", 1), "class_id"},
		{checkReq(third, "2026-11-31", "collect", 1), "date"},
	} {
		wantFields(t, e.Post("phone-checks", ps.Head.Token, tc.body).WantError(http.StatusBadRequest, "invalid_argument"), tc.field)
	}
	ok := checkReq(third, today, "collect", 30, 35)
	ok["note"] = "有 5 部未登记的手机"
	if c := decodeCheck(e.Post("phone-checks", ps.Head.Token, ok).Want(http.StatusCreated)); c.Discrepancy != -5 ||
		c.Followup == nil || c.Followup.Status != "open" {
		t.Fatalf("over-count %+v", c)
	}
	// Nothing was written by the refused requests.
	if n := len(e.Get("phone-checks?class_id="+third, ps.Head.Token).Want(http.StatusOK).Items()); n != 1 {
		t.Fatalf("class has %d checks", n)
	}
}

// Rights: the class's head teacher and leaders record; another teacher 403; parents and inspectors 403;
// another school's class 404.
func TestPhoneCheckRights(t *testing.T) {
	e := newEnv(t)
	ps := newPhoneSchool(e)
	cid, today := ps.Class.ID, "2026-11-25"
	other := e.School()
	for _, tc := range []struct {
		who    *apitest.User
		status int
	}{
		{ps.Other, 403}, {ps.Parent, 403}, {e.Inspector(ps.Region), 403}, {other.Principal, 404},
	} {
		r := e.Post("phone-checks", tc.who.Token, checkReq(cid, today, "spot", 0)).Want(tc.status)
		if tc.status == 403 && r.ErrorCode() != "forbidden" || tc.status == 404 && r.ErrorCode() != "not_found" {
			t.Fatalf("%s: %s", tc.who.Name, r.Body)
		}
	}
	id := e.Post("phone-checks", ps.Head.Token, checkReq(cid, today, "spot", 0)).Want(http.StatusCreated).Str("id")
	e.Post("phone-checks", ps.Principal.Token, checkReq(cid, today, "spot", 0)).Want(http.StatusCreated)
	// Reading: the head teacher their classes', leaders the school's; another teacher, parents, inspectors not.
	for _, u := range []*apitest.User{ps.Head, ps.Leader, ps.Principal} {
		e.Get("phone-checks/"+id, u.Token).Want(http.StatusOK)
		if n := len(e.Get("phone-checks", u.Token).Want(http.StatusOK).Items()); n != 2 {
			t.Fatalf("%s lists %d", u.Name, n)
		}
	}
	for _, u := range []*apitest.User{ps.Other, ps.Parent, e.Inspector(ps.Region)} {
		e.Get("phone-checks/"+id, u.Token).WantError(http.StatusForbidden, "forbidden")
		e.Get("phone-checks", u.Token).WantError(http.StatusForbidden, "forbidden")
		e.Get("phone-checks/followups", u.Token).WantError(http.StatusForbidden, "forbidden")
	}
	e.Get("phone-checks/"+id, other.Principal.Token).WantError(http.StatusNotFound, "not_found")
	e.Get("phone-checks?class_id="+cid, other.Principal.Token).WantError(http.StatusNotFound, "not_found")
	if n := len(e.Get("phone-checks", other.Principal.Token).Want(http.StatusOK).Items()); n != 0 {
		t.Fatalf("another school lists %d", n)
	}
	// A head teacher of another class reads only their own.
	otherHead := ps.Teacher("二班班主任")
	mine := ps.School.Class(otherHead)
	e.Get("phone-checks?class_id="+cid, otherHead.Token).WantError(http.StatusForbidden, "forbidden")
	e.Get("phone-checks/"+id, otherHead.Token).WantError(http.StatusForbidden, "forbidden")
	if n := len(e.Get("phone-checks?class_id="+mine.ID, otherHead.Token).Want(http.StatusOK).Items()); n != 0 {
		t.Fatalf("own class lists %d", n)
	}
	if n := len(e.Get("phone-checks", otherHead.Token).Want(http.StatusOK).Items()); n != 0 {
		t.Fatalf("head teacher lists %d", n)
	}
}

// Two collections of one class and day sent at once: exactly one is recorded, the other is 409.
func TestPhoneCheckOnceAtOnce(t *testing.T) {
	e := newEnv(t)
	e.Clock.Set(apitest.At("2026-11-16", "08:00"))
	ps := newPhoneSchool(e)
	for round, day := range []struct{ date, kind string }{{"2026-11-16", "collect"}, {"2026-11-16", "return"},
		{"2026-11-17", "collect"}} {
		e.Clock.Set(apitest.At(day.date, "09:00"))
		relogin(e, ps.Head, ps.Leader)
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for i, u := range []*apitest.User{ps.Head, ps.Leader} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = e.Post("phone-checks", u.Token, checkReq(ps.Class.ID, day.date, day.kind, 0)).Code
			}()
		}
		wg.Wait()
		if got := [2]int{codes[0], codes[1]}; got != [2]int{201, 409} && got != [2]int{409, 201} {
			t.Fatalf("round %d: statuses %v, want one 201 and one 409", round, codes)
		}
	}
	if n := e.Count("phone_checks", ps.ID); n != 3 {
		t.Fatalf("%d checks recorded", n)
	}
}

// Checks are of school days, from a week back to today, never before the school opened.
func TestPhoneCheckSchoolDays(t *testing.T) {
	e := newEnv(t)
	e.Clock.Set(apitest.At("2026-11-13", "09:00"))
	ps := newPhoneSchool(e) // opened Friday 2026-11-13
	e.Clock.Set(apitest.At("2026-11-23", "09:00"))
	relogin(e, ps.Head, ps.Principal)
	cid := ps.Class.ID
	e.Put("calendar/2026-11-20", ps.Principal.Token, map[string]any{"workday": false, "note": "运动会"}).Want(http.StatusOK)
	e.Put("calendar/2026-11-21", ps.Principal.Token, map[string]any{"workday": true, "note": "调休"}).Want(http.StatusOK)
	for _, tc := range []struct {
		date   string
		status int
		code   string
	}{
		{"2026-11-22", 422, "not_a_workday"}, // Sunday
		{"2026-11-20", 422, "not_a_workday"}, // a holiday of the calendar
		{"2026-11-21", 201, ""},              // a 调休 Saturday
		{"2026-11-23", 201, ""},              // today
		{"2026-11-24", 422, "too_late"},      // tomorrow
		{"2026-11-16", 201, ""},              // a week back
		{"2026-11-15", 422, "too_late"},      // eight days back (a Sunday, but the window comes first)
	} {
		r := e.Post("phone-checks", ps.Head.Token, checkReq(cid, tc.date, "collect", 0)).Want(tc.status)
		if tc.code != "" && r.ErrorCode() != tc.code {
			t.Fatalf("%s: %s", tc.date, r.Body)
		}
	}
	// Before the school opened: refused even within the week.
	e.Clock.Set(apitest.At("2026-11-16", "09:00"))
	relogin(e, ps.Head)
	e.Post("phone-checks", ps.Head.Token, checkReq(cid, "2026-11-12", "collect", 0)).WantError(422, "too_late")
}

// expected defaults to the count in force on the check's date, after a change in mid-month and after one
// filed late; a return defaults to that day's collected count.
func TestPhoneCheckExpectedInForce(t *testing.T) {
	e := newEnv(t)
	e.Clock.Set(apitest.At("2026-11-02", "09:00"))
	ps := newPhoneSchool(e)
	cid := ps.Class.ID
	reg := "classes/" + cid + "/phones-registered"
	e.Put(reg, ps.Head.Token, map[string]any{"count": 40}).Want(http.StatusOK)
	e.Clock.Set(apitest.At("2026-11-16", "09:00"))
	relogin(e, ps.Head)
	e.Put(reg, ps.Head.Token, map[string]any{"count": 36}).Want(http.StatusOK)
	e.Clock.Set(apitest.At("2026-11-18", "09:00"))
	relogin(e, ps.Head)
	e.Put(reg, ps.Head.Token, map[string]any{"count": 37, "from": "2026-11-17"}).Want(http.StatusOK)
	for _, tc := range []struct {
		date     string
		expected int
	}{{"2026-11-13", 40}, {"2026-11-16", 36}, {"2026-11-17", 37}, {"2026-11-18", 37}} {
		c := decodeCheck(e.Post("phone-checks", ps.Head.Token, checkReq(cid, tc.date, "collect", tc.expected)).Want(http.StatusCreated))
		if *c.Expected != tc.expected || c.Registered != tc.expected || c.Discrepancy != 0 {
			t.Fatalf("%s: %+v", tc.date, c)
		}
	}
	// 36 were collected on the 16th: a return of 34 is a discrepancy that needs a note.
	e.Post("phone-checks", ps.Head.Token, map[string]any{"class_id": cid, "date": "2026-11-16", "kind": "return",
		"counted": 34}).WantError(http.StatusBadRequest, "invalid_argument")
	e.Clock.Set(apitest.At("2026-11-19", "17:00"))
	relogin(e, ps.Head)
	// Two students were away on the 19th: 35 handed in (explained), so 35 are due back.
	c := decodeCheck(e.Post("phone-checks", ps.Head.Token, map[string]any{"class_id": cid, "date": "2026-11-19",
		"kind": "collect", "counted": 35, "note": "两名学生请假"}).Want(http.StatusCreated))
	if *c.Expected != 37 || c.Discrepancy != 2 || c.Followup == nil {
		t.Fatalf("collect with absences %+v", c)
	}
	c = decodeCheck(e.Post("phone-checks", ps.Head.Token, checkReq(cid, "2026-11-19", "return", 35)).Want(http.StatusCreated))
	if *c.Expected != 35 || c.Registered != 37 || c.Discrepancy != 0 || c.Followup != nil {
		t.Fatalf("return after absences %+v", c)
	}
}

// A discrepancy or phones found opens a follow-up; leaders see the open ones with their age; the head
// teacher or a leader closes them with a note. The author corrects a check within 24 hours.
func TestPhoneCheckFollowup(t *testing.T) {
	e := newEnv(t)
	ps := newPhoneSchool(e)
	cid, today := ps.Class.ID, "2026-11-25"
	e.Put("classes/"+cid+"/phones-registered", ps.Head.Token, map[string]any{"count": 40}).Want(http.StatusOK)
	short := checkReq(cid, today, "collect", 38)
	short["note"] = "两部未交，已联系家长"
	collect := decodeCheck(e.Post("phone-checks", ps.Head.Token, short).Want(http.StatusCreated))
	if collect.Discrepancy != 2 || collect.Followup == nil || collect.Followup.Status != "open" {
		t.Fatalf("collect %+v", collect)
	}
	spot := decodeCheck(e.Post("phone-checks", ps.Leader.Token, checkReq(cid, today, "spot", 1)).Want(http.StatusCreated))
	if spot.Followup == nil || spot.Followup.Status != "open" || spot.Discrepancy != 0 {
		t.Fatalf("spot %+v", spot)
	}
	clean := e.Post("phone-checks", ps.Head.Token, checkReq(cid, today, "spot", 0)).Want(http.StatusCreated).Str("id")

	e.Clock.Advance(26 * time.Hour)
	relogin(e, ps.Head, ps.Leader, ps.Other, ps.Principal, ps.Parent)
	items := e.Get("phone-checks/followups", ps.Leader.Token).Want(http.StatusOK).Items()
	if len(items) != 2 || items[0]["id"] != collect.ID || items[1]["id"] != spot.ID {
		t.Fatalf("followups %v", items)
	}
	if f, _ := items[0]["followup"].(map[string]any); f["age_hours"] != float64(26) || f["age_days"] != float64(1) {
		t.Fatalf("age %v", items[0]["followup"])
	}
	if n := len(e.Get("phone-checks/followups", ps.Head.Token).Want(http.StatusOK).Items()); n != 2 {
		t.Fatalf("head teacher sees %d", n)
	}
	// Closing: a note is needed; another teacher 403; the head teacher closes once.
	e.Post("phone-checks/"+collect.ID+"/resolve", ps.Head.Token, map[string]string{"note": " "}).
		WantError(http.StatusBadRequest, "invalid_argument")
	e.Post("phone-checks/"+collect.ID+"/resolve", ps.Other.Token, map[string]string{"note": "已处理"}).
		WantError(http.StatusForbidden, "forbidden")
	e.Post("phone-checks/"+collect.ID+"/resolve", ps.Parent.Token, map[string]string{"note": "已处理"}).
		WantError(http.StatusForbidden, "forbidden")
	done := decodeCheck(e.Post("phone-checks/"+collect.ID+"/resolve", ps.Head.Token,
		map[string]string{"note": "家长已将手机带回家"}).Want(http.StatusOK))
	if f := done.Followup; f == nil || f.Status != "resolved" || f.Note != "家长已将手机带回家" || f.ResolvedBy == nil ||
		f.ResolvedBy.ID != ps.Head.ID || f.AgeHours != 26 {
		t.Fatalf("resolved %+v", done.Followup)
	}
	e.Post("phone-checks/"+collect.ID+"/resolve", ps.Leader.Token, map[string]string{"note": "再次"}).
		WantError(http.StatusConflict, "conflict")
	e.Post("phone-checks/"+clean+"/resolve", ps.Leader.Token, map[string]string{"note": "无问题"}).
		WantError(http.StatusConflict, "conflict")
	e.Post("phone-checks/"+spot.ID+"/resolve", ps.Principal.Token, map[string]string{"note": "手机已交家长"}).Want(http.StatusOK)
	if n := len(e.Get("phone-checks/followups", ps.Leader.Token).Want(http.StatusOK).Items()); n != 0 {
		t.Fatalf("%d still open", n)
	}
	// A day later the check is locked as evidence.
	e.Patch("phone-checks/"+collect.ID, ps.Head.Token, map[string]any{"note": "改"}).WantError(http.StatusConflict, "record_locked")
	// The trail: created, then resolved with the note.
	trail := e.Get("audit?entity=phone_check&entity_id="+collect.ID, ps.Principal.Token).Want(http.StatusOK).Items()
	if len(trail) != 2 || trail[0]["action"] != "update" || trail[1]["action"] != "create" {
		t.Fatalf("audit %v", trail)
	}
}

func TestPhoneCheckCorrection(t *testing.T) {
	e := newEnv(t)
	ps := newPhoneSchool(e)
	cid, today := ps.Class.ID, "2026-11-25"
	e.Put("classes/"+cid+"/phones-registered", ps.Head.Token, map[string]any{"count": 40}).Want(http.StatusOK)
	c := decodeCheck(e.Post("phone-checks", ps.Head.Token, checkReq(cid, today, "collect", 40)).Want(http.StatusCreated))
	// Only the author corrects; a miscount becomes a discrepancy that needs a note and opens a follow-up.
	e.Patch("phone-checks/"+c.ID, ps.Leader.Token, map[string]any{"counted": 39}).WantError(http.StatusForbidden, "forbidden")
	e.Patch("phone-checks/"+c.ID, ps.Head.Token, map[string]any{"counted": 39}).WantError(http.StatusBadRequest, "invalid_argument")
	e.Patch("phone-checks/"+c.ID, ps.Head.Token, map[string]any{"found": 1}).WantError(http.StatusBadRequest, "invalid_argument")
	fixed := decodeCheck(e.Patch("phone-checks/"+c.ID, ps.Head.Token, map[string]any{"counted": 39, "note": "一部漏记"}).
		Want(http.StatusOK))
	if fixed.Discrepancy != 1 || fixed.Followup == nil || fixed.Followup.Status != "open" {
		t.Fatalf("corrected %+v", fixed)
	}
	// Corrected back: nothing to follow any more.
	fixed = decodeCheck(e.Patch("phone-checks/"+c.ID, ps.Head.Token, map[string]any{"counted": 40}).Want(http.StatusOK))
	if fixed.Discrepancy != 0 || fixed.Followup != nil {
		t.Fatalf("corrected back %+v", fixed)
	}
	// Photos: the author's own, attached by the correction.
	p := e.Upload("photos", ps.Head.Token, "file", "cabinet.jpg", jpegBytes(t, 64, 48), map[string]string{"purpose": "phone_check"}, nil).
		Want(http.StatusCreated).Str("id")
	if got := decodeCheck(e.Patch("phone-checks/"+c.ID, ps.Head.Token, map[string]any{"photo_ids": []string{p}}).Want(http.StatusOK)); len(got.Photos) != 1 || got.Photos[0].ID != p {
		t.Fatalf("photos %+v", got.Photos)
	}
	e.Get("phone-checks/"+c.ID, ps.Leader.Token).Want(http.StatusOK)
	leaderPhoto := photoID(e, ps.Leader.Token)
	e.Post("phone-checks", ps.Head.Token, map[string]any{"class_id": cid, "date": today, "kind": "spot", "found": 0,
		"photo_ids": []string{leaderPhoto}}).WantError(http.StatusUnprocessableEntity, "invalid_photo")
	// A follow-up once resolved keeps the check as it was resolved.
	short := checkReq(cid, today, "return", 40, 39)
	short["note"] = "一部未发还"
	ret := e.Post("phone-checks", ps.Head.Token, short).Want(http.StatusCreated).Str("id")
	e.Post("phone-checks/"+ret+"/resolve", ps.Leader.Token, map[string]string{"note": "已找到并发还"}).Want(http.StatusOK)
	e.Patch("phone-checks/"+ret, ps.Head.Token, map[string]any{"counted": 40}).WantError(http.StatusConflict, "conflict")
	// Three changes and the creation are audited; after 24 hours the record is locked.
	if n := len(e.Get("audit?entity=phone_check&entity_id="+c.ID, ps.Principal.Token).Want(http.StatusOK).Items()); n != 4 {
		t.Fatalf("%d audit rows", n)
	}
	e.Clock.Advance(25 * time.Hour)
	relogin(e, ps.Head)
	e.Patch("phone-checks/"+c.ID, ps.Head.Token, map[string]any{"note": "迟到的更正"}).WantError(http.StatusConflict, "record_locked")
}

func TestPhoneCheckList(t *testing.T) {
	e := newEnv(t)
	e.Clock.Set(apitest.At("2026-11-23", "09:00"))
	ps := newPhoneSchool(e)
	cid := ps.Class.ID
	e.Post("phone-checks", ps.Head.Token, checkReq(cid, "2026-11-23", "collect", 0)).Want(http.StatusCreated)
	e.Post("phone-checks", ps.Head.Token, checkReq(cid, "2026-11-23", "return", 0)).Want(http.StatusCreated)
	e.Clock.Set(apitest.At("2026-11-24", "09:00"))
	relogin(e, ps.Head)
	e.Post("phone-checks", ps.Head.Token, checkReq(cid, "2026-11-24", "collect", 0)).Want(http.StatusCreated)
	e.Post("phone-checks", ps.Head.Token, checkReq(cid, "2026-11-24", "spot", 0)).Want(http.StatusCreated)
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"", 4}, {"?kind=collect", 2}, {"?from=2026-11-24", 2}, {"?to=2026-11-23", 2},
		{"?from=2026-11-24&to=2026-11-24&kind=spot&class_id=" + cid, 1}, {"?limit=3", 3},
	} {
		if n := len(e.Get("phone-checks"+tc.query, ps.Head.Token).Want(http.StatusOK).Items()); n != tc.want {
			t.Fatalf("%q: %d items, want %d", tc.query, n, tc.want)
		}
	}
	first := e.Get("phone-checks?limit=3", ps.Head.Token).Want(http.StatusOK)
	next := first.Str("next_cursor")
	if items := e.Get("phone-checks?limit=3&cursor="+next, ps.Head.Token).Want(http.StatusOK).Items(); len(items) != 1 ||
		items[0]["date"] != "2026-11-23" || items[0]["kind"] != "collect" {
		t.Fatalf("second page %v", items)
	}
	for _, q := range []string{"?kind=x", "?from=2026-11-25&to=2026-11-24", "?from=24.11."} {
		e.Get("phone-checks"+q, ps.Head.Token).WantError(http.StatusBadRequest, "invalid_argument")
	}
}
