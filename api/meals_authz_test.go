package api_test

import (
	"net/http"
	"testing"

	"schoolcheck/api/apitest"
)

// mealAuthzRoutes are the meals module's rows of the role × route table: the meal is w.Leader's, the
// feedback w.Parent's. Another parent may not learn either exists (404).
func mealAuthzRoutes(w *apitest.World) []apitest.Route {
	var mealID string
	meal := func(w *apitest.World) string {
		if mealID == "" {
			mealID = w.E.Post("meals", w.Leader.Token, mealReq("2026-11-25", photoID(w.E, w.Leader.Token))).
				Want(http.StatusCreated).Str("id")
		}
		return "meals/" + mealID
	}
	feedback := func(w *apitest.World) string {
		return "feedback/" + w.E.Feedback(w.Parent, "口味一般")
	}
	hidden := map[string]int{apitest.Parent: 404, apitest.OtherParent: 404}
	return []apitest.Route{
		{Name: "GET meals/{id}", Method: "GET", Path: meal, OK: map[string]int{apitest.Principal: 200, apitest.Leader: 200,
			apitest.Teacher: 200, apitest.HeadTeacher: 200}, Deny: hidden},
		{Name: "PATCH meals/{id}", Method: "PATCH", Path: meal, Body: map[string]string{"comment": "改"},
			OK: map[string]int{apitest.Leader: 200}, Deny: hidden},
		{Name: "GET feedback/{id}", Method: "GET", Path: feedback, OK: map[string]int{apitest.Principal: 200,
			apitest.Leader: 200, apitest.Parent: 200}, Deny: map[string]int{apitest.OtherParent: 404}},
		{Name: "POST feedback/{id}/replies", Method: "POST", Path: func(w *apitest.World) string { return feedback(w) + "/replies" },
			Body: map[string]string{"content": "收到"}, OK: map[string]int{apitest.Principal: 201, apitest.Leader: 201,
				apitest.Parent: 201}, Deny: map[string]int{apitest.OtherParent: 404}},
		{Name: "POST feedback/{id}/close", Method: "POST", Path: func(w *apitest.World) string { return feedback(w) + "/close" },
			Body: map[string]bool{"satisfied": true}, OK: map[string]int{apitest.Parent: 200},
			Deny: map[string]int{apitest.OtherParent: 404}},
	}
}

// Unknown ids are 404 too.
func TestMealsUnknownIDs(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	leader := sc.Leader("主任")
	e.Get("meals/nope", leader.Token).WantError(404, "not_found")
	e.Get("feedback/nope", leader.Token).WantError(404, "not_found")
}
