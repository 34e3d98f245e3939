// Package phones is phone custody (手机管理): the plan (二（三）4) keeps phones out of classrooms, handed in and
// kept in a named place, in a named way, by a named person, with a number students call home on. The module
// keeps each class's custody arrangement, its registered-phones count with history, the daily collection and
// hand-back checks and the spot checks in class, the follow-up of every discrepancy or phone found, and the
// monthly report. It works on class counts only: no student is ever named or counted individually.
//
// Who may do what:
//   - the class's head teacher and the school's leaders record (counts, arrangement, checks, resolutions);
//     another teacher is 403, another school's class 404;
//   - the arrangement is read by the class's head teacher, its keeper, leaders and the class's parents, who
//     see the keeper by name and role only;
//   - checks and follow-ups are read by leaders and the class's head teacher; parents and inspectors read
//     nothing but the arrangement and the reports they are entitled to (service/report).
package phones

import (
	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/notify"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

// Service is the phone-custody module.
type Service struct {
	service.Core
	photos *photos.Service
	notify *notify.Service
}

// New builds the module over the shared photo pipeline and the outbox (its collection reminder).
func New(core service.Core, ph *photos.Service, nt *notify.Service) *Service {
	return &Service{Core: core, photos: ph, notify: nt}
}

// isLeader is a leader (or principal) on the school's roster.
func isLeader(a *service.Actor) bool { return a.IsStaff() && a.IsLeader() }

// mayRecord reports whether the actor records for the class: its head teacher or a leader.
func mayRecord(a *service.Actor, c model.Class) bool {
	return isLeader(a) || school.IsHeadTeacher(a, c)
}

// recordClass loads a class the actor records for: anyone off the school's staff is 403, another school's
// class 404, a teacher who is not its head teacher 403.
func recordClass(db *gorm.DB, a *service.Actor, classID string) (model.Class, error) {
	if err := a.RequireStaff(); err != nil {
		return model.Class{}, err
	}
	c, err := school.FindClass(db, a.SchoolID, classID)
	if err != nil {
		return c, err
	}
	if !mayRecord(a, c) {
		return c, service.ForbiddenBecause("只有本班班主任或学校领导可以操作本班手机管理")
	}
	return c, nil
}

// headedClasses lists the ids of the classes the actor is head teacher of.
func headedClasses(db *gorm.DB, a *service.Actor) ([]string, error) {
	ids := []string{}
	if a.StaffID == "" {
		return ids, nil
	}
	err := db.Model(&model.Class{}).Scopes(a.Scope()).Where("head_teacher_id = ?", a.StaffID).Order("id").
		Pluck("id", &ids).Error
	return ids, service.WrapDB(err)
}

// readScope is the classes whose checks the actor reads: every class for leaders (nil), the classes they
// head for a head teacher; anyone else is 403.
func readScope(db *gorm.DB, a *service.Actor) ([]string, error) {
	if err := a.RequireStaff(); err != nil {
		return nil, err
	}
	if a.IsLeader() {
		return nil, nil
	}
	ids, err := headedClasses(db, a)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, service.ForbiddenBecause("只有班主任或学校领导可以查看手机检查记录")
	}
	return ids, nil
}

// classesByID reads classes of a school by id.
func classesByID(db *gorm.DB, schoolID string, ids []string) (map[string]model.Class, error) {
	out := map[string]model.Class{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []model.Class
	if err := db.Scopes(model.InSchool(schoolID)).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	for _, c := range rows {
		out[c.ID] = c
	}
	return out, nil
}
