package service

import (
	"encoding/base64"

	"gorm.io/gorm"
)

// PageQuery is a list's limit (default 20, at most 100) and opaque cursor.
type PageQuery struct {
	Limit  int
	Cursor string
}

// Page is one page of a list: {"items": [...], "next_cursor": "..."}.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func (q PageQuery) limit() int {
	switch {
	case q.Limit <= 0:
		return 20
	case q.Limit > 100:
		return 100
	}
	return q.Limit
}

// apply orders by the key column (ids are UUIDv7, so id order is creation order) and fetches one row more
// than the limit, so trim can tell whether there is a next page.
func (q PageQuery) apply(db *gorm.DB, key string, desc bool) *gorm.DB {
	if after, ok := decodeCursor(q.Cursor); ok {
		if desc {
			db = db.Where(key+" < ?", after)
		} else {
			db = db.Where(key+" > ?", after)
		}
	}
	order := key
	if desc {
		order += " DESC"
	}
	return db.Order(order).Limit(q.limit() + 1)
}

// trim cuts the extra row apply fetched and says whether there was one.
func trim[T any](rows []T, limit int) ([]T, bool) {
	if len(rows) > limit {
		return rows[:limit], true
	}
	return rows, false
}

func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeCursor(c string) (string, bool) {
	if c == "" {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 || len(b) > 64 {
		return "", false
	}
	return string(b), true
}
