package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"schoolcheck/api/apitest"
	"schoolcheck/service/school"
)

// ratings is a valid set of 陪餐 ratings.
var ratings = map[string]int{"hygiene": 5, "taste": 4, "quantity": 4, "temperature": 3, "price": 5}

// mealReq is a POST /meals body for a lunch on date with the photos.
func mealReq(date string, photos ...string) map[string]any {
	if photos == nil {
		photos = []string{}
	}
	return map[string]any{"date": date, "meal": "lunch", "dishes": []string{"红烧肉", "炒青菜", " "},
		"ratings": ratings, "comment": "饭菜温度合适", "issues": "", "photo_ids": photos}
}

func TestMealLeaderRecord(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	leader := sc.Leader("钱主任")
	p := photoID(e, leader.Token)
	r := e.Post("meals", leader.Token, mealReq("2026-11-25", p)).Want(http.StatusCreated)
	var m struct {
		ID        string
		Date      string
		Meal      string
		Companion struct{ ID, Label, Role string }
		Dishes    []string
		Ratings   map[string]int
		Photos    []struct{ ID, URL string }
		CreatedAt time.Time `json:"created_at"`
		Editable  time.Time `json:"editable_until"`
	}
	r.JSON(&m)
	if m.Companion.Role != "leader" || m.Companion.Label != "钱主任" || m.Companion.ID != leader.ID {
		t.Fatalf("companion %+v", m.Companion)
	}
	if len(m.Dishes) != 2 || m.Ratings["temperature"] != 3 || m.Date != "2026-11-25" || m.Meal != "lunch" {
		t.Fatalf("record %s", r.Body)
	}
	if len(m.Photos) != 1 || m.Photos[0].ID != p || m.Photos[0].URL == "" {
		t.Fatalf("photos %+v", m.Photos)
	}
	if !m.Editable.Equal(m.CreatedAt.Add(24 * time.Hour)) {
		t.Fatalf("editable_until %v for created_at %v", m.Editable, m.CreatedAt)
	}
	// The photo now belongs to the record: it cannot be attached again.
	if _, att, _ := photoRow(e, sc.ID, p); att == nil || *att != "meal" {
		t.Fatalf("photo not attached: %v", att)
	}
	other := sc.Leader("孙主任")
	e.Post("meals", other.Token, mealReq("2026-11-25", p)).WantError(422, "invalid_photo")
	// Any staff member of the school reads it; the audit trail has the creation.
	teacher := sc.Teacher("周老师")
	got := e.Get("meals/"+m.ID, teacher.Token).Want(http.StatusOK).Map()
	if got["id"] != m.ID || len(got["photos"].([]any)) != 1 {
		t.Fatalf("GET: %v", got)
	}
	audit := e.Get("audit?entity=meal&entity_id="+m.ID, sc.Principal.Token).Want(http.StatusOK).Items()
	if len(audit) != 1 || audit[0]["action"] != "create" {
		t.Fatalf("audit %v", audit)
	}
	list := e.Get("meals?from=2026-11-25&to=2026-11-25&role=leader&meal=lunch", teacher.Token).Want(http.StatusOK).Items()
	if len(list) != 1 || list[0]["id"] != m.ID {
		t.Fatalf("list %v", list)
	}
}

func TestMealRefusals(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	leader := sc.Leader("吴主任")
	teacher := sc.Teacher("郑老师")
	insp := e.Inspector(sc.Region)
	e.Put("calendar/2026-11-20", sc.Principal.Token, map[string]any{"workday": false, "note": "运动会"}).Want(http.StatusOK)
	e.Put("calendar/2026-11-21", sc.Principal.Token, map[string]any{"workday": true, "note": "调休"}).Want(http.StatusOK)
	photo := func() []string { return []string{photoID(e, leader.Token)} }
	with := func(body map[string]any, k string, v any) map[string]any { body[k] = v; return body }
	for _, c := range []struct {
		name   string
		token  string
		body   map[string]any
		status int
		code   string
	}{
		{"tomorrow", leader.Token, mealReq("2026-11-26", photo()...), 422, "too_late"},
		{"8 days back", leader.Token, mealReq("2026-11-17", photo()...), 422, "too_late"},
		{"dinner not served", leader.Token, with(mealReq("2026-11-24", photo()...), "meal", "dinner"), 422, "meal_not_served"},
		{"saturday", leader.Token, mealReq("2026-11-22", photo()...), 422, "meal_not_served"},
		{"holiday by calendar", leader.Token, mealReq("2026-11-20", photo()...), 422, "meal_not_served"},
		{"leader without photo", leader.Token, mealReq("2026-11-24"), 422, "photo_required"},
		{"unknown photo", leader.Token, mealReq("2026-11-24", "no-such-photo"), 422, "invalid_photo"},
		{"teacher", teacher.Token, mealReq("2026-11-24"), 403, "forbidden"},
		{"inspector", insp.Token, mealReq("2026-11-24"), 403, "forbidden"},
		{"bad rating", leader.Token, with(mealReq("2026-11-24", photo()...), "ratings", map[string]int{"hygiene": 6}), 400, "invalid_argument"},
		{"bad meal", leader.Token, with(mealReq("2026-11-24", photo()...), "meal", "supper"), 400, "invalid_argument"},
		{"bad date", leader.Token, mealReq("24/11/2026", photo()...), 400, "invalid_argument"},
		{"long comment", leader.Token, with(mealReq("2026-11-24", photo()...), "comment", strings.Repeat("好", 501)), 400, "invalid_argument"},
		{"ten photos", leader.Token, mealReq("2026-11-24", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"), 400, "invalid_argument"},
		{"wrong type", leader.Token, with(mealReq("2026-11-24", photo()...), "dishes", "红烧肉"), 400, "invalid_argument"},
	} {
		t.Run(c.name, func(t *testing.T) { e.Post("meals", c.token, c.body).WantError(c.status, c.code) })
	}
	if n := e.Count("meals", sc.ID); n != 0 {
		t.Fatalf("refusals wrote %d records", n)
	}
	// A refused record leaves its photo free for the next attempt.
	p := photoID(e, leader.Token)
	e.Post("meals", leader.Token, with(mealReq("2026-11-24", p), "meal", "dinner")).WantError(422, "meal_not_served")
	e.Post("meals", leader.Token, mealReq("2026-11-24", p)).Want(http.StatusCreated)
	// The 调休 Saturday serves Monday's meals; 7 days back is still allowed.
	e.Post("meals", leader.Token, mealReq("2026-11-21", photo()...)).Want(http.StatusCreated)
	e.Post("meals", leader.Token, mealReq("2026-11-18", photo()...)).Want(http.StatusCreated)
	// One record per author, meal and day.
	e.Post("meals", leader.Token, mealReq("2026-11-24", photo()...)).WantError(http.StatusConflict, "already_recorded")
	// When the school does not ask for photos, a leader's record needs none.
	st := sc.Settings()
	st.Meals.LeaderPhotoRequired = false
	st.Attendance.Fences = []school.Fence{{Name: "行政楼", Lat: 28.6829, Lng: 115.8579, RadiusM: 200}}
	sc.SetSettings(st)
	e.Post("meals", leader.Token, mealReq("2026-11-25")).Want(http.StatusCreated)
}

func TestMealIdempotentReplay(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	leader := sc.Leader("冯主任")
	body := mealReq("2026-11-25", photoID(e, leader.Token))
	post := func() *apitest.Response {
		return e.Do(apitest.Req{Method: "POST", Path: "meals", Token: leader.Token, Body: body,
			Headers: map[string]string{"Idempotency-Key": "meal-2026-11-25-lunch"}})
	}
	first := post().Want(http.StatusCreated)
	again := post().Want(http.StatusCreated)
	if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
	}
	if n := e.Count("meals", sc.ID); n != 1 {
		t.Fatalf("%d records after a replay", n)
	}
}

func TestMealParentRecord(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	class := sc.Class(nil)
	parent, other := sc.Parent(class), sc.Parent(class)
	leader := sc.Leader("陈主任")
	p := photoID(e, parent.Token)
	r := e.Post("meals", parent.Token, mealReq("2026-11-25", p)).Want(http.StatusCreated)
	comp := r.Map()["companion"].(map[string]any)
	if comp["role"] != "parent" || comp["label"] != class.Label+"家长" || comp["id"] != parent.ID {
		t.Fatalf("parent companion %v", comp)
	}
	id := r.Str("id")
	// A parent needs no photo even when leaders do.
	e.Post("meals", other.Token, mealReq("2026-11-25")).Want(http.StatusCreated)
	// Another parent's record is 404 to a parent; lists show a parent only their own.
	e.Get("meals/"+id, other.Token).WantError(http.StatusNotFound, "not_found")
	e.Get("meals/"+id, parent.Token).Want(http.StatusOK)
	if items := e.Get("meals", other.Token).Want(http.StatusOK).Items(); len(items) != 1 || items[0]["id"] == id {
		t.Fatalf("other parent's list %v", items)
	}
	// Another parent's photo cannot be attached.
	e.Post("meals", leader.Token, mealReq("2026-11-25", photoID(e, other.Token))).WantError(422, "invalid_photo")
	if items := e.Get("meals?role=parent", leader.Token).Want(http.StatusOK).Items(); len(items) != 2 {
		t.Fatalf("leader sees %d parent records", len(items))
	}
	// Another school's records are 404, and its photos cannot be attached.
	sc2 := e.School()
	e.Get("meals/"+id, sc2.Principal.Token).WantError(http.StatusNotFound, "not_found")
	e.Post("meals", sc2.Principal.Token, mealReq("2026-11-25", photoID(e, leader.Token))).WantError(422, "invalid_photo")
}

func TestMealEditWindow(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	leader, other := sc.Leader("褚主任"), sc.Leader("卫主任")
	p1, p2 := photoID(e, leader.Token), photoID(e, leader.Token)
	id := e.Post("meals", leader.Token, mealReq("2026-11-25", p1)).Want(http.StatusCreated).Str("id")
	e.Patch("meals/"+id, other.Token, map[string]any{"comment": "改"}).WantError(http.StatusForbidden, "forbidden")
	e.Patch("meals/"+id, e.School().Principal.Token, map[string]any{"comment": "改"}).WantError(http.StatusNotFound, "not_found")
	e.Patch("meals/"+id, leader.Token, map[string]any{"photo_ids": []string{}}).WantError(422, "photo_required")
	e.Patch("meals/"+id, leader.Token, map[string]any{"ratings": map[string]int{"taste": 9}}).WantError(400, "invalid_argument")
	e.Clock.Advance(23 * time.Hour)
	token := e.Relogin(leader)
	r := e.Patch("meals/"+id, token, map[string]any{"comment": "菜量偏少", "photo_ids": []string{p2}}).Want(http.StatusOK)
	m := r.Map()
	if m["comment"] != "菜量偏少" || m["photos"].([]any)[0].(map[string]any)["id"] != p2 || m["issues"] != "" {
		t.Fatalf("patched %s", r.Body)
	}
	if _, att, _ := photoRow(e, sc.ID, p1); att != nil {
		t.Fatal("the photo left out is still attached")
	}
	audit := e.Get("audit?entity=meal&entity_id="+id, e.Relogin(sc.Principal)).Want(http.StatusOK).Items()
	if len(audit) != 2 || audit[0]["action"] != "update" {
		t.Fatalf("audit %v", audit)
	}
	changes := audit[0]["changes"].(map[string]any)
	if c := changes["comment"].(map[string]any); c["from"] != "饭菜温度合适" || c["to"] != "菜量偏少" {
		t.Fatalf("audit changes %v", changes)
	}
	if _, ok := changes["photo_ids"]; !ok {
		t.Fatalf("photo change not audited: %v", changes)
	}
	e.Clock.Advance(61 * time.Minute)
	e.Patch("meals/"+id, token, map[string]any{"comment": "再改"}).WantError(http.StatusConflict, "record_locked")
}

func TestMealDuty(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	leader, teacher := sc.Leader("蒋主任"), sc.Teacher("沈老师")
	put := func(token string, body map[string]any) *apitest.Response { return e.Put("meals/duty", token, body) }
	r := put(sc.Principal.Token, map[string]any{"date": "2026-11-26", "meal": "lunch", "leader_id": leader.ID}).Want(http.StatusOK)
	if l := r.Map()["leader"].(map[string]any); l["id"] != leader.ID || l["name"] != "蒋主任" {
		t.Fatalf("duty %s", r.Body)
	}
	put(sc.Principal.Token, map[string]any{"date": "2026-11-27", "meal": "lunch", "leader_id": sc.Principal.ID}).Want(http.StatusOK)
	put(leader.Token, map[string]any{"date": "2026-11-26", "meal": "lunch", "leader_id": leader.ID}).WantError(403, "forbidden")
	put(sc.Principal.Token, map[string]any{"date": "2026-11-26", "meal": "lunch", "leader_id": teacher.ID}).WantError(422, "not_a_leader")
	put(sc.Principal.Token, map[string]any{"date": "2026-11-28", "meal": "lunch", "leader_id": leader.ID}).WantError(422, "meal_not_served")
	put(sc.Principal.Token, map[string]any{"date": "2026-11-26", "meal": "lunch", "leader_id": e.School().Principal.ID}).
		WantError(404, "not_found")
	put(sc.Principal.Token, map[string]any{"date": "2026-11-26", "meal": "tea", "leader_id": leader.ID}).WantError(400, "invalid_argument")
	items := e.Get("meals/duty?from=2026-11-01&to=2026-11-30", teacher.Token).Want(http.StatusOK).Items()
	if len(items) != 2 || items[0]["date"] != "2026-11-26" || items[1]["date"] != "2026-11-27" {
		t.Fatalf("roster %v", items)
	}
	parent := sc.Parent(sc.Class(nil))
	e.Get("meals/duty?from=2026-11-01&to=2026-11-30", parent.Token).WantError(403, "forbidden")
	e.Get("meals/duty?from=2026-11-01&to=2027-11-30", teacher.Token).WantError(400, "invalid_argument")
	e.Get("meals/duty", teacher.Token).WantError(400, "invalid_argument")
	// Clearing: leader null.
	r = put(sc.Principal.Token, map[string]any{"date": "2026-11-26", "meal": "lunch", "leader_id": nil}).Want(http.StatusOK)
	if r.Map()["leader"] != nil {
		t.Fatalf("cleared duty %s", r.Body)
	}
	if items := e.Get("meals/duty?from=2026-11-26&to=2026-11-26", teacher.Token).Want(http.StatusOK).Items(); len(items) != 0 {
		t.Fatalf("cleared duty still listed: %v", items)
	}
	if audit := e.Get("audit?entity=meal_duty", sc.Principal.Token).Want(http.StatusOK).Items(); len(audit) != 3 {
		t.Fatalf("duty audit %v", audit)
	}
}
