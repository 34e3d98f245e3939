// Package attendance is office sign-in (坐班): punches on server time inside the school's geofence or with
// the office's rotating QR code, the office display screens, the day statuses of the school calendar, leave
// and make-up requests with approval, and the monthly sheet.
package attendance

import (
	"schoolcheck/service"
	"schoolcheck/service/notify"
)

// Service is the office sign-in module.
type Service struct {
	service.Core
	notify *notify.Service
}

// New builds the module over the outbox (its sign-out reminder).
func New(core service.Core, nt *notify.Service) *Service { return &Service{Core: core, notify: nt} }
