package auth

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/school"
)

// membership names one of an account's memberships: a school, or for inspectors a region. Its string form
// ("school:<id>", "region:<id>") is the token's claim and accounts.membership.
type membership struct{ schoolID, regionID string }

func (m membership) String() string {
	switch {
	case m.schoolID != "":
		return "school:" + m.schoolID
	case m.regionID != "":
		return "region:" + m.regionID
	}
	return ""
}

func (m membership) empty() bool { return m.schoolID == "" && m.regionID == "" }

func parseMembership(s string) membership {
	if id, ok := strings.CutPrefix(s, "school:"); ok {
		return membership{schoolID: id}
	}
	if id, ok := strings.CutPrefix(s, "region:"); ok {
		return membership{regionID: id}
	}
	return membership{}
}

// membershipOf is the membership an actor acts in.
func membershipOf(a *service.Actor) membership {
	if a.SchoolID != "" {
		return membership{schoolID: a.SchoolID}
	}
	if a.Has(service.RoleInspector) {
		return membership{regionID: a.RegionID}
	}
	return membership{}
}

// Membership is one school (or, for an inspector, region) where the account holds a role, as /me lists
// it. For a school, Region is the school's region.
type Membership struct {
	School  *service.Ref `json:"school"`
	Region  *service.Ref `json:"region"`
	Roles   []string     `json:"roles"`
	Current bool         `json:"current"`
	key     membership
	since   time.Time
}

// memberships lists an account's memberships in the order they began: every school where it has an active
// roster entry or an active class link, every region where it is an inspector.
func memberships(db *gorm.DB, accountID string) ([]Membership, error) {
	var staff []model.Staff
	if err := model.CrossSchool(db).Where("account_id = ? AND active = ?", accountID, true).Order("created_at, id").
		Find(&staff).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	var links []model.ParentLink
	if err := model.CrossSchool(db).Where("account_id = ? AND removed_at IS NULL", accountID).Order("created_at, id").
		Find(&links).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	byKey := map[membership]*Membership{}
	var out []*Membership
	get := func(k membership, since time.Time) *Membership {
		if m := byKey[k]; m != nil {
			if since.Before(m.since) {
				m.since = since
			}
			return m
		}
		m := &Membership{key: k, since: since, Roles: []string{}}
		byKey[k] = m
		out = append(out, m)
		return m
	}
	staffIn := map[membership]bool{}
	for _, st := range staff {
		k := membership{schoolID: st.SchoolID}
		if st.SchoolID == "" {
			k = membership{regionID: st.RegionID}
		}
		if staffIn[k] { // one roster entry per membership, as the actor query takes it
			continue
		}
		staffIn[k] = true
		since := st.CreatedAt
		if st.BoundAt != nil {
			since = *st.BoundAt
		}
		m := get(k, since)
		m.Roles = append(school.SplitRoles(st.Roles), m.Roles...)
	}
	for _, l := range links {
		m := get(membership{schoolID: l.SchoolID}, l.CreatedAt)
		if !slices.Contains(m.Roles, service.RoleParent) {
			m.Roles = append(m.Roles, service.RoleParent)
		}
	}
	if err := nameMemberships(db, out); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].since.Before(out[j].since) })
	list := make([]Membership, len(out))
	for i, m := range out {
		list[i] = *m
	}
	return list, nil
}

// nameMemberships fills in the schools' and regions' names (a school's region too).
func nameMemberships(db *gorm.DB, list []*Membership) error {
	var schoolIDs, regionIDs []string
	for _, m := range list {
		if m.key.schoolID != "" {
			schoolIDs = append(schoolIDs, m.key.schoolID)
		} else {
			regionIDs = append(regionIDs, m.key.regionID)
		}
	}
	var schools []model.School
	if len(schoolIDs) > 0 {
		if err := db.Select("id", "name", "region_id").Where("id IN ?", schoolIDs).Find(&schools).Error; err != nil {
			return service.WrapDB(err)
		}
	}
	schoolByID := map[string]model.School{}
	for _, sc := range schools {
		schoolByID[sc.ID] = sc
		regionIDs = append(regionIDs, sc.RegionID)
	}
	var regions []model.Region
	if len(regionIDs) > 0 {
		if err := db.Where("id IN ?", regionIDs).Find(&regions).Error; err != nil {
			return service.WrapDB(err)
		}
	}
	regionRef := map[string]*service.Ref{}
	for _, r := range regions {
		regionRef[r.ID] = &service.Ref{ID: r.ID, Name: r.Name}
	}
	for _, m := range list {
		if sc, ok := schoolByID[m.key.schoolID]; ok {
			m.School, m.Region = &service.Ref{ID: sc.ID, Name: sc.Name}, regionRef[sc.RegionID]
			continue
		}
		m.Region = regionRef[m.key.regionID]
	}
	return nil
}

// defaultMembership is the membership a login starts in: the one the account chose last while it still
// holds it, else its oldest; none for an account without any.
func defaultMembership(db *gorm.DB, accountID string) (membership, error) {
	list, err := memberships(db, accountID)
	if err != nil || len(list) == 0 {
		return membership{}, err
	}
	var chosen []string
	if err := db.Model(&model.Account{}).Where("id = ?", accountID).Pluck("membership", &chosen).Error; err != nil {
		return membership{}, service.WrapDB(err)
	}
	if len(chosen) > 0 {
		pref := parseMembership(chosen[0])
		for _, m := range list {
			if m.key == pref {
				return pref, nil
			}
		}
	}
	return list[0].key, nil
}

// remember records the membership an account chose, for its next login.
func remember(db *gorm.DB, accountID string, m membership) error {
	return db.Model(&model.Account{}).Where("id = ?", accountID).Update("membership", m.String()).Error
}

// SwitchInput names the membership to act in: a school, or a region (inspectors).
type SwitchInput struct {
	SchoolID string
	RegionID string
}

// Switch issues a token acting in another of the account's memberships. A school or region where the
// account holds no role is 404 not_found, as another school's record is.
func (s *Service) Switch(ctx context.Context, a *service.Actor, in SwitchInput) (Session, error) {
	v := service.Invalid{}
	v.ID("school_id", in.SchoolID)
	v.ID("region_id", in.RegionID)
	if (in.SchoolID == "") == (in.RegionID == "") {
		v.Add("school_id", "请指定 school_id 或 region_id 之一")
	}
	if err := v.Err(); err != nil {
		return Session{}, err
	}
	want := membership{schoolID: in.SchoolID, regionID: in.RegionID}
	list, err := memberships(s.Read(ctx), a.AccountID)
	if err != nil {
		return Session{}, err
	}
	if !slices.ContainsFunc(list, func(m Membership) bool { return m.key == want }) {
		return Session{}, service.NotFound("身份")
	}
	if err := remember(s.Read(ctx), a.AccountID, want); err != nil {
		return Session{}, service.WrapDB(err)
	}
	return s.session(ctx, a.AccountID, want)
}
