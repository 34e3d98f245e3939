package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"schoolcheck/api/apitest"
)

// Every meals-module route that names a record, against every kind of caller: another school's callers get
// 404, a role that may not act 403, and another parent 404 (they may not know the record exists).
func TestMealsIDRoutesAuthz(t *testing.T) {
	w := newFeedbackWorld(t)
	e := w.e
	author := w.sc.Leader("作者主任")
	otherParent := w.other.Parent(w.other.Class(nil))
	insp := e.Inspector(w.sc.Region)
	tokens := map[string]string{
		"principal": w.sc.Principal.Token, "author leader": author.Token, "leader": w.leader.Token,
		"teacher": w.teacher.Token, "parent": w.parent.Token, "other parent": w.parent2.Token, "inspector": insp.Token,
		"other school principal": w.other.Principal.Token, "other school parent": otherParent.Token,
	}
	mealID := e.Post("meals", author.Token, mealReq("2026-11-25", photoID(e, author.Token))).Want(http.StatusCreated).Str("id")
	for _, c := range []struct {
		route  string
		method string
		path   func() string
		body   any
		want   map[string]int
	}{
		{"GET meals/{id}", "GET", func() string { return "meals/" + mealID }, nil, map[string]int{
			"principal": 200, "author leader": 200, "leader": 200, "teacher": 200, "parent": 404, "other parent": 404,
			"inspector": 403, "other school principal": 404, "other school parent": 404}},
		{"PATCH meals/{id}", "PATCH", func() string { return "meals/" + mealID }, map[string]string{"comment": "改"}, map[string]int{
			"principal": 403, "author leader": 200, "leader": 403, "teacher": 403, "parent": 404, "other parent": 404,
			"inspector": 403, "other school principal": 404, "other school parent": 404}},
		{"GET feedback/{id}", "GET", func() string { return "feedback/" + w.create("口味一般") }, nil, map[string]int{
			"principal": 200, "author leader": 200, "leader": 200, "teacher": 403, "parent": 200, "other parent": 404,
			"inspector": 403, "other school principal": 404, "other school parent": 404}},
		{"POST feedback/{id}/replies", "POST", func() string { return "feedback/" + w.create("汤凉了") + "/replies" },
			map[string]string{"content": "收到"}, map[string]int{
				"principal": 201, "author leader": 201, "leader": 201, "teacher": 403, "parent": 201, "other parent": 404,
				"inspector": 403, "other school principal": 404, "other school parent": 404}},
		{"POST feedback/{id}/close", "POST", func() string { return "feedback/" + w.create("太辣") + "/close" },
			map[string]bool{"satisfied": true}, map[string]int{
				"principal": 403, "author leader": 403, "leader": 403, "teacher": 403, "parent": 200, "other parent": 404,
				"inspector": 403, "other school principal": 404, "other school parent": 404}},
	} {
		for who, want := range c.want {
			t.Run(fmt.Sprintf("%s as %s", c.route, who), func(t *testing.T) {
				r := e.Do(apitest.Req{Method: c.method, Path: c.path(), Token: tokens[who], Body: c.body})
				if r.Code != want {
					t.Fatalf("%s as %s: %d, want %d: %s", c.route, who, r.Code, want, r.Body)
				}
				if want >= 400 && r.ErrorCode() != map[int]string{403: "forbidden", 404: "not_found"}[want] {
					t.Fatalf("error code %q", r.ErrorCode())
				}
			})
		}
	}
	// Unknown ids are 404 too.
	e.Get("meals/nope", w.leader.Token).WantError(404, "not_found")
	e.Get("feedback/nope", w.leader.Token).WantError(404, "not_found")
}
