package phones

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/school"
)

// CheckQuery filters GET /phone-checks.
type CheckQuery struct {
	ClassID, From, To, Kind string
	Page                    service.PageQuery
}

// scoped narrows checks to the classes the actor reads, and to one of them when classID is given: a class of
// another school is 404, a class the head teacher does not head 403.
func scoped(db *gorm.DB, a *service.Actor, classID string) (*gorm.DB, error) {
	scope, err := readScope(db, a)
	if err != nil {
		return nil, err
	}
	q := db.Model(&model.PhoneCheck{}).Scopes(a.Scope())
	if classID != "" {
		if _, err := school.FindClass(db, a.SchoolID, classID); err != nil {
			return nil, err
		}
		if scope != nil && !slices.Contains(scope, classID) {
			return nil, service.ForbiddenBecause("只能查看本班的手机检查记录")
		}
		return q.Where("class_id = ?", classID), nil
	}
	if scope != nil {
		q = q.Where("class_id IN ?", scope)
	}
	return q, nil
}

// ListChecks lists checks newest first (leaders: the school's; head teachers: their classes').
func (s *Service) ListChecks(ctx context.Context, a *service.Actor, q CheckQuery) (service.Page[Check], error) {
	v := service.Invalid{}
	v.ID("class_id", q.ClassID)
	v.Span("from", q.From, "to", q.To, 0)
	v.OneOf("kind", q.Kind, true, Kinds...)
	if err := v.Err(); err != nil {
		return service.Page[Check]{}, err
	}
	return s.listChecks(ctx, a, q.ClassID, q.Page, true, func(db *gorm.DB) *gorm.DB {
		if q.From != "" {
			db = db.Where("date >= ?", q.From)
		}
		if q.To != "" {
			db = db.Where("date <= ?", q.To)
		}
		if q.Kind != "" {
			db = db.Where("kind = ?", q.Kind)
		}
		return db
	})
}

// listChecks is a page of the checks the actor reads (see scoped), narrowed by filter, by id (creation
// order), newest first when desc.
func (s *Service) listChecks(ctx context.Context, a *service.Actor, classID string, page service.PageQuery, desc bool,
	filter func(*gorm.DB) *gorm.DB) (service.Page[Check], error) {
	db := s.Read(ctx)
	list, err := scoped(db, a, classID)
	if err != nil {
		return service.Page[Check]{}, err
	}
	si, err := school.Load(db, a.SchoolID)
	if err != nil {
		return service.Page[Check]{}, err
	}
	return service.List(filter(list), page, "id", desc, func(r *model.PhoneCheck) string { return r.ID },
		func(rows []model.PhoneCheck) ([]Check, error) { return s.checkViews(ctx, si, rows) })
}

// findCheck reads a check the actor may see: off the staff 403, another school's 404, a teacher who does not
// head its class 403.
func findCheck(db *gorm.DB, a *service.Actor, id string) (model.PhoneCheck, model.Class, error) {
	var r model.PhoneCheck
	if err := a.RequireStaff(); err != nil {
		return r, model.Class{}, err
	}
	err := db.Scopes(a.Scope()).Where("id = ?", id).Take(&r).Error
	if model.IsNotFound(err) {
		return r, model.Class{}, service.NotFound("手机检查记录")
	}
	if err != nil {
		return r, model.Class{}, service.WrapDB(err)
	}
	c, err := school.FindClass(db, a.SchoolID, r.ClassID)
	if err != nil {
		return r, c, err
	}
	if !mayRecord(a, c) {
		return r, c, service.ForbiddenBecause("只有本班班主任或学校领导可以查看这条记录")
	}
	return r, c, nil
}

// GetCheck reads one check.
func (s *Service) GetCheck(ctx context.Context, a *service.Actor, id string) (Check, error) {
	db := s.Read(ctx)
	r, c, err := findCheck(db, a, id)
	if err != nil {
		return Check{}, err
	}
	si, err := school.Load(db, a.SchoolID)
	if err != nil {
		return Check{}, err
	}
	return s.checkOut(ctx, si, c, r)
}
