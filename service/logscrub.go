package service

import (
	"context"
	"log/slog"
	"regexp"
	"strings"

	"schoolcheck/model"
)

// ScrubLogs wraps a log handler so that no line carries what the logs must not: a full mobile number
// (masked as 139****5678), a database driver's message (it quotes statements and values: replaced by its
// number, see model.Redact) or a filesystem path. It rewrites the message and every string or error
// attribute, at any depth; app.New installs it on the server's logger.
func ScrubLogs(h slog.Handler) slog.Handler { return scrubHandler{h} }

type scrubHandler struct{ h slog.Handler }

var (
	logPhone = regexp.MustCompile(`(^|[^0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})([^0-9A-Za-z]|$)`)
	// MySQL's "Error 1062 (23000): Duplicate entry '…' for key '…'" when it reached a string already.
	logMySQL = regexp.MustCompile(`Error (\d{4}) \(\w{5}\): .*`)
	logPath  = regexp.MustCompile(`(^|[\s"'(=])/(tmp|root|home|usr|var|work|etc|opt|proc|srv|mnt|data)/[^\s"']*`)
)

// ScrubText is s as ScrubLogs writes it.
// Every log line's strings pass through it (an access line has half a dozen), so each pattern runs only
// where a cheap look says it could match: most strings have no "Error ", no system directory and no run of
// eleven digits.
func ScrubText(s string) string {
	if strings.Contains(s, "Error ") {
		s = logMySQL.ReplaceAllString(s, "database error $1")
	}
	if hasSystemDir(s) {
		s = logPath.ReplaceAllString(s, "${1}<path>")
	}
	for hasDigitRun(s, 11) && logPhone.MatchString(s) { // adjacent numbers share the character between them
		s = logPhone.ReplaceAllString(s, "${1}${2}****${3}${4}")
	}
	return s
}

// systemDirs are logPath's directories, as hasSystemDir looks for them.
var systemDirs = []string{"/tmp/", "/root/", "/home/", "/usr/", "/var/", "/work/", "/etc/", "/opt/", "/proc/",
	"/srv/", "/mnt/", "/data/"}

func hasSystemDir(s string) bool {
	if !strings.Contains(s, "/") {
		return false
	}
	for _, d := range systemDirs {
		if strings.Contains(s, d) {
			return true
		}
	}
	return false
}

// hasDigitRun reports whether s has n ASCII digits in a row.
func hasDigitRun(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if run++; run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

func scrubAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, ScrubText(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]any, len(attrs))
		for i, g := range attrs {
			out[i] = scrubAttr(g)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, ScrubText(model.Redact(err)))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func (s scrubHandler) Enabled(ctx context.Context, l slog.Level) bool { return s.h.Enabled(ctx, l) }

func (s scrubHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, ScrubText(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(scrubAttr(a))
		return true
	})
	return s.h.Handle(ctx, out)
}

func (s scrubHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = scrubAttr(a)
	}
	return scrubHandler{s.h.WithAttrs(out)}
}

func (s scrubHandler) WithGroup(name string) slog.Handler { return scrubHandler{s.h.WithGroup(name)} }
