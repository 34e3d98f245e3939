package service

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// These operator commands (schoolcheck bootstrap, inspector add) and the demo seed run without an Actor:
// they are the command line's, never a route's.

// BootstrapInput names a region, a school and its principal.
type BootstrapInput struct {
	Region, School, PrincipalName, PrincipalPhone string
}

// Bootstrap creates (or finds) the region and school and puts the principal on its roster. Safe to repeat.
func (s *Service) Bootstrap(ctx context.Context, in BootstrapInput) (string, error) {
	v := invalid{}
	in.Region, in.School, in.PrincipalName = strings.TrimSpace(in.Region), strings.TrimSpace(in.School), strings.TrimSpace(in.PrincipalName)
	in.PrincipalPhone = normalizePhone(in.PrincipalPhone)
	if in.Region == "" {
		v.add("region", "required")
	}
	if in.School == "" {
		v.add("school", "required")
	}
	if in.PrincipalName == "" {
		v.add("principal-name", "required")
	}
	if !phonePattern.MatchString(in.PrincipalPhone) {
		v.add("principal-phone", "want an 11-digit mainland mobile number")
	}
	if err := v.err(); err != nil {
		return "", err
	}
	var schoolID string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		region, err := ensureRegion(tx, in.Region)
		if err != nil {
			return err
		}
		sc, err := s.ensureSchool(tx, region.ID, in.School, DefaultSettings(s.now()))
		if err != nil {
			return err
		}
		schoolID = sc.ID
		_, err = s.ensureStaff(tx, model.Staff{SchoolID: sc.ID, Name: in.PrincipalName, Phone: in.PrincipalPhone,
			Roles: RolePrincipal + "," + RoleLeader})
		return err
	})
	return schoolID, err
}

// AddInspector puts an inspector on a region's roster (created if missing); they bind by phone like staff.
func (s *Service) AddInspector(ctx context.Context, regionName, name, phone string) (string, error) {
	phone = normalizePhone(phone)
	if strings.TrimSpace(regionName) == "" || strings.TrimSpace(name) == "" || !phonePattern.MatchString(phone) {
		return "", invalid{"inspector": "need --region, --name and an 11-digit --phone"}.err()
	}
	var id string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		region, err := ensureRegion(tx, strings.TrimSpace(regionName))
		if err != nil {
			return err
		}
		id, err = s.addInspector(tx, region.ID, strings.TrimSpace(name), phone)
		return err
	})
	return id, err
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

func (s *Service) ensureSchool(tx *gorm.DB, regionID, name string, st Settings) (model.School, error) {
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
		QRSecret: hex.EncodeToString(model.NewSecret(32))}
	if err := tx.Create(&sc).Error; err != nil {
		return sc, err
	}
	return sc, s.audit(tx, nil, sc.ID, ActionCreate, "school", sc.ID, map[string]any{"name": name})
}

// ensureStaff adds a roster entry, or re-activates the one with the same phone (keeping its roles merged).
func (s *Service) ensureStaff(tx *gorm.DB, st model.Staff) (string, error) {
	var prev model.Staff
	q := tx.Scopes(model.InSchool(st.SchoolID)).Where("phone = ?", st.Phone)
	if st.SchoolID == "" {
		q = q.Where("region_id = ?", st.RegionID)
	}
	err := q.Take(&prev).Error
	if err == nil {
		roles := splitRoles(prev.Roles)
		for _, r := range splitRoles(st.Roles) {
			if !strings.Contains(","+prev.Roles+",", ","+r+",") {
				roles = append(roles, r)
			}
		}
		err := tx.Model(&model.Staff{}).Scopes(model.InSchool(st.SchoolID)).Where("id = ?", prev.ID).
			Updates(map[string]any{"active": true, "roles": strings.Join(roles, ",")}).Error
		return prev.ID, err
	}
	if !model.IsNotFound(err) {
		return "", err
	}
	st.ID, st.Active = model.NewID(), true
	if st.Subjects == "" {
		st.Subjects = "[]"
	}
	if err := tx.Create(&st).Error; err != nil {
		return "", err
	}
	return st.ID, s.audit(tx, nil, st.SchoolID, ActionCreate, "staff", st.ID, map[string]any{"name": st.Name, "roles": st.Roles})
}

// addInspector adds an inspector to a region inside the caller's transaction.
func (s *Service) addInspector(tx *gorm.DB, regionID, name, phone string) (string, error) {
	return s.ensureStaff(tx, model.Staff{RegionID: regionID, Name: name, Phone: phone, Roles: RoleInspector})
}
