package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"schoolcheck/api/apitest"
	"schoolcheck/model"
)

// cityWorld is a city with two districts: school A and B in the first, C in the second, and inspectors of
// the city and of each district.
type cityWorld struct {
	e                *apitest.Env
	city, d1, d2     string
	a, b, c          *apitest.School
	cityInsp, d1Insp *apitest.User
	d2Insp           *apitest.User
}

func newCityWorld(t *testing.T) *cityWorld {
	t.Helper()
	e := newEnv(t)
	n := time.Now().UnixNano() % 1e9
	w := &cityWorld{e: e, city: fmt.Sprintf("市%d", n), d1: fmt.Sprintf("东区%d", n), d2: fmt.Sprintf("西区%d", n)}
	ctx := context.Background()
	for _, r := range [][2]string{{w.city, ""}, {w.d1, w.city}, {w.d2, w.city}} {
		if _, err := e.App.School.AddRegion(ctx, r[0], r[1]); err != nil {
			t.Fatal(err)
		}
	}
	w.a, w.b, w.c = e.SchoolIn(w.d1), e.SchoolIn(w.d1), e.SchoolIn(w.d2)
	w.cityInsp, w.d1Insp, w.d2Insp = e.Inspector(w.city), e.Inspector(w.d1), e.Inspector(w.d2)
	return w
}

func regionID(t *testing.T, e *apitest.Env, name string) string {
	t.Helper()
	var r model.Region
	if err := e.DB.Where("name = ?", name).Take(&r).Error; err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// TestRegionTree: the region command builds the tree and is safe to repeat; a city's inspector reads every
// school below it, a district's only its own; a region or school outside the subtree is 404.
func TestRegionTree(t *testing.T) {
	w := newCityWorld(t)
	e := w.e
	ctx := context.Background()
	again, err := e.App.School.AddRegion(ctx, w.d1, w.city)
	if err != nil || again.ID != regionID(t, e, w.d1) || again.ParentID != regionID(t, e, w.city) {
		t.Fatalf("region add again: %+v %v", again, err)
	}
	if _, err := e.App.School.AddRegion(ctx, w.city, w.d1); err == nil {
		t.Fatal("a city moved below its own district")
	}
	if _, err := e.App.School.AddRegion(ctx, "新区", "没有这个市"); err == nil {
		t.Fatal("a region under a parent that does not exist")
	}

	tree := e.Get("regions", w.cityInsp.Token).Want(http.StatusOK).Map()
	if tree["name"] != w.city || len(tree["children"].([]any)) != 2 {
		t.Fatalf("city tree %v", tree)
	}
	e.Get("regions", w.a.Principal.Token).WantError(http.StatusForbidden, "forbidden")

	cases := []struct {
		name  string
		who   *apitest.User
		path  string
		want  int
		count int // schools in the overview
	}{
		{"city reads a district school", w.cityInsp, "reports/attendance?month=2026-11&school_id=" + w.c.ID, 200, -1},
		{"district reads its school", w.d1Insp, "reports/meals?month=2026-11&school_id=" + w.a.ID, 200, -1},
		{"district cannot read the other district", w.d1Insp, "reports/meals?month=2026-11&school_id=" + w.c.ID, 404, -1},
		{"district cannot read the city", w.d2Insp, "reports/phones?month=2026-11&school_id=" + w.a.ID, 404, -1},
		{"city overview", w.cityInsp, "reports/overview?month=2026-11", 200, 3},
		{"city overview of a district", w.cityInsp, "reports/overview?month=2026-11&region_id=" + regionID(t, e, w.d2), 200, 1},
		{"district overview", w.d1Insp, "reports/overview?month=2026-11", 200, 2},
		{"district names the city", w.d1Insp, "reports/overview?month=2026-11&region_id=" + regionID(t, e, w.city), 404, -1},
		{"district names the other district", w.d1Insp, "reports/overview?month=2026-11&region_id=" + regionID(t, e, w.d2), 404, -1},
		{"principal sees one row", w.a.Principal, "reports/overview?month=2026-11", 200, 1},
		{"principal names a region", w.a.Principal, "reports/overview?month=2026-11&region_id=" + regionID(t, e, w.d1), 404, -1},
		{"teacher", w.a.Teacher("科任"), "reports/overview?month=2026-11", 403, -1},
		{"parent", w.a.Parent(w.a.Class(nil)), "reports/overview?month=2026-11", 403, -1},
		{"evidence outside the subtree", w.d2Insp, "reports/evidence?from=2026-11-01&to=2026-11-30&school_id=" + w.a.ID, 404, -1},
		{"findings outside the subtree", w.d2Insp, "inspections/findings?school_id=" + w.a.ID, 404, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.For(t)
			r := e.Get(tc.path, tc.who.Token).Want(tc.want)
			if tc.count >= 0 {
				if n := len(r.Map()["items"].([]any)); n != tc.count {
					t.Fatalf("%d schools, want %d: %s", n, tc.count, r.Body)
				}
			}
		})
	}
	ov := e.Get("reports/overview?month=2026-11", w.cityInsp.Token).Want(http.StatusOK).Map()
	subs := ov["sub_regions"].([]any)
	if len(subs) != 2 || ov["total"].(map[string]any)["schools"] != float64(3) {
		t.Fatalf("city rows %v total %v", subs, ov["total"])
	}
	for _, s := range subs {
		s := s.(map[string]any)
		want := map[string]float64{w.d1: 2, w.d2: 1}[s["region"].(map[string]any)["name"].(string)]
		if s["schools"] != want {
			t.Fatalf("sub-region %v", s)
		}
	}
}

// TestFindingsFlow: an inspector records a finding with a photo, the school is told; the principal cannot
// verify; a leader answers and the inspector is told; sent back, answered again, closed; a closed finding
// takes no response; overdue is flagged; every step is in the audit trail.
func TestFindingsFlow(t *testing.T) {
	w := newCityWorld(t)
	e := w.e
	leader := w.a.Leader("副校长")
	insp := w.d1Insp
	consent(e, w.a.Principal, "finding_new", 2)
	consent(e, leader, "finding_new", 2)
	consent(e, insp, "finding_answered", 3)

	// The inspector's photo names the school; without it, 400; of another district, 404.
	img := jpegBytes(t, 64, 48)
	e.Upload("photos", insp.Token, "file", "p.jpg", img, map[string]string{"purpose": "finding"}, nil).
		WantError(http.StatusBadRequest, "invalid_argument")
	e.Upload("photos", insp.Token, "file", "p.jpg", img, map[string]string{"purpose": "finding", "school_id": w.c.ID}, nil).
		WantError(http.StatusNotFound, "not_found")
	photo := e.Upload("photos", insp.Token, "file", "p.jpg", img, map[string]string{"purpose": "finding",
		"school_id": w.a.ID}, nil).Want(http.StatusCreated).Str("id")

	body := map[string]any{"school_id": w.a.ID, "module": "meals", "title": "陪餐记录缺照片", "detail": "11月多次无照片",
		"due": "2026-12-01", "photo_ids": []string{photo}}
	bad := []struct {
		name string
		who  *apitest.User
		body map[string]any
		want int
		code string
	}{
		{"principal", w.a.Principal, body, 403, "forbidden"},
		{"other district", w.d2Insp, body, 404, "not_found"},
		{"no module", insp, with(body, "module", "canteen"), 400, "invalid_argument"},
		{"no due", insp, with(body, "due", ""), 400, "invalid_argument"},
		{"due in 2099", insp, with(body, "due", "2099-01-01"), 400, "invalid_argument"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			e.For(t).Post("inspections/findings", tc.who.Token, tc.body).WantError(tc.want, tc.code)
		})
	}
	f := e.Post("inspections/findings", insp.Token, body).Want(http.StatusCreated).Map()
	id := f["id"].(string)
	if f["status"] != "open" || f["overdue"] != false || len(f["photos"].([]any)) != 1 || f["by"].(map[string]any)["id"] != insp.ID ||
		f["school"].(map[string]any)["id"] != w.a.ID {
		t.Fatalf("finding %v", f)
	}
	drainAll(e)
	onlyOnce(t, e, w.a.Principal, "TPL_FINDING_NEW")
	onlyOnce(t, e, leader, "TPL_FINDING_NEW")

	// Who reads it.
	for _, tc := range []struct {
		who  *apitest.User
		want int
	}{{w.a.Principal, 200}, {leader, 200}, {insp, 200}, {w.cityInsp, 200}, {w.d2Insp, 404}, {w.b.Principal, 404},
		{w.a.Teacher("科任"), 403}} {
		e.Get("inspections/findings/"+id, tc.who.Token).Want(tc.want)
	}

	// The principal cannot verify; a leader answers; the inspector is told.
	e.Post("inspections/findings/"+id+"/verify", w.a.Principal.Token, map[string]any{"accept": true}).
		WantError(http.StatusForbidden, "forbidden")
	e.Post("inspections/findings/"+id+"/responses", insp.Token, map[string]any{"content": "x"}).
		WantError(http.StatusForbidden, "forbidden")
	e.Post("inspections/findings/"+id+"/responses", w.b.Principal.Token, map[string]any{"content": "x"}).
		WantError(http.StatusNotFound, "not_found")
	lp := photoID(e, leader.Token)
	r := e.Post("inspections/findings/"+id+"/responses", leader.Token, map[string]any{"content": "已补拍并整改",
		"photo_ids": []string{lp}}).Want(http.StatusCreated).Map()
	if r["kind"] != "response" || len(r["photos"].([]any)) != 1 {
		t.Fatalf("response %v", r)
	}
	if got := e.Get("inspections/findings/"+id, insp.Token).Map(); got["status"] != "answered" || got["answered_at"] == nil {
		t.Fatalf("after the answer %v", got)
	}
	drainAll(e)
	onlyOnce(t, e, insp, "TPL_FINDING_ANSWERED")

	// Sent back, answered again, closed.
	e.Post("inspections/findings/"+id+"/verify", insp.Token, map[string]any{}).WantError(http.StatusBadRequest, "invalid_argument")
	e.Post("inspections/findings/"+id+"/verify", w.d2Insp.Token, map[string]any{"accept": true}).WantError(http.StatusNotFound, "not_found")
	back := e.Post("inspections/findings/"+id+"/verify", insp.Token, map[string]any{"accept": false, "comment": "照片不清"}).
		Want(http.StatusOK).Map()
	if back["status"] != "open" || len(back["responses"].([]any)) != 2 {
		t.Fatalf("sent back %v", back)
	}
	e.Post("inspections/findings/"+id+"/responses", w.a.Principal.Token, map[string]any{"content": "重新整改"}).Want(http.StatusCreated)
	closed := e.Post("inspections/findings/"+id+"/verify", w.cityInsp.Token, map[string]any{"accept": true, "comment": "已销号"}).
		Want(http.StatusOK).Map()
	if closed["status"] != "closed" || closed["closed_at"] == nil || len(closed["responses"].([]any)) != 4 {
		t.Fatalf("closed %v", closed)
	}
	e.Post("inspections/findings/"+id+"/responses", leader.Token, map[string]any{"content": "再补充"}).
		WantError(http.StatusConflict, "conflict")
	e.Post("inspections/findings/"+id+"/verify", insp.Token, map[string]any{"accept": true}).WantError(http.StatusConflict, "conflict")

	// Lists and the overdue flag: a second finding due tomorrow is overdue the day after.
	late := e.Post("inspections/findings", insp.Token, with(body, "photo_ids", nil, "due", "2026-11-26")).Want(http.StatusCreated).Str("id")
	e.Clock.Set(apitest.At("2026-11-27", "09:00"))
	relogin(e, insp, w.a.Principal, w.cityInsp, w.d2Insp)
	for _, tc := range []struct {
		who   *apitest.User
		query string
		want  []string
	}{
		{insp, "", []string{late, id}},
		{insp, "?status=closed", []string{id}},
		{insp, "?overdue=true", []string{late}},
		{w.cityInsp, "?school_id=" + w.a.ID + "&status=open", []string{late}},
		{w.a.Principal, "", []string{late, id}},
		{w.d2Insp, "", nil},
	} {
		items := e.Get("inspections/findings"+tc.query, tc.who.Token).Want(http.StatusOK).Items()
		if len(items) != len(tc.want) {
			t.Fatalf("%s%s: %d items, want %v", tc.who.Name, tc.query, len(items), tc.want)
		}
		for i, it := range items {
			if it["id"] != tc.want[i] {
				t.Fatalf("%s%s: %v, want %v", tc.who.Name, tc.query, it["id"], tc.want)
			}
		}
	}
	if got := e.Get("inspections/findings/"+late, insp.Token).Map(); got["overdue"] != true {
		t.Fatalf("late finding %v", got)
	}
	ov := e.Get("reports/overview?month=2026-11", insp.Token).Want(http.StatusOK).Map()
	for _, it := range ov["items"].([]any) {
		it := it.(map[string]any)
		if it["school"].(map[string]any)["id"] == w.a.ID && (it["open_findings"] != float64(1) || it["overdue_findings"] != float64(1)) {
			t.Fatalf("overview findings %v", it)
		}
	}
	e.Get("inspections/findings?overdue=maybe", insp.Token).WantError(http.StatusBadRequest, "invalid_argument")
	e.Get("inspections/findings", w.a.Teacher("科任").Token).WantError(http.StatusForbidden, "forbidden")

	// The audit trail holds the finding's creation, each change of state and the responses.
	audit := e.Get("audit?entity=finding&entity_id="+id+"&limit=100", w.a.Principal.Token).Want(http.StatusOK).Items()
	if len(audit) != 5 { // created, answered, sent back, answered, closed
		t.Fatalf("finding audit %d rows: %v", len(audit), audit)
	}
	if n := len(e.Get("audit?entity=finding_response&limit=100", w.a.Principal.Token).Want(http.StatusOK).Items()); n != 2 {
		t.Fatalf("response audit rows %d", n)
	}
}

// drainAll empties the outbox (the package's other tests may have left more than one batch due).
func drainAll(e *apitest.Env) {
	e.T.Helper()
	for range 100 {
		stats, err := e.App.Notify.Drain(context.Background())
		if err != nil {
			e.T.Fatal(err)
		}
		n := 0
		for _, v := range stats {
			n += v
		}
		if n == 0 {
			return
		}
	}
}

// TestFindingsAcrossMemberships: a finding is reached only in the membership that may: an inspector who
// is also a parent at the school, acting as the parent, is 403 until they switch to their region; a
// principal of school A who is also a leader at school B, acting in B, is 404 for A's finding.
func TestFindingsAcrossMemberships(t *testing.T) {
	w := newCityWorld(t)
	e := w.e
	id := e.Post("inspections/findings", w.d1Insp.Token, map[string]any{"school_id": w.a.ID, "module": "other",
		"title": "校园安全台账不全", "due": "2026-12-10"}).Want(http.StatusCreated).Str("id")
	drainAll(e)

	asParent := joinClass(e, w.d1Insp.Token, w.a.Class(nil).InviteCode)
	e.Get("inspections/findings/"+id, asParent).WantError(http.StatusForbidden, "forbidden")
	e.Post("inspections/findings/"+id+"/verify", asParent, map[string]any{"accept": true}).WantError(http.StatusForbidden, "forbidden")
	e.Get("reports/overview?month=2026-11", asParent).WantError(http.StatusForbidden, "forbidden")
	back := switchTo(e, asParent, map[string]string{"region_id": regionID(t, e, w.d1)}).Want(http.StatusOK).Str("token")
	e.Get("inspections/findings/"+id, back).Want(http.StatusOK)

	// A's principal also leads school B; bound once, the B membership is reached by switching.
	addStaff(e, w.b, "兼职副校长", w.a.Principal.Phone, "leader")
	tok, _ := e.BindPhone(e.Relogin(w.a.Principal), w.a.Principal.Phone)
	inB := switchTo(e, tok, map[string]string{"school_id": w.b.ID}).Want(http.StatusOK).Str("token")
	e.Get("inspections/findings/"+id, inB).WantError(http.StatusNotFound, "not_found")
	e.Post("inspections/findings/"+id+"/responses", inB, map[string]any{"content": "整改"}).WantError(http.StatusNotFound, "not_found")
	if items := e.Get("inspections/findings", inB).Want(http.StatusOK).Items(); len(items) != 0 {
		t.Fatalf("school B lists A's findings: %v", items)
	}
	inA := switchTo(e, inB, map[string]string{"school_id": w.a.ID}).Want(http.StatusOK).Str("token")
	e.Post("inspections/findings/"+id+"/responses", inA, map[string]any{"content": "已补齐台账"}).Want(http.StatusCreated)

	// The district's inspector also leads school A. Having answered a finding there, they cannot verify it
	// from the region (the same WeChat account is the same person); the city's inspector can.
	own := e.Post("inspections/findings", w.d1Insp.Token, map[string]any{"school_id": w.a.ID, "module": "meals",
		"title": "陪餐记录缺照片", "due": "2026-12-10"}).Want(http.StatusCreated).Str("id")
	drainAll(e)
	addStaff(e, w.a, "督学兼副校长", w.d1Insp.Phone, "leader")
	itok, _ := e.BindPhone(e.Relogin(w.d1Insp), w.d1Insp.Phone)
	asLeader := switchTo(e, itok, map[string]string{"school_id": w.a.ID}).Want(http.StatusOK).Str("token")
	e.Post("inspections/findings/"+own+"/responses", asLeader, map[string]any{"content": "已补拍照片"}).Want(http.StatusCreated)
	drainAll(e)
	asInspector := switchTo(e, asLeader, map[string]string{"region_id": regionID(t, e, w.d1)}).Want(http.StatusOK).Str("token")
	e.Post("inspections/findings/"+own+"/verify", asInspector, map[string]any{"accept": true}).
		WantError(http.StatusForbidden, "forbidden")
	if got := e.Get("inspections/findings/"+own, w.cityInsp.Token).Want(http.StatusOK).Str("status"); got != "answered" {
		t.Fatalf("after the refused verdict the finding is %q, want answered", got)
	}
	e.Post("inspections/findings/"+own+"/verify", w.cityInsp.Token, map[string]any{"accept": true}).Want(http.StatusOK)
}
