package model

import (
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// ErrUnscoped is returned for a statement on a school's table that does not filter by school_id: a
// programming error that would leak one school's data to another. See CrossSchool for the few legitimate
// exceptions.
var ErrUnscoped = errors.New("model: query on school data without school_id")

const crossSchoolKey = "schoolcheck:cross_school"

// CrossSchool marks a statement as deliberately not scoped to one school (login lookups by openid, invite
// codes, inspectors' region reports). Use it only where the caller has established the scope another way.
func CrossSchool(db *gorm.DB) *gorm.DB { return db.Set(crossSchoolKey, true) }

// InSchool is the scope every query on school data uses.
func InSchool(schoolID string) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB { return db.Where("school_id = ?", schoolID) }
}

// tenantTables lists the tables whose rows belong to one school. Modules add theirs with RegisterTenantTable
// from an init function of their model file.
var tenantTables = map[string]bool{}

// RegisterTenantTable puts a table under the tenancy guard. Call it only from init.
func RegisterTenantTable(names ...string) {
	for _, n := range names {
		tenantTables[n] = true
	}
}

// installTenancyGuard checks every query, update and delete on a tenant table for a school_id condition.
// It runs on the built SQL, so it also sees conditions written as plain strings.
func installTenancyGuard(db *gorm.DB) error {
	check := func(tx *gorm.DB) {
		st := tx.Statement
		if st == nil || !tenantTables[st.Table] {
			return
		}
		if v, ok := tx.Get(crossSchoolKey); ok && v == true {
			return
		}
		sql := st.SQL.String()
		where := strings.Index(strings.ToUpper(sql), " WHERE ")
		if where < 0 || !strings.Contains(sql[where:], "school_id") {
			_ = tx.AddError(fmt.Errorf("%w: %s", ErrUnscoped, st.Table))
		}
	}
	cb := db.Callback()
	if err := cb.Query().Before("gorm:after_query").Register("schoolcheck:tenancy_query", check); err != nil {
		return err
	}
	if err := cb.Update().After("gorm:update").Register("schoolcheck:tenancy_update", check); err != nil {
		return err
	}
	return cb.Delete().After("gorm:delete").Register("schoolcheck:tenancy_delete", check)
}
