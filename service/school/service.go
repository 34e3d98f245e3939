// Package school is what every module stands on: regions (a tree), schools and their settings document,
// the calendar (one DayPlan per date, 调休 and holidays included), the staff roster and its import, classes
// and their parents, and the operator commands that create them. Modules read a school through Info and
// Plans so that a holiday or a 调休 Saturday means the same everywhere.
package school

import (
	"schoolcheck/service"
)

// Service is the school administration of API.md: settings, calendar, staff, classes and parents.
type Service struct {
	service.Core
	// Days is this instance's kept reads of each school for a punch (see Days).
	Days *Days
}

// New builds the school service.
func New(core service.Core) *Service { return &Service{Core: core, Days: &Days{}} }
