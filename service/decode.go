package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DecodeStrict decodes a whole JSON document (the school settings) into dst: unknown keys, wrong types and
// anything after the object are a 400 naming the field at fault.
func DecodeStrict(raw []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return JSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return E(ErrInvalid, "invalid_argument", "请求体只能包含一个 JSON 对象").Field("body", "JSON 对象之后还有内容")
	}
	return nil
}

// JSONError is the 400 for a JSON document that does not decode, naming the field when it can.
func JSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return E(ErrInvalid, "invalid_argument", "字段类型不正确").
			Field(field, "应为"+typeName(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return E(ErrInvalid, "invalid_argument", "请求体不是有效的 JSON").Field("body", "JSON 语法错误")
	case errors.Is(err, io.EOF):
		return E(ErrInvalid, "invalid_argument", "请求体为空").Field("body", "必填")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return E(ErrInvalid, "invalid_argument", fmt.Sprintf("未知字段 %s", field)).Field(field, "未知字段")
	}
	return E(ErrInvalid, "invalid_argument", "请求体无法解析").Field("body", "无法解析")
}

func typeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "数字"
	case kind == "string":
		return "字符串"
	case kind == "bool":
		return " true 或 false"
	case kind == "slice", kind == "array":
		return "数组"
	}
	return "对象"
}
