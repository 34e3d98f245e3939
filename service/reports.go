package service

import (
	"context"

	"schoolcheck/model"
)

// reportSchool decides which school a report is about. Leaders read their own school (naming another is
// 404); inspectors read any school of their region and must name it; everyone else is 403.
func (s *Service) reportSchool(ctx context.Context, a *Actor, schoolID string) (*schoolInfo, error) {
	db := s.read(ctx)
	switch {
	case a.Has(RoleInspector):
		if schoolID == "" {
			return nil, invalid{"school_id": "督学查看报表需指定学校"}.err()
		}
		si, err := loadSchool(db, schoolID)
		if err != nil {
			return nil, err
		}
		if si.School.RegionID != a.RegionID {
			return nil, notFound("学校")
		}
		return si, nil
	case a.IsLeader():
		if schoolID != "" && schoolID != a.SchoolID {
			return nil, notFound("学校")
		}
		return loadSchool(db, a.SchoolID)
	}
	return nil, forbidden()
}

// regionSchools lists the schools an overview covers: an inspector's region, or a principal's own school.
func (s *Service) regionSchools(ctx context.Context, a *Actor, regionID string) ([]model.School, error) {
	db := s.read(ctx)
	var schools []model.School
	switch {
	case a.Has(RoleInspector):
		if regionID != "" && regionID != a.RegionID {
			return nil, notFound("区域")
		}
		if err := db.Where("region_id = ?", a.RegionID).Order("name").Find(&schools).Error; err != nil {
			return nil, wrapDB(err)
		}
	case a.Has(RolePrincipal):
		if err := db.Where("id = ?", a.SchoolID).Find(&schools).Error; err != nil {
			return nil, wrapDB(err)
		}
	default:
		return nil, forbidden()
	}
	return schools, nil
}
