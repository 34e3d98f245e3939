package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"schoolcheck/service"
)

// bindJSON decodes the request body into dst, answering the contract's 400 for malformed JSON and wrong
// types (naming the field), and 413 for a body over its limit. Unknown fields are ignored so older clients
// keep working; only documents such as the school settings are strict.
func bindJSON(c *gin.Context, dst any) error {
	dec := json.NewDecoder(c.Request.Body)
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	return service.Trailing(dec)
}

// readBody reads the whole (size-limited) body, for strict documents.
func readBody(c *gin.Context) ([]byte, error) {
	raw, err := io.ReadAll(c.Request.Body)
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return nil, err
	}
	return raw, err
}

// jsonError keeps a body over its limit a 413 and answers everything else with the contract's 400.
func jsonError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return err
	}
	return service.JSONError(err)
}

// pageQuery reads ?limit=&cursor=, refusing a limit that is not a number in 1..100.
func pageQuery(c *gin.Context) (service.PageQuery, error) {
	q := service.PageQuery{Cursor: c.Query("cursor")}
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 100 {
			return q, service.E(service.ErrInvalid, "invalid_argument", "limit 应为 1–100").Field("limit", "应为 1–100 的整数")
		}
		q.Limit = n
	}
	return q, nil
}
