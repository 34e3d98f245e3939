package inspections

import (
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
)

// Finding states.
const (
	StatusOpen     = "open"
	StatusAnswered = "answered"
	StatusClosed   = "closed"
)

// Kinds of a finding's thread entries.
const (
	KindResponse = "response"
	KindVerify   = "verify"
)

// Modules a finding concerns.
var Modules = []string{"attendance", "meals", "phones", "observations", "other"}

// moduleNames are the modules as a Chinese sheet or message writes them.
var moduleNames = map[string]string{"attendance": "坐班考勤", "meals": "陪餐", "phones": "手机管理",
	"observations": "听课评课", "other": "其他"}

// findingIn reads a finding of one of the schools (404 when it is in none of them).
func findingIn(db *gorm.DB, schoolIDs []string, id string) (model.Finding, error) {
	var f model.Finding
	if len(schoolIDs) == 0 || id == "" {
		return f, service.NotFound("问题")
	}
	err := db.Where("school_id IN ? AND id = ?", schoolIDs, id).Take(&f).Error
	if model.IsNotFound(err) {
		return f, service.NotFound("问题")
	}
	return f, service.WrapDB(err)
}

// threads reads the thread entries of findings (of the schools given), oldest first, by finding.
func threads(db *gorm.DB, schoolIDs, findingIDs []string) (map[string][]model.FindingResponse, error) {
	out := map[string][]model.FindingResponse{}
	if len(findingIDs) == 0 {
		return out, nil
	}
	var rows []model.FindingResponse
	if err := db.Where("school_id IN ? AND finding_id IN ?", schoolIDs, findingIDs).Order("created_at, id").
		Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	for _, r := range rows {
		out[r.FindingID] = append(out[r.FindingID], r)
	}
	return out, nil
}

// overdue reports a finding not closed whose due date has passed at the school's today.
func overdue(f model.Finding, today string) bool { return f.Status != StatusClosed && f.Due < today }

// findingCounts are a school's findings not closed, and those of them overdue.
type findingCounts struct {
	SchoolID string
	Open     int
	Overdue  int
}

// countFindings counts, in one statement per distinct local date, the schools' findings that are not
// closed and those overdue at today (schools in one time zone share one statement).
func countFindings(db *gorm.DB, today map[string][]string) (map[string]findingCounts, error) {
	out := map[string]findingCounts{}
	for date, ids := range today {
		var rows []findingCounts
		if err := db.Model(&model.Finding{}).Select(`school_id,
			COUNT(*) AS open,
			SUM(CASE WHEN due < ? THEN 1 ELSE 0 END) AS overdue`, date).
			Where("school_id IN ? AND status <> ?", ids, StatusClosed).Group("school_id").Scan(&rows).Error; err != nil {
			return nil, service.WrapDB(err)
		}
		for _, r := range rows {
			out[r.SchoolID] = r
		}
	}
	return out, nil
}

// local is t in loc, or nil.
func local(t *time.Time, loc *time.Location) *time.Time { return service.InZone(t, loc) }
