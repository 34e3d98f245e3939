// Package meals is accompanied meals (陪餐): leaders' and parents' records of the meals they ate with the
// students, with photos, the leaders' duty roster, parents' feedback and the school's answers, and the
// monthly meals report.
package meals

import (
	"schoolcheck/service"
	"schoolcheck/service/moderation"
	"schoolcheck/service/notify"
	"schoolcheck/service/photos"
)

// Service is the accompanied-meals module.
type Service struct {
	service.Core
	photos *photos.Service
	check  *moderation.Service
	notify *notify.Service
}

// New builds the module over the shared photo pipeline, content check and outbox.
func New(core service.Core, ph *photos.Service, check *moderation.Service, nt *notify.Service) *Service {
	return &Service{Core: core, photos: ph, check: check, notify: nt}
}
