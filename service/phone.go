package service

import (
	"regexp"
	"strings"
)

var phonePattern = regexp.MustCompile(`^1[3-9]\d{9}$`)

// NormalizePhone keeps the 11 digits of a mainland mobile number ("+86 139-1234-5678" → "13912345678").
func NormalizePhone(p string) string {
	p = strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(strings.TrimSpace(p))
	p = strings.TrimPrefix(strings.TrimPrefix(p, "+86"), "0086")
	return p
}

// ValidPhone reports an 11-digit mainland mobile number.
func ValidPhone(p string) bool { return phonePattern.MatchString(p) }

// MaskPhone keeps the first three and last four digits, for logs, audit rows and non-leaders.
func MaskPhone(p string) string {
	if len(p) < 7 {
		return "***"
	}
	return p[:3] + "****" + p[len(p)-4:]
}

// Phone checks a required mobile number and returns it normalised.
func (v Invalid) Phone(field, s string) string {
	p := NormalizePhone(s)
	if !ValidPhone(p) {
		v.Add(field, "手机号格式不正确")
	}
	return p
}
