package school

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
)

// These operator commands (schoolcheck bootstrap, inspector add) and the demo seed run without an Actor:
// they are the command line's, never a route's.

// BootstrapInput names a region, a school and its principal.
type BootstrapInput struct {
	Region, School, PrincipalName, PrincipalPhone string
}

// Bootstrap creates (or finds) the region and school and puts the principal on its roster. Safe to repeat.
func (s *Service) Bootstrap(ctx context.Context, in BootstrapInput) (string, error) {
	v := service.Invalid{}
	in.Region = operatorName(v, "region", in.Region, 30)
	in.School = operatorName(v, "school", in.School, 50)
	in.PrincipalName = operatorName(v, "principal-name", in.PrincipalName, 32)
	in.PrincipalPhone = service.NormalizePhone(in.PrincipalPhone)
	if !service.ValidPhone(in.PrincipalPhone) {
		v.Add("principal-phone", "want an 11-digit mainland mobile number")
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	var schoolID string
	err := s.Tx(ctx, func(tx *service.Tx) error {
		region, err := ensureRegion(tx.DB, in.Region)
		if err != nil {
			return err
		}
		sc, err := ensureSchool(tx, region.ID, in.School, DefaultSettings(tx.Now))
		if err != nil {
			return err
		}
		schoolID = sc.ID
		_, err = ensureStaff(tx, model.Staff{SchoolID: sc.ID, Name: in.PrincipalName, Phone: in.PrincipalPhone,
			Roles: service.RolePrincipal + "," + service.RoleLeader})
		return err
	})
	return schoolID, err
}

// AddInspector puts an inspector on a region's roster (created if missing); they bind by phone like staff.
func (s *Service) AddInspector(ctx context.Context, regionName, name, phone string) (string, error) {
	phone = service.NormalizePhone(phone)
	v := service.Invalid{}
	regionName, name = operatorName(v, "region", regionName, 30), operatorName(v, "name", name, 32)
	if !service.ValidPhone(phone) {
		v.Add("phone", "want an 11-digit mainland mobile number")
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	var id string
	err := s.Tx(ctx, func(tx *service.Tx) error {
		region, err := ensureRegion(tx.DB, regionName)
		if err != nil {
			return err
		}
		id, err = addInspector(tx, region.ID, name, phone)
		return err
	})
	return id, err
}

// operatorName cleans a name given on the command line as the API cleans names (NFC, no invisible
// characters, 1..max characters), with the operator's English messages.
func operatorName(v service.Invalid, field, val string, max int) string {
	c, ok := service.CleanName(val)
	switch {
	case c == "":
		v.Add(field, "required")
	case !ok:
		v.Add(field, "contains control or invisible characters")
	case service.Runes(c) > max:
		v.Add(field, fmt.Sprintf("at most %d characters", max))
	}
	return c
}

func ensureRegion(tx *gorm.DB, name string) (model.Region, error) {
	var r model.Region
	err := tx.Where("name = ?", name).Take(&r).Error
	if model.IsNotFound(err) {
		r = model.Region{ID: model.NewID(), Name: name}
		err = tx.Create(&r).Error
	}
	return r, err
}

func ensureSchool(tx *service.Tx, regionID, name string, st Settings) (model.School, error) {
	var sc model.School
	err := tx.Where("region_id = ? AND name = ?", regionID, name).Take(&sc).Error
	if !model.IsNotFound(err) {
		return sc, err
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return sc, err
	}
	sc = model.School{ID: model.NewID(), RegionID: regionID, Name: name, Timezone: st.Timezone, Settings: string(raw),
		QRSecret: hex.EncodeToString(model.NewSecret(32)), CreatedAt: tx.Now, UpdatedAt: tx.Now}
	if err := tx.Create(&sc).Error; err != nil {
		return sc, err
	}
	return sc, evidence.Created(tx, nil, sc.ID, evidence.School, sc.ID, map[string]any{"name": name})
}

// ensureStaff adds a roster entry, or re-activates the one with the same phone (keeping its roles merged).
// An inspector's entry belongs to a region, not a school (SchoolID empty).
func ensureStaff(tx *service.Tx, st model.Staff) (string, error) {
	db := tx.DB
	if st.SchoolID == "" {
		db = model.CrossSchool(db) // a region's roster: no school to scope by
	}
	var prev model.Staff
	q := db.Scopes(model.InSchool(st.SchoolID)).Where("phone = ?", st.Phone)
	if st.SchoolID == "" {
		q = q.Where("region_id = ?", st.RegionID)
	}
	err := q.Take(&prev).Error
	if err == nil {
		roles := SplitRoles(prev.Roles)
		for _, r := range SplitRoles(st.Roles) {
			if !strings.Contains(","+prev.Roles+",", ","+r+",") {
				roles = append(roles, r)
			}
		}
		updates := map[string]any{"active": true, "roles": strings.Join(roles, ","), "updated_at": tx.Now}
		if !prev.Active {
			unbind(updates) // re-added after deactivation: the person binds again
		}
		err := db.Model(&model.Staff{}).Scopes(model.InSchool(st.SchoolID)).Where("id = ?", prev.ID).
			Updates(updates).Error
		return prev.ID, err
	}
	if !model.IsNotFound(err) {
		return "", err
	}
	st.ID, st.Active, st.CreatedAt, st.UpdatedAt = model.NewID(), true, tx.Now, tx.Now
	if st.Subjects == "" {
		st.Subjects = "[]"
	}
	if err := db.Create(&st).Error; err != nil {
		return "", err
	}
	if st.SchoolID == "" {
		return st.ID, nil
	}
	return st.ID, evidence.Created(tx, nil, st.SchoolID, evidence.Staff, st.ID, auditView(st))
}

// addInspector adds an inspector to a region inside the caller's transaction.
func addInspector(tx *service.Tx, regionID, name, phone string) (string, error) {
	return ensureStaff(tx, model.Staff{RegionID: regionID, Name: name, Phone: phone, Roles: service.RoleInspector})
}
