package service

import (
	"context"
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
