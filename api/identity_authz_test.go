package api_test

import (
	"net/http"

	"schoolcheck/api/apitest"
)

// identityAuthzRoutes are the identity rows of the role × route table: readmitting a removed parent of
// school A's class (the head teacher or a leader).
func identityAuthzRoutes(w *apitest.World) []apitest.Route {
	removed := func(w *apitest.World) string {
		// The invite code may have been rotated by an earlier row: join with the current one.
		for _, c := range w.E.Get("classes?limit=100", w.A.Principal.Token).Want(http.StatusOK).Items() {
			if c["id"] == w.Class.ID {
				w.Class.InviteCode = c["invite_code"].(string)
			}
		}
		p := w.A.Parent(w.Class)
		w.E.Delete("classes/"+w.Class.ID+"/parents/"+p.LinkID, w.A.Principal.Token).Want(http.StatusNoContent)
		return "classes/" + w.Class.ID + "/parents/" + p.LinkID + "/readmit"
	}
	return []apitest.Route{
		{Name: "POST classes/{id}/parents/{parent_id}/readmit", Method: "POST", Path: removed,
			OK: map[string]int{apitest.Principal: 200, apitest.Leader: 200, apitest.HeadTeacher: 200}},
	}
}
