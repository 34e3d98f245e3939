package service

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Text that people type reaches other people's screens, the printed sheets and WeChat messages, so it is
// normalised in one place. Every piece of text is NFC-normalised (the same 班 typed on two phones compares
// equal) and trimmed. Names and labels (a person, a class, a place, a dish) refuse invisible characters:
// control characters, bidirectional overrides and isolates, zero-width characters and line breaks — a name
// that reads "三年级2班" must be exactly that. Free text (comments, feedback, suggestions) keeps its line
// breaks and tabs and the zero-width joiner inside emoji, and silently loses the rest of those characters.

// invisible reports the characters a name may not contain: C0/C1 controls, format characters (bidi
// embeddings, overrides and isolates, LRM/RLM, zero-width space/joiners, BOM, word joiner), line and
// paragraph separators.
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// CleanName normalises a name and reports whether it is clean (no invisible characters). Runs of spaces
// inside become one space.
func CleanName(s string) (string, bool) {
	s = strings.TrimSpace(norm.NFC.String(s))
	if strings.IndexFunc(s, invisible) >= 0 {
		return s, false
	}
	return strings.Join(strings.Fields(s), " "), true
}

// CleanText normalises free text: NFC, trimmed, invisible characters removed except line breaks, tabs and
// the zero-width joiner of emoji sequences; Windows line ends become "\n".
func CleanText(s string) string {
	s = strings.ReplaceAll(norm.NFC.String(s), "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t' || r == '\u200d':
			return r
		case r == '\r' || r == '\u2028' || r == '\u2029':
			return '\n'
		case invisible(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// Runes is the length of s as people count it (characters, not bytes).
func Runes(s string) int { return len([]rune(s)) }

// Clip shortens s to at most n characters, cutting on a character boundary and marking the cut with "…".
func Clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n || n <= 0 {
		return s
	}
	return string(r[:n-1]) + "…"
}
