package model

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ErrUnscoped is returned, before anything runs, for a statement on a school's table that is not confined
// to one school: a programming error that would leak or change another school's data. See CrossSchool for
// the few legitimate exceptions.
var ErrUnscoped = errors.New("model: statement on school data without a school_id condition")

const crossSchoolKey = "schoolcheck:cross_school"

// CrossSchool marks a statement as deliberately not scoped to one school (login lookups by openid, invite
// codes, inspectors' region reports, the sweeps). Use it only where the caller has established the scope
// another way.
func CrossSchool(db *gorm.DB) *gorm.DB { return db.Set(crossSchoolKey, true).Session(&gorm.Session{}) }

// InSchool is the scope every statement on school data uses.
func InSchool(schoolID string) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB { return db.Where("school_id = ?", schoolID) }
}

// TenantTables lists the tables whose rows belong to one school; Open hands it to the guard. A module's
// new table goes here with its migration.
func TenantTables() []string {
	return []string{
		"staff", "classes", "parent_links", "calendar_days", "audit_logs",
		"photos", "meals", "meal_duties", "feedback", "feedback_replies",
		"attendance_punches", "attendance_requests", "attendance_displays",
		"phone_custody", "phone_registrations", "phone_checks",
		"observation_rubrics", "observation_lessons", "observation_signups", "observations",
		"findings", "finding_responses",
	}
}

// guard checks every statement on a tenant table before it runs: queries, updates and deletes need a
// top-level school_id condition that no OR weakens; creates need every row's school_id; raw SQL and Exec
// that name a tenant table need a school_id condition in their WHERE and no OR beside it.
type guard struct{ tables map[string]bool }

func installTenancyGuard(db *gorm.DB, tables []string) error {
	g := guard{tables: map[string]bool{}}
	for _, t := range tables {
		g.tables[t] = true
	}
	cb := db.Callback()
	if err := cb.Query().Before("gorm:query").Register("schoolcheck:tenancy_query", g.checkConditions); err != nil {
		return err
	}
	if err := cb.Update().Before("gorm:update").Register("schoolcheck:tenancy_update", g.checkConditions); err != nil {
		return err
	}
	if err := cb.Delete().Before("gorm:delete").Register("schoolcheck:tenancy_delete", g.checkConditions); err != nil {
		return err
	}
	if err := cb.Create().Before("gorm:create").Register("schoolcheck:tenancy_create", g.checkCreate); err != nil {
		return err
	}
	if err := cb.Row().Before("gorm:row").Register("schoolcheck:tenancy_row", g.checkConditions); err != nil {
		return err
	}
	return cb.Raw().Before("gorm:raw").Register("schoolcheck:tenancy_raw", g.checkRaw)
}

func crossSchool(tx *gorm.DB) bool {
	v, ok := tx.Get(crossSchoolKey)
	return ok && v == true
}

func refuse(tx *gorm.DB, table, why string) {
	_ = tx.AddError(fmt.Errorf("%w: %s (%s)", ErrUnscoped, table, why))
}

// checkConditions guards queries, updates, deletes and row scans.
func (g guard) checkConditions(tx *gorm.DB) {
	st := tx.Statement
	if st == nil || tx.Error != nil || crossSchool(tx) {
		return
	}
	if st.SQL.Len() > 0 { // Raw(...).Find/Scan: the SQL is already written
		g.checkSQL(tx, st.SQL.String())
		return
	}
	for _, j := range st.Joins {
		for _, t := range g.named(j.Name) {
			if !strings.Contains(j.Name, "school_id") {
				refuse(tx, t, "joined without school_id")
				return
			}
		}
	}
	if !g.tables[st.Table] {
		return
	}
	if !scopedWhere(st.Clauses["WHERE"]) {
		refuse(tx, st.Table, "no top-level school_id condition")
	}
}

// scopedWhere reports a WHERE whose top-level AND-list holds a school_id condition and no OR.
func scopedWhere(c clause.Clause) bool {
	where, ok := c.Expression.(clause.Where)
	if !ok {
		return false
	}
	scoped := false
	for _, e := range where.Exprs {
		switch x := e.(type) {
		case clause.OrConditions:
			return false
		case clause.Eq:
			scoped = scoped || isSchoolColumn(x.Column)
		case clause.IN:
			scoped = scoped || isSchoolColumn(x.Column)
		case clause.Expr:
			top := stripParens(x.SQL)
			if hasOr(top) {
				if len(where.Exprs) == 1 {
					return false // a lone "a OR b" is the whole WHERE
				}
				continue // GORM wraps a multi-condition OR in parentheses: it cannot weaken the others
			}
			scoped = scoped || schoolTerm.MatchString(top)
		}
	}
	return scoped
}

func isSchoolColumn(col any) bool {
	switch c := col.(type) {
	case string:
		return c == "school_id" || strings.HasSuffix(c, ".school_id")
	case clause.Column:
		return c.Name == "school_id"
	}
	return false
}

var (
	orWord     = regexp.MustCompile(`(?i)\bOR\b`)
	schoolTerm = regexp.MustCompile("(?i)(^|\\bAND\\b|^\\s*)\\s*(`?\\w+`?\\.)?`?school_id`?\\s*(=|IN\\b)")
	tableRef   = regexp.MustCompile("(?i)\\b(?:FROM|JOIN|UPDATE|INTO)\\s+`?(\\w+)`?")
)

func hasOr(sql string) bool { return orWord.MatchString(stripQuoted(sql)) }

// stripParens drops parenthesised groups, so that only top-level terms remain.
func stripParens(sql string) string {
	var b strings.Builder
	depth := 0
	for _, r := range sql {
		switch {
		case r == '(':
			depth++
		case r == ')':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stripQuoted drops string literals, so that a quoted 'OR' does not count.
func stripQuoted(sql string) string {
	var b strings.Builder
	quoted := false
	for _, r := range sql {
		if r == '\'' {
			quoted = !quoted
			continue
		}
		if !quoted {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// named lists the tenant tables a piece of SQL names.
func (g guard) named(sql string) []string {
	var out []string
	for _, m := range tableRef.FindAllStringSubmatch(sql, -1) {
		if t := strings.ToLower(m[1]); g.tables[t] && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// checkRaw guards Exec.
func (g guard) checkRaw(tx *gorm.DB) {
	if tx.Statement == nil || tx.Error != nil || crossSchool(tx) {
		return
	}
	g.checkSQL(tx, tx.Statement.SQL.String())
}

// checkSQL refuses hand-written SQL that names a tenant table without a top-level school_id condition in
// its WHERE, or with an OR there.
func (g guard) checkSQL(tx *gorm.DB, sql string) {
	tables := g.named(sql)
	if len(tables) == 0 {
		return
	}
	upper := strings.ToUpper(stripQuoted(sql))
	i := strings.LastIndex(upper, " WHERE ")
	if i < 0 {
		refuse(tx, tables[0], "raw SQL without WHERE")
		return
	}
	where := stripParens(sql[i+len(" WHERE "):])
	if hasOr(where) || !schoolTerm.MatchString(where) {
		refuse(tx, tables[0], "raw SQL without a top-level school_id condition")
	}
}

// checkCreate refuses rows of a tenant table without their school_id.
func (g guard) checkCreate(tx *gorm.DB) {
	st := tx.Statement
	if st == nil || tx.Error != nil || !g.tables[st.Table] || crossSchool(tx) {
		return
	}
	if st.SQL.Len() > 0 {
		g.checkSQL(tx, st.SQL.String())
		return
	}
	if st.Schema == nil {
		refuse(tx, st.Table, "create without a model")
		return
	}
	f := st.Schema.LookUpField("school_id")
	if f == nil {
		return
	}
	rv := st.ReflectValue
	check := func(v reflect.Value) bool {
		_, zero := f.ValueOf(st.Context, v)
		return !zero
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			if !check(reflect.Indirect(rv.Index(i))) {
				refuse(tx, st.Table, "row without school_id")
				return
			}
		}
	case reflect.Struct:
		if !check(rv) {
			refuse(tx, st.Table, "row without school_id")
		}
	default:
		refuse(tx, st.Table, "create of an unexpected value")
	}
}
