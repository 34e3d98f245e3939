package meals

import (
	"context"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

// MealQuery filters GET /meals.
type MealQuery struct {
	From, To, Meal, Role string
	Page                 service.PageQuery
}

// mealsVisible scopes meal records to what the actor may read: staff see their school's, parents their own.
// Anyone else (inspectors read reports) is 403.
func mealsVisible(a *service.Actor) (func(*gorm.DB) *gorm.DB, error) {
	switch {
	case a == nil || a.SchoolID == "":
		return nil, service.Forbidden()
	case a.IsStaff():
		return a.Scope(), nil
	case a.Has(service.RoleParent):
		return func(db *gorm.DB) *gorm.DB { return db.Scopes(a.Scope()).Where("author_id IN ?", a.ParentAuthorIDs) }, nil
	}
	return nil, service.Forbidden()
}

// ListMeals lists 陪餐 records, newest first.
func (s *Service) ListMeals(ctx context.Context, a *service.Actor, q MealQuery) (service.Page[Meal], error) {
	scope, err := mealsVisible(a)
	if err != nil {
		return service.Page[Meal]{}, err
	}
	v := service.Invalid{}
	v.Span("from", q.From, "to", q.To, 0)
	v.OneOf("meal", q.Meal, true, school.MealKinds...)
	v.OneOf("role", q.Role, true, CompanionLeader, CompanionParent)
	if err := v.Err(); err != nil {
		return service.Page[Meal]{}, err
	}
	si, err := school.Load(s.Read(ctx), a.SchoolID)
	if err != nil {
		return service.Page[Meal]{}, err
	}
	db := s.Read(ctx).Scopes(scope)
	if q.From != "" {
		db = db.Where("date >= ?", q.From)
	}
	if q.To != "" {
		db = db.Where("date <= ?", q.To)
	}
	if q.Meal != "" {
		db = db.Where("meal = ?", q.Meal)
	}
	if q.Role != "" {
		db = db.Where("role = ?", q.Role)
	}
	return service.List(db, q.Page, "id", true, func(r *model.Meal) string { return r.ID },
		func(rows []model.Meal) ([]Meal, error) { return s.mealViews(ctx, si, rows) })
}

// mealViews converts rows with their photos, in one query for all of them.
func (s *Service) mealViews(ctx context.Context, si *school.Info, rows []model.Meal) ([]Meal, error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	ph, err := s.photos.Of(ctx, si.School.ID, evidence.Meal, ids...)
	if err != nil {
		return nil, err
	}
	out := make([]Meal, 0, len(rows))
	for _, r := range rows {
		m := mealView(r, si.Loc)
		m.Photos = photos.For(ph, r.ID)
		out = append(out, m)
	}
	return out, nil
}

// findMeal reads a record the actor may see; anything else (another school's, another parent's) is 404.
func findMeal(db *gorm.DB, a *service.Actor, id string) (model.Meal, error) {
	scope, err := mealsVisible(a)
	if err != nil {
		return model.Meal{}, err
	}
	var m model.Meal
	err = db.Scopes(scope).Where("id = ?", id).Take(&m).Error
	if model.IsNotFound(err) {
		return m, service.NotFound("陪餐记录")
	}
	return m, service.WrapDB(err)
}

// GetMeal reads one record.
func (s *Service) GetMeal(ctx context.Context, a *service.Actor, id string) (Meal, error) {
	m, err := findMeal(s.Read(ctx), a, id)
	if err != nil {
		return Meal{}, err
	}
	return s.mealOut(ctx, m)
}

// MealPatch corrects a record; nil fields stay. PhotoIDs, when given, is the whole new set.
type MealPatch struct {
	Dishes   *[]string
	Ratings  *MealRatings
	Comment  *string
	Issues   *string
	PhotoIDs *[]string
}

// UpdateMeal lets the author correct a record within 24 hours of filing it; later it is 409 record_locked.
// Another staff member may read it but not change it (403). Every change is audited with its old value.
func (s *Service) UpdateMeal(ctx context.Context, a *service.Actor, id string, p MealPatch) (Meal, error) {
	v := service.Invalid{}
	if p.Dishes != nil {
		*p.Dishes = cleanDishes(v, *p.Dishes)
	}
	if p.Ratings != nil {
		p.Ratings.validate(v)
	}
	if p.Comment != nil {
		*p.Comment = v.Text("comment", *p.Comment, 500)
	}
	if p.Issues != nil {
		*p.Issues = v.Text("issues", *p.Issues, 500)
	}
	if p.PhotoIDs != nil {
		*p.PhotoIDs = photos.CheckIDs(v, *p.PhotoIDs)
	}
	if err := v.Err(); err != nil {
		return Meal{}, err
	}
	var row model.Meal
	err := s.Tx(ctx, func(tx *service.Tx) error {
		m, err := findMeal(tx.DB, a, id)
		if err != nil {
			return err
		}
		if err := evidence.CheckEdit(a, m.AuthorID, m.CreatedAt, tx.Now, "陪餐记录"); err != nil {
			return err
		}
		si, err := school.Load(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		current, err := photos.Attached(tx.DB, a.SchoolID, evidence.Meal, m.ID)
		if err != nil {
			return err
		}
		before := auditOf(mealView(m, si.Loc), current)
		updates := map[string]any{}
		if p.Dishes != nil {
			updates["dishes"] = jsonText(*p.Dishes)
		}
		if r := p.Ratings; r != nil {
			updates["hygiene"], updates["taste"], updates["quantity"] = r.Hygiene, r.Taste, r.Quantity
			updates["temperature"], updates["price"] = r.Temperature, r.Price
		}
		if p.Comment != nil {
			updates["comment"] = *p.Comment
		}
		if p.Issues != nil {
			updates["issues"] = *p.Issues
		}
		photoIDs := current
		if p.PhotoIDs != nil {
			if m.Role == CompanionLeader && len(*p.PhotoIDs) == 0 && si.Settings.Meals.LeaderPhotoRequired {
				return photoRequired()
			}
			if _, err := photos.Set(tx, a, *p.PhotoIDs, evidence.Meal, m.ID); err != nil {
				return err
			}
			photoIDs = *p.PhotoIDs
		}
		if len(updates) > 0 {
			updates["updated_at"] = tx.Now
			if err := tx.Model(&model.Meal{}).Scopes(a.Scope()).Where("id = ?", m.ID).Updates(updates).Error; err != nil {
				return err
			}
		}
		if row, err = findMeal(tx.DB, a, id); err != nil {
			return err
		}
		author := a
		if m.Role == CompanionParent && m.ClassID != nil {
			author = a.AsParent(*m.ClassID)
		}
		_, err = evidence.Updated(tx, author, a.SchoolID, evidence.Meal, m.ID, before, auditOf(mealView(row, si.Loc), photoIDs))
		return err
	})
	if err != nil {
		return Meal{}, err
	}
	return s.mealOut(ctx, row)
}
