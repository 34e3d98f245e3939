package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

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
	if dec.More() {
		return service.E(service.ErrInvalid, "invalid_argument", "请求体只能包含一个 JSON 对象")
	}
	return nil
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

func jsonError(err error) error {
	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &maxErr):
		return err
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return service.E(service.ErrInvalid, "invalid_argument", "字段类型不正确").
			Field(field, fmt.Sprintf("应为 %s", typeName(typeErr.Type.Kind().String())))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return service.E(service.ErrInvalid, "invalid_argument", "请求体不是有效的 JSON")
	case errors.Is(err, io.EOF):
		return service.E(service.ErrInvalid, "invalid_argument", "请求体为空")
	}
	return service.E(service.ErrInvalid, "invalid_argument", "请求体无法解析")
}

func typeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "数字"
	case kind == "string":
		return "字符串"
	case kind == "bool":
		return "true 或 false"
	case kind == "slice":
		return "数组"
	}
	return "对象"
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
