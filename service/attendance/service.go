// Package attendance is office sign-in (坐班): punches on server time inside the school's geofence or with
// the office's rotating QR code, the office display screens, the day statuses of the school calendar, leave
// and make-up requests with approval, and the monthly sheet.
package attendance

import (
	"schoolcheck/service"
	"schoolcheck/service/notify"
	"schoolcheck/service/school"
)

// Service is the office sign-in module.
type Service struct {
	service.Core
	notify *notify.Service
	days   *school.Days
}

// New builds the module over the school's kept days (a punch's read of its school) and the outbox (its
// sign-out reminder).
func New(core service.Core, days *school.Days, nt *notify.Service) *Service {
	return &Service{Core: core, days: days, notify: nt}
}
