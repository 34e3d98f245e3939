package model

import (
	"reflect"
	"time"

	"gorm.io/gorm"
)

// Timestamps are stored in UTC (DESIGN.md "Data rules"). SQLite keeps a time as text with its offset, so a
// time in Beijing time written beside UTC ones would sort and compare wrongly: every time a statement writes
// is turned into UTC first, whichever zone the caller's value was in.
func installUTC(db *gorm.DB) error {
	toUTC := func(tx *gorm.DB) {
		st := tx.Statement
		if st == nil || tx.Error != nil {
			return
		}
		if m, ok := st.Dest.(map[string]any); ok {
			for k, v := range m {
				switch t := v.(type) {
				case time.Time:
					m[k] = t.UTC()
				case *time.Time:
					if t != nil {
						u := t.UTC()
						m[k] = &u
					}
				}
			}
			return
		}
		if st.Schema == nil || !st.ReflectValue.IsValid() {
			return
		}
		fix := func(rv reflect.Value) {
			rv = reflect.Indirect(rv)
			if rv.Kind() != reflect.Struct {
				return
			}
			for _, f := range st.Schema.Fields {
				if f.FieldType != reflect.TypeOf(time.Time{}) && f.FieldType != reflect.TypeOf(&time.Time{}) {
					continue
				}
				v, zero := f.ValueOf(st.Context, rv)
				if zero {
					continue
				}
				switch t := v.(type) {
				case time.Time:
					_ = f.Set(st.Context, rv, t.UTC())
				case *time.Time:
					if t != nil {
						u := t.UTC()
						_ = f.Set(st.Context, rv, &u)
					}
				}
			}
		}
		switch st.ReflectValue.Kind() {
		case reflect.Slice, reflect.Array:
			for i := 0; i < st.ReflectValue.Len(); i++ {
				fix(st.ReflectValue.Index(i))
			}
		case reflect.Struct:
			fix(st.ReflectValue)
		}
	}
	cb := db.Callback()
	if err := cb.Create().Before("gorm:create").Register("schoolcheck:utc_create", toUTC); err != nil {
		return err
	}
	return cb.Update().Before("gorm:update").Register("schoolcheck:utc_update", toUTC)
}
