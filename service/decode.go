package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// DecodeStrict decodes a whole JSON document (the school settings: GET it, change it, PUT it back) into
// dst, a pointer to a struct. The document must have the struct's shape exactly: every field without
// omitempty is required and may not be null, at every depth (a map's keys are the client's, its values
// have the shape of the map's element); a key the struct does not have is unknown. Every missing, null and
// unknown field is named at once ("meals", "reminders.signout.after_min", "attendance.fences[0].name"); a
// wrong type, a syntax error or anything after the object is a 400 too. Nothing is decoded into dst unless
// the whole document is right.
func DecodeStrict(raw []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var doc json.RawMessage
	if err := dec.Decode(&doc); err != nil {
		return JSONError(err)
	}
	if err := Trailing(dec); err != nil {
		return err
	}
	v := Invalid{}
	checkShape(v, "", doc, reflect.TypeOf(dst).Elem())
	if err := v.Err(); err != nil {
		return err
	}
	strict := json.NewDecoder(bytes.NewReader(doc))
	strict.DisallowUnknownFields()
	if err := strict.Decode(dst); err != nil {
		return JSONError(err)
	}
	return nil
}

// Trailing is the 400 for anything but white space after the JSON value dec has just decoded.
func Trailing(dec *json.Decoder) error {
	_, err := dec.Token()
	var syntaxErr *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil && !errors.As(err, &syntaxErr) && !errors.Is(err, io.ErrUnexpectedEOF):
		return err // the body could not be read (over its limit: the HTTP layer's 413)
	}
	return E(ErrInvalid, "invalid_argument", "请求体只能包含一个 JSON 对象").Field("body", "JSON 对象之后还有内容")
}

// checkShape names in v every field of raw that is missing, null or unknown for type t, at path.
// Scalars and values of the wrong kind are left to the decoder, which names their type.
func checkShape(v Invalid, path string, raw json.RawMessage, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	join := func(key string) string {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil || obj == nil {
			return
		}
		known := map[string]bool{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			known[name] = true
			optional := strings.Contains(","+opts+",", ",omitempty,")
			val, ok := obj[name]
			switch {
			case !ok && !optional:
				v.Add(join(name), "必填")
			case ok && isNull(val) && !optional:
				v.Add(join(name), "必填，不能为 null")
			case ok && !isNull(val):
				checkShape(v, join(name), val, f.Type)
			}
		}
		for key := range obj {
			if !known[key] {
				v.Add(join(key), "未知字段")
			}
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return
		}
		for key, val := range obj {
			if isNull(val) {
				v.Add(join(key), "不能为 null")
				continue
			}
			checkShape(v, join(key), val, t.Elem())
		}
	case reflect.Slice, reflect.Array:
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) != nil {
			return
		}
		for i, val := range arr {
			at := fmt.Sprintf("%s[%d]", path, i)
			if isNull(val) {
				v.Add(at, "不能为 null")
				continue
			}
			checkShape(v, at, val, t.Elem())
		}
	}
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

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
