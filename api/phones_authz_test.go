package api_test

import (
	"net/http"

	"schoolcheck/api/apitest"
)

// phoneAuthzRoutes are the phone-custody rows of the role × route table. The class is w.Class (headed by
// w.Head, w.Parent's class); each check row makes a fresh check by the head teacher. Parents read the
// arrangement only; inspectors the report only.
func phoneAuthzRoutes(w *apitest.World) []apitest.Route {
	ok := func(status int, who ...string) map[string]int {
		m := map[string]int{}
		for _, c := range who {
			m[c] = status
		}
		return m
	}
	recorders := []string{apitest.Principal, apitest.Leader, apitest.HeadTeacher}
	class := func(suffix string) func(*apitest.World) string {
		return func(w *apitest.World) string { return "classes/" + w.Class.ID + suffix }
	}
	check := func(found int, suffix string) func(*apitest.World) string {
		return func(w *apitest.World) string {
			return "phone-checks/" + w.E.Post("phone-checks", w.Head.Token, checkReq(w.Class.ID, "2026-11-25", "spot", found)).
				Want(http.StatusCreated).Str("id") + suffix
		}
	}
	query := func(path string) func(*apitest.World) string {
		return func(w *apitest.World) string { return path + w.Class.ID }
	}
	return []apitest.Route{
		{Name: "GET classes/{id}/phones-registered", Method: "GET", Path: class("/phones-registered"), OK: ok(200, recorders...)},
		{Name: "PUT classes/{id}/phones-registered", Method: "PUT", Path: class("/phones-registered"),
			Body: map[string]int{"count": 30}, OK: ok(200, recorders...)},
		{Name: "GET classes/{id}/phone-custody", Method: "GET", Path: class("/phone-custody"),
			OK: ok(200, append(recorders, apitest.Parent)...)},
		{Name: "PUT classes/{id}/phone-custody", Method: "PUT", Path: class("/phone-custody"), Body: custodyReq(w.Head.ID),
			OK: ok(200, recorders...)},
		{Name: "POST phone-checks (class_id)", Method: "POST", Path: func(*apitest.World) string { return "phone-checks" },
			Body: checkReq(w.Class.ID, "2026-11-25", "spot", 0), OK: ok(201, recorders...)},
		{Name: "GET phone-checks?class_id=", Method: "GET", Path: query("phone-checks?class_id="), OK: ok(200, recorders...)},
		{Name: "GET phone-checks/followups?class_id=", Method: "GET", Path: query("phone-checks/followups?class_id="),
			OK: ok(200, recorders...)},
		{Name: "GET phone-checks/{id}", Method: "GET", Path: check(0, ""), OK: ok(200, recorders...)},
		{Name: "PATCH phone-checks/{id}", Method: "PATCH", Path: check(0, ""), Body: map[string]string{"note": "更正"},
			OK: ok(200, apitest.HeadTeacher)},
		{Name: "POST phone-checks/{id}/resolve", Method: "POST", Path: check(1, "/resolve"),
			Body: map[string]string{"note": "已交还家长"}, OK: ok(200, recorders...)},
		{Name: "GET reports/phones?school_id=", Method: "GET", Path: func(w *apitest.World) string {
			return "reports/phones?month=2026-11&school_id=" + w.A.ID
		}, OK: ok(200, apitest.Principal, apitest.Leader, apitest.Inspector)},
	}
}
