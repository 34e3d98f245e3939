package service

import (
	"encoding/base64"
	"strings"

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

// Size is the page size asked for, within 1..100 (default 20).
func (q PageQuery) Size() int {
	switch {
	case q.Limit <= 0:
		return 20
	case q.Limit > 100:
		return 100
	}
	return q.Limit
}

// cursorPrefix versions the cursor so that a cursor of another list or a hand-made one is refused.
const cursorPrefix = "c1:"

// List is every list of the API: rows of db ordered by the key column (ids are UUIDv7, so id order is
// creation order), after the cursor, one page of them converted by view. A cursor the server did not issue
// is a 400 (a client must never loop on a page that silently restarts).
func List[M, T any](db *gorm.DB, q PageQuery, key string, desc bool, keyOf func(*M) string,
	view func([]M) ([]T, error)) (Page[T], error) {
	if q.Cursor != "" {
		after, ok := decodeCursor(q.Cursor)
		if !ok {
			return Page[T]{}, Invalid{"cursor": "无效的分页游标，请从第一页重新加载"}.Err()
		}
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
	var rows []M
	if err := db.Order(order).Limit(q.Size() + 1).Find(&rows).Error; err != nil {
		return Page[T]{}, WrapDB(err)
	}
	more := len(rows) > q.Size()
	if more {
		rows = rows[:q.Size()]
	}
	items, err := view(rows)
	if err != nil {
		return Page[T]{}, err
	}
	if items == nil {
		items = []T{}
	}
	out := Page[T]{Items: items}
	if more {
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + keyOf(&rows[len(rows)-1])))
	}
	return out, nil
}

// Each adapts a one-row conversion for List.
func Each[M, T any](fn func(M) T) func([]M) ([]T, error) {
	return func(rows []M) ([]T, error) {
		out := make([]T, 0, len(rows))
		for _, r := range rows {
			out = append(out, fn(r))
		}
		return out, nil
	}
}

func decodeCursor(c string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) > 80 {
		return "", false
	}
	key, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok || key == "" {
		return "", false
	}
	return key, true
}

// Dates scopes a list to an optional from..to (either may be empty) on a "YYYY-MM-DD" column, as every
// list's from/to filter does.
func Dates(col, from, to string) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		if from != "" {
			db = db.Where(col+" >= ?", from)
		}
		if to != "" {
			db = db.Where(col+" <= ?", to)
		}
		return db
	}
}
