package service

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode"
)

// A message is read by a teacher on a phone: no stray space between Chinese words ("应为 数字",
// "领导 或 教师"), a space only beside a Latin value ("应为 lunch 或 dinner").
func TestMessagesReadAsChinese(t *testing.T) {
	v := Invalid{}
	v.OneOf("meal", "supper", false, "breakfast", "lunch", "dinner")
	v.OneOf("role", "校董", false, "校长", "领导", "教师")
	if got := v["meal"]; got != "应为 breakfast、lunch 或 dinner" {
		t.Errorf("Latin values: %q", got)
	}
	if got := v["role"]; got != "应为 校长、领导或教师" {
		t.Errorf("Chinese values: %q", got)
	}
	var into struct {
		N int      `json:"n"`
		S string   `json:"s"`
		B bool     `json:"b"`
		L []string `json:"l"`
		O struct{} `json:"o"`
	}
	for body, want := range map[string]string{`{"n":"x"}`: "应为数字", `{"s":1}`: "应为字符串", `{"b":1}`: "应为 true 或 false",
		`{"l":1}`: "应为数组", `{"o":1}`: "应为对象"} {
		err := JSONError(json.Unmarshal([]byte(body), &into))
		var e *Error
		if !errors.As(err, &e) || len(e.Fields) != 1 {
			t.Fatalf("%s: %v", body, err)
		}
		for _, got := range e.Fields {
			if got != want {
				t.Errorf("%s: %q, want %q", body, got, want)
			}
			if strayHanSpace(got) {
				t.Errorf("%s: stray space in %q", body, got)
			}
		}
	}
}

// strayHanSpace reports a space with a Chinese character on both sides.
func strayHanSpace(s string) bool {
	r := []rune(s)
	for i := 1; i+1 < len(r); i++ {
		if r[i] == ' ' && unicode.Is(unicode.Han, r[i-1]) && unicode.Is(unicode.Han, r[i+1]) {
			return true
		}
	}
	return strings.Contains(s, "  ")
}

func TestSubstance(t *testing.T) {
	for s, want := range map[string]bool{
		"很好很好很好":         false,
		"好！！！！！。。。":      false,
		"good good good": false, // g, o, d
		"   ":            true,  // empty is Content's to refuse
		"导入自然":           false,
		"导入自然流畅":         true,
		"Aa Bb Cc Dd Ee": true,
		"ABCDabcd":       false, // case folds
		"12345":          true,
		"👍👍👍👍👍😀":         false,
	} {
		v := Invalid{}
		if got := v.Substance("f", strings.TrimSpace(s), 5); got != want {
			t.Errorf("Substance(%q) = %v, want %v", s, got, want)
		}
	}
}
