package model

import (
	"context"

	"gorm.io/gorm"
)

// MigrateUpTo applies the migrations up to version. With legacy it runs them the way a binary before
// migration 8 did: tables take the database's default character set (for the test that upgrades such a
// database).
func MigrateUpTo(ctx context.Context, db *gorm.DB, version int64, legacy bool) error {
	p, err := provider(db, nil, legacy)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}
