package observations

import (
	"gorm.io/gorm"

	"schoolcheck/service/school"
)

// Quota is a staff member's observations given this term (settings.term) against their quota for it: the
// largest of their roles' quotas (settings.observations.quota_per_term). GET /observations answers it for
// the caller; the report has it per staff member.
type Quota struct {
	Term      school.Term `json:"term"`
	Given     int         `json:"given"`
	Quota     int         `json:"quota"`
	Shortfall int         `json:"shortfall"`
}

// quotaOf is one staff member's quota of the school's current term.
func quotaOf(db *gorm.DB, si *school.Info, staffID string, roles []string) (Quota, error) {
	term := si.Settings.Term
	given, err := givenCounts(db, []string{si.School.ID}, term.Start, term.End, staffID)
	if err != nil {
		return Quota{}, err
	}
	return newQuota(term, given[si.School.ID][staffID], si.Settings.Observations.Quota(roles)), nil
}

func newQuota(term school.Term, given, quota int) Quota {
	return Quota{Term: term, Given: given, Quota: quota, Shortfall: max(0, quota-given)}
}
