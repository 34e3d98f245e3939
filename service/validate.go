package service

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Invalid collects the fields at fault of one request; Err is nil when there are none. Its helpers check a
// value, record the contract's message for it, and return the cleaned value, so every module says
// "格式应为 YYYY-MM-DD" the same way:
//
//	v := service.Invalid{}
//	date, _ := v.Date("date", in.Date)
//	name := v.Name("name", in.Name, 30)
//	if err := v.Err(); err != nil { return err }
type Invalid map[string]string

// Add records a field's problem (the first one recorded for a field is kept).
func (v Invalid) Add(field, reason string) {
	if _, ok := v[field]; !ok {
		v[field] = reason
	}
}

// Err is the 400 naming every field at fault, or nil.
func (v Invalid) Err() error {
	if len(v) == 0 {
		return nil
	}
	e := E(ErrInvalid, "invalid_argument", "请求内容有误，请检查后重试")
	e.Fields = map[string]string(v)
	return e
}

// Dates outside these years are typing mistakes, whatever the field (a leave "to 9999-12-31", a 1970 report).
const (
	minYear = 2000
	maxYear = 2099
)

// Date checks a required "YYYY-MM-DD".
func (v Invalid) Date(field, s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		v.Add(field, "格式应为 YYYY-MM-DD")
		return time.Time{}, false
	}
	if t.Year() < minYear || t.Year() > maxYear {
		v.Add(field, fmt.Sprintf("日期应在 %d–%d 年之间", minYear, maxYear))
		return time.Time{}, false
	}
	return t, true
}

// OptDate checks a "YYYY-MM-DD" that may be empty.
func (v Invalid) OptDate(field, s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	return v.Date(field, s)
}

// Month checks a required "YYYY-MM" and returns its first and last dates.
func (v Invalid) Month(field, s string) (first, last string) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		v.Add(field, "格式应为 YYYY-MM")
		return "", ""
	}
	if t.Year() < minYear || t.Year() > maxYear {
		v.Add(field, fmt.Sprintf("月份应在 %d–%d 年之间", minYear, maxYear))
		return "", ""
	}
	return t.Format(time.DateOnly), t.AddDate(0, 1, -1).Format(time.DateOnly)
}

// Span checks an optional from..to pair of dates (to not before from, at most maxDays apart when maxDays
// > 0) and returns them as given.
func (v Invalid) Span(fromField, from, toField, to string, maxDays int) (string, string) {
	f, okF := v.OptDate(fromField, from)
	t, okT := v.OptDate(toField, to)
	if okF && okT {
		switch {
		case t.Before(f):
			v.Add(toField, "结束日期不能早于开始日期")
		case maxDays > 0 && int(t.Sub(f).Hours()/24)+1 > maxDays:
			v.Add(toField, fmt.Sprintf("起止日期相差不超过 %d 天", maxDays))
		}
	}
	return from, to
}

// Between checks that a date already checked by Date ("YYYY-MM-DD") lies within from..to, both included,
// the span that makes sense for its field (a leave, a calendar day, a duty).
func (v Invalid) Between(field, date, from, to string) bool {
	if date < from || date > to {
		v.Add(field, fmt.Sprintf("日期应在 %s 至 %s 之间", from, to))
		return false
	}
	return true
}

// OneOf checks that s is one of the allowed values ("应为 a、b 或 c"). An empty s is accepted when optional.
func (v Invalid) OneOf(field, s string, optional bool, allowed ...string) bool {
	if s == "" && optional {
		return true
	}
	for _, a := range allowed {
		if s == a {
			return true
		}
	}
	v.Add(field, "应为 "+orList(allowed))
	return false
}

// orList writes "a、b 或 c" — with spaces around 或 beside a Latin value, none between Chinese words
// ("校长、领导或教师").
func orList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	last, before := items[len(items)-1], items[len(items)-2]
	or := "或"
	if latin(last) || latin(before) {
		or = " 或 "
	}
	return strings.Join(items[:len(items)-1], "、") + or + last
}

// latin reports whether s ends or starts with an ASCII character (a value such as "lunch").
func latin(s string) bool {
	return s != "" && (s[0] < 0x80 || s[len(s)-1] < 0x80)
}

// Range checks lo ≤ n ≤ hi.
func (v Invalid) Range(field string, n, lo, hi int) bool {
	if n < lo || n > hi {
		v.Add(field, fmt.Sprintf("应在 %d–%d 之间", lo, hi))
		return false
	}
	return true
}

// Name checks a required name or label of 1..max characters and returns it cleaned (see CleanName).
func (v Invalid) Name(field, s string, max int) string {
	c, ok := CleanName(s)
	switch {
	case !ok:
		v.Add(field, "不能包含控制字符、换行或不可见字符")
	case c == "" || Runes(c) > max:
		v.Add(field, fmt.Sprintf("长度应为 1–%d 个字", max))
	}
	return c
}

// OptName is Name for a name that may be empty.
func (v Invalid) OptName(field, s string, max int) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return v.Name(field, s, max)
}

// Text checks optional free text of at most max characters and returns it cleaned (see CleanText).
func (v Invalid) Text(field, s string, max int) string {
	c := CleanText(s)
	if Runes(c) > max {
		v.Add(field, fmt.Sprintf("不超过 %d 个字", max))
	}
	return c
}

// Content checks required free text of min..max characters and returns it cleaned.
func (v Invalid) Content(field, s string, min, max int) string {
	c := CleanText(s)
	if n := Runes(c); n < min || n > max {
		v.Add(field, fmt.Sprintf("内容应为 %d–%d 个字", min, max))
	}
	return c
}

// Substance checks that text says something: at least min different letters or digits (a Chinese
// character is a letter), whatever its length, so "很好很好很好" or "好！！！！！" is refused as an empty
// evaluation. Spaces, punctuation and emoji do not count. An empty text is left to Content.
func (v Invalid) Substance(field, s string, min int) bool {
	seen := map[rune]bool{}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			seen[unicode.ToLower(r)] = true
		}
	}
	if s != "" && len(seen) < min {
		v.Add(field, fmt.Sprintf("内容过于空泛，请具体写明（至少 %d 个不同的字）", min))
		return false
	}
	return true
}

// ID checks the shape of an opaque id that may be empty (the record itself is checked by its owner).
func (v Invalid) ID(field, s string) string {
	if len(s) > 64 || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
		v.Add(field, "编号无效")
	}
	return s
}
