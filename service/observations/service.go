// Package observations is lesson observation (听课评课): the school's versioned rubric, open lessons (公开课)
// that staff sign up to observe, observations scored on the rubric with written strengths and suggestions,
// the observed teacher's acknowledgement with a reflection (教学反思), per-role quotas per term, and the
// report. Its rules fight "重听轻评" — lessons observed, boxes ticked, nothing evaluated: every observation
// carries feedback with substance, and is not finished until the teacher has answered it.
package observations

import (
	"schoolcheck/service"
	"schoolcheck/service/moderation"
	"schoolcheck/service/notify"
	"schoolcheck/service/photos"
)

// Service is the lesson-observation module.
type Service struct {
	service.Core
	photos *photos.Service
	check  *moderation.Service
	notify *notify.Service
}

// New builds the module over the shared photo pipeline, content check and outbox (its reminder).
func New(core service.Core, ph *photos.Service, check *moderation.Service, nt *notify.Service) *Service {
	return &Service{Core: core, photos: ph, check: check, notify: nt}
}

// Kinds of an observed lesson: a routine visit, an open lesson (公开课), an unannounced visit (推门听课), a
// demonstration lesson (示范课).
const (
	KindRoutine     = "routine"
	KindOpen        = "open"
	KindUnannounced = "unannounced"
	KindDemo        = "demo"
)

// Kinds lists the kinds of an observation in the contract's order; LessonKinds those an announced lesson
// may have.
var (
	Kinds       = []string{KindRoutine, KindOpen, KindUnannounced, KindDemo}
	LessonKinds = []string{KindOpen, KindDemo}
)

// kindNames are the kinds as a Chinese sheet writes them.
var kindNames = map[string]string{KindRoutine: "常规听课", KindOpen: "公开课", KindUnannounced: "推门听课", KindDemo: "示范课"}

// Limits of the free text and of a lesson's period (节次).
const (
	maxText      = 1000
	minSubstance = 5 // different letters or digits an evaluation needs (service.Invalid.Substance)
	maxPeriod    = 12
)
