package api_test

import (
	"context"
	"encoding/json"

	"schoolcheck/api/apitest"
)

// loginID is the body of a confirm row: the id of the login request its Path made just before.
type loginID struct{ id string }

func (l *loginID) MarshalJSON() ([]byte, error) { return json.Marshal(map[string]string{"id": l.id}) }

// consoleAuthzRoutes: a login request belongs to no school, so any bound roster entry may confirm one (it
// signs a browser in as itself, in its own membership); a parent may not.
func consoleAuthzRoutes(w *apitest.World) []apitest.Route {
	body := &loginID{}
	fresh := func(w *apitest.World) string {
		lr, err := w.E.App.Auth.StartConsoleLogin(context.Background(), "203.0.113.9", "authz")
		if err != nil {
			w.E.T.Fatal(err)
		}
		body.id = lr.ID
		return "auth/console/confirm"
	}
	ok := map[string]int{}
	for _, c := range []string{apitest.Principal, apitest.Leader, apitest.Teacher, apitest.HeadTeacher, apitest.Inspector,
		apitest.OtherPrincipal, apitest.FarInspector} {
		ok[c] = 200
	}
	return []apitest.Route{
		{Name: "POST auth/console/confirm", Method: "POST", Path: fresh, Body: body, OK: ok},
		{Name: "GET auth/console/requests/{id}", Method: "GET", Path: func(w *apitest.World) string {
			fresh(w)
			return "auth/console/requests/" + body.id
		}, OK: ok},
	}
}
