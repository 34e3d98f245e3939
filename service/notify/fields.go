package notify

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"schoolcheck/service"
)

// A message is queued with our own field names (Fields below: "meal", "date", "tip"), never with a WeChat
// template's keywords: which keyword of which template shows a field ("meal:thing1 date:date2") is the
// operator's choice of template, so it comes from the configuration (wechat.template_fields) and is applied
// at send time, after which each value is fitted to its keyword type's rules (Fit). A template the
// configuration maps nothing for is sent with its data's keys taken as keywords.

// Fields are the fields each template's messages carry, by template. Enqueue refuses a message of one of
// these templates that lacks a field or carries another.
var Fields = map[string][]string{
	TemplateFeedbackReply:   {"subject", "reply", "replied_at"},
	TemplateMealReminder:    {"meal", "date", "due", "tip"},
	TemplatePhoneReminder:   {"class", "date", "due", "tip"},
	TemplateSignoutReminder: {"name", "signed_in", "window_end", "tip"},
	TemplateFeedbackOverdue: {"from", "category", "content", "written_at", "tip"},
	TemplateObservationAck:  {"observer", "lesson", "date", "tip"},
	TemplateFindingNew:      {"title", "module", "due", "tip"},
	TemplateFindingAnswered: {"school", "title", "answered_at", "tip"},
}

// Values of date and time fields are written "2006-01-02", "15:04" or "2006-01-02 15:04" (local time);
// Fit turns them into what WeChat's date and time keywords take.
const (
	DateLayout     = time.DateOnly
	TimeLayout     = "15:04"
	DateTimeLayout = "2006-01-02 15:04"
)

// Mapping is, per template, the keyword that shows each field: template → field → keyword ("thing1").
type Mapping map[string]map[string]string

// ParseMapping reads the configuration's wechat.template_fields: template → "field:keyword field:keyword"
// (pairs separated by spaces or commas). A template, field or keyword type we do not know, or a keyword
// given twice, is an error naming it, so that a typo fails at startup rather than every send.
func ParseMapping(raw map[string]string) (Mapping, error) {
	out := Mapping{}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []string
	for _, name := range names {
		fields, known := Fields[name]
		if !slices.Contains(Templates, name) {
			errs = append(errs, fmt.Sprintf("%s: not one of our templates (%s)", name, strings.Join(Templates, ", ")))
			continue
		}
		m := map[string]string{}
		used := map[string]bool{}
		for _, pair := range strings.FieldsFunc(raw[name], func(r rune) bool { return r == ' ' || r == ',' }) {
			field, kw, ok := strings.Cut(pair, ":")
			switch {
			case !ok || field == "" || kw == "":
				errs = append(errs, fmt.Sprintf("%s: %q is not field:keyword", name, pair))
			case known && !slices.Contains(fields, field):
				errs = append(errs, fmt.Sprintf("%s: no field %q (its fields: %s)", name, field, strings.Join(fields, ", ")))
			case !validKeyword(kw):
				errs = append(errs, fmt.Sprintf("%s: %q is not a WeChat keyword such as thing1 or time2", name, kw))
			case used[kw] || m[field] != "":
				errs = append(errs, fmt.Sprintf("%s: %s or %s given twice", name, field, kw))
			default:
				m[field], used[kw] = kw, true
			}
		}
		if len(m) > 0 {
			out[name] = m
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("wechat.template_fields: %s", strings.Join(errs, "; "))
	}
	return out, nil
}

// keywordLimits are WeChat's lengths per subscribe-message keyword type, in characters (0: formatted, not
// cut to a length).
var keywordLimits = map[string]int{"thing": 20, "name": 10, "phrase": 5, "character_string": 32, "number": 32,
	"letter": 32, "symbol": 5, "car_number": 8, "phone_number": 17, "amount": 11, "time": 0, "date": 0}

// keywordType is a keyword's type: "thing3" → "thing".
func keywordType(kw string) string { return strings.TrimRight(kw, "0123456789") }

func validKeyword(kw string) bool {
	t := keywordType(kw)
	_, ok := keywordLimits[t]
	return ok && len(t) < len(kw)
}

// Render maps a message's fields to its template's keywords and fits each value to its keyword type.
func (m Mapping) Render(template string, data map[string]string) map[string]string {
	keys := m[template]
	if keys == nil { // no mapping: the data's keys are the keywords
		return Fit(data)
	}
	out := make(map[string]string, len(keys))
	for field, kw := range keys {
		if v, ok := data[field]; ok {
			out[kw] = v
		}
	}
	return Fit(out)
}

// Fit fits each keyword's value to WeChat's rules for its type: the text cleaned and cut on a character
// boundary to the type's length (a cut thing is marked with "…"; a name, a phrase or a code is cut short
// without a mark, which those types do not take), and dates and times written as WeChat shows them
// ("2026年11月25日 13:30", "13:30").
func Fit(data map[string]string) map[string]string {
	out := make(map[string]string, len(data))
	for kw, v := range data {
		out[kw] = FitValue(keywordType(kw), v)
	}
	return out
}

// FitValue fits one value to a keyword type ("thing", "time", …).
func FitValue(kind, v string) string {
	v = strings.Join(strings.Fields(service.CleanText(v)), " ")
	switch kind {
	case "time", "date":
		return wechatTime(kind, v)
	case "thing":
		if service.Runes(v) > keywordLimits[kind] {
			return strings.TrimRightFunc(cut(v, keywordLimits[kind]-1), unicode.IsSpace) + "…"
		}
		return v
	}
	if n := keywordLimits[kind]; n > 0 {
		return cut(v, n)
	}
	return v
}

// cut keeps the first n characters of s, backing off to the start of a character sequence the cut would
// split (an emoji joined by zero-width joiners, a letter with its combining marks, a skin tone or a
// variation selector), so that no half of one is left at the end.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	for n > 0 && (extends(r[n]) || r[n-1] == '\u200d') {
		n--
	}
	return string(r[:n])
}

// extends reports a character that belongs to the one before it.
func extends(c rune) bool {
	return c == '\u200d' || unicode.Is(unicode.Variation_Selector, c) || unicode.Is(unicode.Mn, c) ||
		unicode.Is(unicode.Me, c) || (c >= 0x1F3FB && c <= 0x1F3FF)
}

// wechatTime writes our date and time values as WeChat's date and time keywords take them: a date as
// "2026年11月25日", a date and time as "2026年11月25日 13:30", a time of day as "13:30" (a date keyword then
// keeps it as it is). Anything else is left to WeChat as it is.
func wechatTime(kind, v string) string {
	if t, err := time.Parse(DateTimeLayout, v); err == nil {
		return t.Format("2006年1月2日 15:04")
	}
	if t, err := time.Parse(DateLayout, v); err == nil {
		return t.Format("2006年1月2日")
	}
	if t, err := time.Parse(TimeLayout, v); err == nil && kind == "time" {
		return t.Format("15:04")
	}
	return v
}

// checkFields refuses a message of a template with declared fields that lacks one of them or carries
// another: a programming error the module's tests catch, never something a user causes.
func checkFields(m Message) error {
	fields, ok := Fields[m.Template]
	if !ok {
		return nil
	}
	for _, f := range fields {
		if _, ok := m.Data[f]; !ok {
			return fmt.Errorf("notify: %s message %s lacks the field %q", m.Template, m.Key, f)
		}
	}
	for f := range m.Data {
		if !slices.Contains(fields, f) {
			return fmt.Errorf("notify: %s message %s carries the unknown field %q", m.Template, m.Key, f)
		}
	}
	return nil
}
