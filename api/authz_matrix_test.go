package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"schoolcheck/api/apitest"
	"schoolcheck/storage"
)

// authzMatrix is the one table of who may do what: a row per operation of api/openapi.yaml, a column per
// kind of caller (apitest.Callers), the status each gets. The records named are school A's: the class is
// w.Class (headed by w.Head, w.Parent's), meals are w.Leader's, feedback w.Parent's, observations
// w.Leader's of w.Head. Columns:
//
//	none  no token                          insp  an inspector of A's region
//	unb   a WeChat login bound to nothing   pins  an inspector of the region above A's
//	par   a parent of w.Class               oprn  school B's principal (same region)
//	tch   a teacher with no class           far   an inspector of another region
//	head  w.Class's head teacher            dual  a leader of A acting as a parent in B
//	lead  a leader (主任) of A              opar  a parent of another class of A
//	prin  A's principal
//
// Writes by B's principal (and by dual, in B) of things that are not A's records — a calendar day, a
// class, a leave — land in their own school: TestAuthzCrossSchoolDetails and TestMembershipsWalk check
// where. Rows touching the callers' own memberships (join, bind-phone, switch) come last.
func authzMatrix(w *apitest.World) []apitest.Row {
	n := 0
	next := func() int { n++; return n }
	obsDay := 0 // observations get dates of their own, back from today within the term
	nextObs := func() int { obsDay++; return obsDay }
	past := func(days int) string {
		return apitest.DefaultNow.AddDate(0, 0, -days).In(apitest.Shanghai).Format(time.DateOnly)
	}
	future := func(days int) string {
		return apitest.DefaultNow.AddDate(0, 0, days).In(apitest.Shanghai).Format(time.DateOnly)
	}
	path := func(p string) func(*apitest.World) string { return func(*apitest.World) string { return p } }
	class := func(suffix string) func(*apitest.World) string {
		return func(w *apitest.World) string { return "classes/" + w.Class.ID + suffix }
	}
	staff := func(w *apitest.World) string {
		return "staff/" + w.E.Post("staff", w.A.Principal.Token, map[string]any{"name": "对象", "phone": apitest.Phone(),
			"roles": []string{"teacher"}}).Want(http.StatusCreated).Str("id")
	}
	// currentInvite is w.Class's invite code now (the invite-code row rotates it).
	currentInvite := func(w *apitest.World) string {
		for _, c := range w.E.Get("classes?limit=100", w.A.Principal.Token).Want(http.StatusOK).Items() {
			if c["id"] == w.Class.ID {
				w.Class.InviteCode = c["invite_code"].(string)
			}
		}
		return w.Class.InviteCode
	}
	linked := func(w *apitest.World) *apitest.User {
		currentInvite(w)
		return w.A.Parent(w.Class)
	}
	removed := func(w *apitest.World) string {
		p := linked(w)
		w.E.Delete("classes/"+w.Class.ID+"/parents/"+p.LinkID, w.A.Principal.Token).Want(http.StatusNoContent)
		return "classes/" + w.Class.ID + "/parents/" + p.LinkID + "/readmit"
	}
	display := func(w *apitest.World) map[string]any {
		return w.E.Post("attendance/displays", w.A.Principal.Token, map[string]any{"name": fmt.Sprintf("办公室%d", next())}).
			Want(http.StatusCreated).Map()
	}
	displayToken := func(w *apitest.World) string {
		u, err := url.Parse(display(w)["url"].(string))
		if err != nil {
			w.E.T.Fatal(err)
		}
		return strings.TrimPrefix(u.Path, "/display/")
	}
	leave := func(w *apitest.World) string {
		d := future(10 + next())
		return "attendance/requests/" + w.E.Post("attendance/leaves", w.Teacher.Token, map[string]any{"type": "personal",
			"from": d, "to": d, "reason": "家中有事"}).Want(http.StatusCreated).Str("id") + "/decision"
	}
	var mealID string
	meal := func(w *apitest.World) string {
		if mealID == "" {
			mealID = w.E.Post("meals", w.Leader.Token, mealReq(past(0), photoID(w.E, w.Leader.Token))).
				Want(http.StatusCreated).Str("id")
		}
		return "meals/" + mealID
	}
	feedback := func(suffix string) func(*apitest.World) string {
		return func(w *apitest.World) string { return "feedback/" + w.E.Feedback(w.Parent, "口味一般") + suffix }
	}
	check := func(found int, suffix string) func(*apitest.World) string {
		return func(w *apitest.World) string {
			return "phone-checks/" + w.E.Post("phone-checks", w.Head.Token, checkReq(w.Class.ID, past(0), "spot", found)).
				Want(http.StatusCreated).Str("id") + suffix
		}
	}
	observation := func(suffix string) func(*apitest.World) string {
		return func(w *apitest.World) string {
			return "observations/" + observe(w.E, w.Leader.Token, obsReq(w.Head.ID, past(nextObs()), 15)) + suffix
		}
	}
	lesson := func(suffix string) func(*apitest.World) string {
		return func(w *apitest.World) string {
			return "observations/lessons/" + w.E.Post("observations/lessons", w.Leader.Token, lessonReq(w.Head.ID,
				future(next()))).Want(http.StatusCreated).Str("id") + suffix
		}
	}
	upload := func(field string, content func(w *apitest.World) []byte, fields map[string]string) func(*apitest.World, string, string) *apitest.Response {
		return func(w *apitest.World, token, path string) *apitest.Response {
			return w.E.Upload(path, token, field, "file", content(w), fields, nil)
		}
	}
	jpeg := func(w *apitest.World) []byte { return jpegBytes(w.E.T, 64, 48) }
	// photo is a photo of the caller's, when they may upload one ("" otherwise).
	photo := func(w *apitest.World, caller string) string {
		if r := upload("file", jpeg, map[string]string{"purpose": "meal"})(w, w.Token(caller), "photos"); r.Code == http.StatusCreated {
			return r.Str("id")
		}
		return ""
	}
	objectPath := func(w *apitest.World) string {
		var m struct {
			Photos []struct{ URL string } `json:"photos"`
		}
		w.E.Get(meal(w), w.Leader.Token).Want(http.StatusOK).JSON(&m)
		u, err := url.Parse(m.Photos[0].URL)
		if err != nil {
			w.E.T.Fatal(err)
		}
		return u.RequestURI()
	}
	finding := func(suffix string) func(*apitest.World) string {
		return func(w *apitest.World) string {
			id := w.E.Post("inspections/findings", w.Inspector.Token, map[string]any{"school_id": w.A.ID, "module": "phones",
				"title": "手机柜未上锁", "due": "2026-12-10"}).Want(http.StatusCreated).Str("id")
			drainAll(w.E) // the school's notices: leave no batch due for the package's other tests
			return "inspections/findings/" + id + suffix
		}
	}
	consoleLogin := func(w *apitest.World) string {
		lr, err := w.E.App.Auth.StartConsoleLogin(context.Background(), "203.0.113.9", "authz")
		if err != nil {
			w.E.T.Fatal(err)
		}
		return lr.ID
	}
	month := "?month=2026-11"
	ofA := func(p string) func(*apitest.World) string {
		return func(w *apitest.World) string { return p + "&school_id=" + w.A.ID }
	}

	return []apitest.Row{
		//      none unb  par  tch  head lead prin insp pins oprn far  dual opar
		// Health and metrics: open, and say nothing of anyone.
		{Want: "200  200  200  200  200  200  200  200  200  200  200  200  200", Op: "GET /healthz"},
		{Want: "200  200  200  200  200  200  200  200  200  200  200  200  200", Op: "GET /readyz"},
		{Want: "200  200  200  200  200  200  200  200  200  200  200  200  200", Op: "GET /metrics"},
		// A photo object by its signed link (the embedded store serves it): the signature is the access.
		{Want: "200  200  200  200  200  200  200  200  200  200  200  200  200", Op: "GET /objects/{key}", Path: objectPath, Skip: func(w *apitest.World) string {
			if _, ok := w.E.Store.(*storage.Local); !ok {
				return "MinIO serves objects itself"
			}
			return ""
		}},
		{Want: "200  200  200  200  200  200  200  200  200  200  200  200  200", Op: "POST /auth/login", Body: func(w *apitest.World, _ string) any {
			code := fmt.Sprintf("matrix%d", next())
			w.E.WX.AddCode(code, fmt.Sprintf("oMatrix%d", n), "")
			return map[string]string{"code": code}
		}},
		{Want: "401  403  200  200  200  200  200  200  200  200  200  200  200", Op: "GET /me"},

		// The roster and classes (school administration).
		//      none unb  par  tch  head lead prin insp pins oprn far  dual opar
		{Want: "401  403  403  200  200  200  200  403  403  200  403  403  403", Op: "GET /staff"},
		{Want: "401  403  403  403  403  403  201  403  403  201  403  403  403", Op: "POST /staff", Body: func(*apitest.World, string) any {
			return map[string]any{"name": "新人", "phone": apitest.Phone(), "roles": []string{"teacher"}}
		}},
		{Want: "401  403  403  403  403  200  200  403  403  404  403  403  403", Op: "GET /staff/{id}", Path: staff},
		{Want: "401  403  403  403  403  403  200  403  403  404  403  403  403", Op: "PATCH /staff/{id}", Path: staff, Body: map[string]any{"name": "改名"}},
		{Want: "401  403  403  403  403  403  204  403  403  404  403  403  403", Op: "DELETE /staff/{id}", Path: staff},
		{Want: "401  403  403  403  403  403  200  403  403  200  403  403  403", Op: "POST /staff/import", Send: upload("file", func(w *apitest.World) []byte {
			return workbook(w.E.T, [][]any{{"姓名", "手机号", "角色"}, {"导入", apitest.Phone(), "教师"}})
		}, nil)},
		{Want: "401  403  200  200  200  200  200  403  403  200  403  200  200", Op: "GET /classes"},
		{Want: "401  403  403  403  403  403  201  403  403  201  403  403  403", Op: "POST /classes", Body: func(*apitest.World, string) any {
			return map[string]any{"grade": "一年级", "name": fmt.Sprintf("%d班", next())}
		}},
		{Want: "401  403  403  403  403  403  200  403  403  404  403  403  403", Op: "PATCH /classes/{id}", Path: class(""), Body: map[string]any{"student_count": 41}},
		{Want: "401  403  403  403  200  403  200  403  403  404  403  403  403", Op: "POST /classes/{id}/invite-code", Path: class("/invite-code")},
		{Want: "401  403  403  403  200  403  200  403  403  404  403  403  403", Op: "GET /classes/{id}/parents", Path: class("/parents")},
		{Want: "401  403  403  403  204  403  204  403  403  404  403  403  403", Op: "DELETE /classes/{id}/parents/{parent_id}", Path: func(w *apitest.World) string {
			return "classes/" + w.Class.ID + "/parents/" + linked(w).LinkID
		}},
		{Want: "401  403  403  403  200  200  200  403  403  404  403  403  403", Op: "POST /classes/{id}/parents/{parent_id}/readmit", Path: removed},
		{Want: "401  403  403  200  200  200  200  403  403  200  403  403  403", Op: "GET /school/settings"},
		{Want: "401  403  403  403  403  403  200  403  403  200  403  403  403", Op: "PUT /school/settings", Body: func(w *apitest.World, _ string) any { return w.A.Settings() }},
		{Want: "401  403  403  200  200  200  200  403  403  200  403  403  403", Op: "GET /calendar", Path: path("calendar" + month)},
		// A date is not a record: B's principal sets their own school's day.
		{Want: "401  403  403  403  403  403  200  403  403  200  403  403  403", Op: "PUT /calendar/{date}", Path: path("calendar/2026-12-13"), Body: map[string]any{"workday": true}},
		{Want: "401  403  403  403  403  403  204  403  403  404  403  403  403", Op: "DELETE /calendar/{date}", Path: func(w *apitest.World) string {
			w.E.Put("calendar/2026-12-12", w.A.Principal.Token, map[string]any{"workday": true, "note": "调休"}).Want(http.StatusOK)
			return "calendar/2026-12-12"
		}},
		{Want: "401  403  403  403  403  403  200  403  403  200  403  403  403", Op: "GET /audit"},

		// Office sign-in.
		//      none unb  par  tch  head lead prin insp pins oprn far  dual opar
		{Want: "401  403  403  201  201  201  201  403  403  422  403  403  403", Op: "POST /attendance/punches", Body: func(w *apitest.World, _ string) any {
			return map[string]any{"kind": "in", "qr_token": w.E.Get("attendance/qr", w.Leader.Token).Want(http.StatusOK).Str("token")}
		}},
		{Want: "401  403  403  403  403  200  200  403  403  200  403  403  403", Op: "GET /attendance/qr"},
		{Want: "401  403  403  200  200  200  200  403  403  200  403  403  403", Op: "GET /attendance/days", Path: path("attendance/days" + month)},
		{Want: "401  403  403  403  403  403  201  403  403  201  403  403  403", Op: "POST /attendance/displays", Body: func(*apitest.World, string) any {
			return map[string]any{"name": fmt.Sprintf("屏%d", next())}
		}},
		{Want: "401  403  403  403  403  403  200  403  403  200  403  403  403", Op: "GET /attendance/displays"},
		{Want: "401  403  403  403  403  403  204  403  403  404  403  403  403", Op: "DELETE /attendance/displays/{id}", Path: func(w *apitest.World) string {
			return "attendance/displays/" + display(w)["id"].(string)
		}},
		{Want: "401  403  403  201  201  201  201  403  403  201  403  403  403", Op: "POST /attendance/leaves", Body: func(*apitest.World, string) any {
			d := future(40 + next())
			return map[string]any{"type": "personal", "from": d, "to": d, "reason": "家中有事"}
		}},
		{Want: "401  403  403  201  201  201  201  403  403  201  403  403  403", Op: "POST /attendance/corrections", Body: func(*apitest.World, string) any {
			return map[string]any{"date": past(0), "kind": "out", "reason": "忘记打卡"}
		}},
		{Want: "401  403  403  200  200  200  200  403  403  200  403  403  403", Op: "GET /attendance/requests"},
		{Want: "401  403  403  403  403  200  200  403  403  404  403  403  403", Op: "POST /attendance/requests/{id}/decision", Path: leave, Body: map[string]any{"approve": false, "comment": "请改天"}},
		{Want: "401  403  403  403  403  200  200  200  200  404  404  403  403", Op: "GET /reports/attendance", Path: ofA("reports/attendance" + month)},
		{Want: "200  200  200  200  200  200  200  200  200  200  200  200  200", Op: "GET /display/{token}", Path: func(w *apitest.World) string { return "/display/" + displayToken(w) }},
		{Want: "200  200  200  200  200  200  200  200  200  200  200  200  200", Op: "GET /display/{token}/qr.json", Path: func(w *apitest.World) string { return "/display/" + displayToken(w) + "/qr.json" }},
		{Want: "200  200  200  200  200  200  200  200  200  200  200  200  200", Op: "GET /q/{token}", Path: func(w *apitest.World) string {
			return "/q/" + w.E.Get("attendance/qr", w.Leader.Token).Want(http.StatusOK).Str("token")
		}},

		// Meals (陪餐) and parents' feedback. Inspectors upload photos for a school they name (findings).
		//      none unb  par  tch  head lead prin insp pins oprn far  dual opar
		{Want: "401  403  201  201  201  201  201  400  400  201  400  201  201", Op: "POST /photos", Send: upload("file", jpeg, map[string]string{"purpose": "meal"})},
		{Want: "401  403  201  403  403  201  201  403  403  201  403  201  201", Op: "POST /meals", Body: func(w *apitest.World, caller string) any {
			p := photo(w, caller)
			req := mealReq(past(1), p)
			if p == "" {
				req["photo_ids"] = []string{}
			}
			return req
		}},
		{Want: "401  403  200  200  200  200  200  403  403  200  403  200  200", Op: "GET /meals"},
		{Want: "401  403  403  200  200  200  200  403  403  200  403  403  403", Op: "GET /meals/duty", Path: path("meals/duty?from=2026-11-23&to=2026-11-29")},
		{Want: "401  403  403  403  403  403  200  403  403  404  403  403  403", Op: "PUT /meals/duty", Body: func(w *apitest.World, _ string) any {
			return map[string]any{"date": "2026-11-26", "meal": "lunch", "leader_id": w.Leader.ID}
		}},
		{Want: "401  403  404  200  200  200  200  403  403  404  403  404  404", Op: "GET /meals/{id}", Path: meal},
		{Want: "401  403  404  403  403  200  403  403  403  404  403  404  404", Op: "PATCH /meals/{id}", Path: meal, Body: map[string]string{"comment": "改"}},
		{Want: "401  403  201  403  403  403  403  403  403  403  403  201  201", Op: "POST /feedback", Body: map[string]any{"category": "taste", "content": "偏咸"}},
		{Want: "401  403  200  403  403  200  200  403  403  200  403  200  200", Op: "GET /feedback"},
		{Want: "401  403  200  403  403  200  200  403  403  404  403  404  404", Op: "GET /feedback/{id}", Path: feedback("")},
		{Want: "401  403  201  403  403  201  201  403  403  404  403  404  404", Op: "POST /feedback/{id}/replies", Path: feedback("/replies"), Body: map[string]string{"content": "收到"}},
		{Want: "401  403  200  403  403  403  403  403  403  404  403  404  404", Op: "POST /feedback/{id}/close", Path: feedback("/close"), Body: map[string]bool{"satisfied": true}},
		{Want: "401  403  201  201  201  201  201  201  201  201  201  201  201", Op: "POST /subscriptions", Body: map[string]any{"template": "feedback_reply", "count": 1}},
		{Want: "401  403  200  200  200  200  200  200  200  200  200  200  200", Op: "GET /subscriptions"},
		{Want: "401  403  403  403  403  200  200  200  200  404  404  403  403", Op: "GET /reports/meals", Path: ofA("reports/meals" + month)},

		// Phone custody.
		//      none unb  par  tch  head lead prin insp pins oprn far  dual opar
		{Want: "401  403  403  403  200  200  200  403  403  404  403  403  403", Op: "GET /classes/{id}/phones-registered", Path: class("/phones-registered")},
		{Want: "401  403  403  403  200  200  200  403  403  404  403  403  403", Op: "PUT /classes/{id}/phones-registered", Path: class("/phones-registered"), Body: map[string]int{"count": 30}},
		{Want: "401  403  200  403  200  200  200  403  403  404  403  403  403", Op: "GET /classes/{id}/phone-custody", Path: class("/phone-custody")},
		{Want: "401  403  403  403  200  200  200  403  403  404  403  403  403", Op: "PUT /classes/{id}/phone-custody", Path: class("/phone-custody"), Body: custodyReq(w.Head.ID)},
		{Want: "401  403  403  403  403  200  200  403  403  200  403  403  403", Op: "GET /classes/phone-custody/missing"},
		{Want: "401  403  403  403  201  201  201  403  403  404  403  403  403", Op: "POST /phone-checks", Body: checkReq(w.Class.ID, past(0), "spot", 0)},
		{Want: "401  403  403  403  200  200  200  403  403  404  403  403  403", Op: "GET /phone-checks", Path: func(w *apitest.World) string { return "phone-checks?class_id=" + w.Class.ID }},
		{Want: "401  403  403  403  200  200  200  403  403  404  403  403  403", Op: "GET /phone-checks/followups", Path: func(w *apitest.World) string { return "phone-checks/followups?class_id=" + w.Class.ID }},
		{Want: "401  403  403  403  200  200  200  403  403  404  403  403  403", Op: "GET /phone-checks/{id}", Path: check(0, "")},
		{Want: "401  403  403  403  200  403  403  403  403  404  403  403  403", Op: "PATCH /phone-checks/{id}", Path: check(0, ""), Body: map[string]string{"note": "更正"}},
		{Want: "401  403  403  403  200  200  200  403  403  404  403  403  403", Op: "POST /phone-checks/{id}/resolve", Path: check(1, "/resolve"), Body: map[string]string{"note": "已交还家长"}},
		{Want: "401  403  403  403  403  200  200  200  200  404  404  403  403", Op: "GET /reports/phones", Path: ofA("reports/phones" + month)},

		// Lesson observations (听课评课).
		//      none unb  par  tch  head lead prin insp pins oprn far  dual opar
		{Want: "401  403  403  200  200  200  200  403  403  200  403  403  403", Op: "GET /observations/rubric"},
		{Want: "401  403  403  403  403  403  200  403  403  200  403  403  403", Op: "PUT /observations/rubric", Body: func(w *apitest.World, _ string) any {
			return map[string]any{"items": w.E.Get("observations/rubric", w.A.Principal.Token).Want(http.StatusOK).Map()["items"]}
		}},
		{Want: "401  403  403  201  422  201  201  403  403  404  403  403  403", Op: "POST /observations", Body: func(w *apitest.World, _ string) any { return obsReq(w.Head.ID, past(nextObs()), 15) }},
		{Want: "401  403  403  200  200  200  200  403  403  200  403  403  403", Op: "GET /observations"},
		{Want: "401  403  403  404  200  200  200  403  403  404  403  403  403", Op: "GET /observations/{id}", Path: observation("")},
		{Want: "401  403  403  404  403  200  403  403  403  404  403  403  403", Op: "PATCH /observations/{id}", Path: observation(""), Body: map[string]any{"topic": "改课题"}},
		{Want: "401  403  403  404  200  403  403  403  403  404  403  403  403", Op: "POST /observations/{id}/acknowledge", Path: observation("/acknowledge"),
			Body: map[string]string{"reflection": "导入环节还要更贴近学生生活"}},
		{Want: "401  403  403  403  201  201  201  403  403  404  403  403  403", Op: "POST /observations/lessons", Body: func(w *apitest.World, _ string) any { return lessonReq(w.Head.ID, future(next())) }},
		{Want: "401  403  403  200  200  200  200  403  403  200  403  403  403", Op: "GET /observations/lessons"},
		{Want: "401  403  403  200  200  200  200  403  403  404  403  403  403", Op: "GET /observations/lessons/{id}", Path: lesson("")},
		{Want: "401  403  403  200  422  200  200  403  403  404  403  403  403", Op: "POST /observations/lessons/{id}/attend", Path: lesson("/attend")},
		{Want: "401  403  403  403  403  200  200  200  200  404  404  403  403", Op: "GET /reports/observations", Path: ofA("reports/observations?from=2026-11-01&to=2026-11-30")},

		// Inspections: the region's and the region above's inspectors read A; findings are theirs to record
		// and verify, the school's to answer.
		// Each inspector reads their own region's tree; a school's leaders their school's row.
		//      none unb  par  tch  head lead prin insp pins oprn far  dual opar
		{Want: "401  403  403  403  403  403  403  200  200  403  200  403  403", Op: "GET /regions"},
		{Want: "401  403  403  403  403  200  200  200  200  200  200  403  403", Op: "GET /reports/overview", Path: path("reports/overview" + month)},
		{Want: "401  403  403  403  403  200  200  200  200  404  404  403  403", Op: "GET /reports/evidence",
			Path: ofA("reports/evidence?from=2026-11-01&to=2026-11-25")},
		{Want: "401  403  403  403  403  403  403  201  201  403  404  403  403", Op: "POST /inspections/findings",
			Body: func(w *apitest.World, _ string) any {
				return map[string]any{"school_id": w.A.ID, "module": "phones", "title": "手机柜未上锁", "due": "2026-12-10"}
			}},
		{Want: "401  403  403  403  403  200  200  200  200  404  404  403  403", Op: "GET /inspections/findings",
			Path: ofA("inspections/findings?status=open")},
		{Want: "401  403  403  403  403  200  200  200  200  404  404  403  403", Op: "GET /inspections/findings/{id}", Path: finding("")},
		{Want: "401  403  403  403  403  201  201  403  403  404  403  403  403", Op: "POST /inspections/findings/{id}/responses",
			Path: finding("/responses"), Body: map[string]any{"content": "已整改"}},
		{Want: "401  403  403  403  403  403  403  200  200  403  404  403  403", Op: "POST /inspections/findings/{id}/verify",
			Path: finding("/verify"), Body: map[string]any{"accept": false}},

		// The web console's sign-in: a login request belongs to no school, so any bound roster entry (staff or
		// inspector) may confirm one, signing a browser in as itself in its own membership; a parent may not.
		// Its QR link's page, opened by another scanner than WeChat's, says only to scan with WeChat.
		//      none unb  par  tch  head lead prin insp pins oprn far  dual opar
		{Want: "401  403  403  200  200  200  200  200  200  200  200  403  403", Op: "POST /auth/console/confirm",
			Body: func(w *apitest.World, _ string) any { return map[string]string{"id": consoleLogin(w)} }},
		{Want: "401  403  403  200  200  200  200  200  200  200  200  403  403", Op: "GET /auth/console/requests/{id}",
			Path: func(w *apitest.World) string { return "auth/console/requests/" + consoleLogin(w) }},
		{Want: "200  200  200  200  200  200  200  200  200  200  200  200  200", Op: "GET /q/login/{id}",
			Path: func(w *apitest.World) string { return "/q/login/" + consoleLogin(w) }},

		// The callers' own memberships: last, since they change who the callers are.
		//      none unb  par  tch  head lead prin insp pins oprn far  dual opar
		{Want: "401  404  200  200  200  200  200  404  404  404  404  200  200", Op: "POST /auth/switch", Body: func(w *apitest.World, _ string) any { return map[string]string{"school_id": w.A.ID} }},
		{Want: "401  200  200  409  409  409  409  200  200  200  200  409  200", Op: "POST /auth/bind-phone", Body: func(w *apitest.World, _ string) any {
			phone := apitest.Phone()
			w.E.Post("staff", w.A.Principal.Token, map[string]any{"name": "待绑定", "phone": phone, "roles": []string{"teacher"}}).
				Want(http.StatusCreated)
			pc := fmt.Sprintf("matrixpc%d", next())
			w.E.WX.AddPhoneCode(pc, phone)
			return map[string]string{"phone_code": pc}
		}},
		{Want: "401  200  200  200  200  200  200  200  200  200  200  200  200", Op: "POST /auth/join", Body: func(w *apitest.World, _ string) any {
			c := w.A.Class(nil)
			return map[string]string{"invite_code": c.InviteCode, "relation": "mother", "consent_version": "2026-09"}
		}},
	}
}
