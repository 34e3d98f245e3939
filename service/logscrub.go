package service

import (
	"context"
	"log/slog"
	"regexp"

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
func ScrubText(s string) string {
	s = logMySQL.ReplaceAllString(s, "database error $1")
	s = logPath.ReplaceAllString(s, "${1}<path>")
	for logPhone.MatchString(s) { // adjacent numbers share the character between them
		s = logPhone.ReplaceAllString(s, "${1}${2}****${3}${4}")
	}
	return s
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
