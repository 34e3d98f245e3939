package service

import (
	"strings"
	"testing"
)

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
