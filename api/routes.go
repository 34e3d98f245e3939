package api

import (
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"
)

// Routes lists the method and path template (gin syntax, e.g. "/api/v1/staff/:id") of every route the
// handler built by New serves, sorted, so a test can hold them against api/openapi.yaml. It is empty for
// any other handler.
func Routes(h http.Handler) [][2]string {
	r, ok := h.(*gin.Engine)
	if !ok {
		return nil
	}
	var out [][2]string
	for _, ri := range r.Routes() {
		out = append(out, [2]string{ri.Method, ri.Path})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][1] != out[j][1] {
			return out[i][1] < out[j][1]
		}
		return out[i][0] < out[j][0]
	})
	return out
}
