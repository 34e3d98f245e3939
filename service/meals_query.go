package service

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// MealQuery filters GET /meals.
type MealQuery struct {
	From, To, Meal, Role string
	Page                 PageQuery
}

// mealsVisible scopes meal records to what the actor may read: staff see their school's, parents their own.
// Anyone else (inspectors read reports) is 403.
func mealsVisible(a *Actor) (func(*gorm.DB) *gorm.DB, error) {
	switch {
	case a == nil || a.SchoolID == "":
		return nil, forbidden()
	case a.IsStaff():
		return a.scope(), nil
	case a.Has(RoleParent):
		return func(db *gorm.DB) *gorm.DB { return db.Scopes(a.scope()).Where("author_id = ?", a.UserID()) }, nil
	}
	return nil, forbidden()
}

// ListMeals lists 陪餐 records, newest first.
func (s *Service) ListMeals(ctx context.Context, a *Actor, q MealQuery) (Page[Meal], error) {
	scope, err := mealsVisible(a)
	if err != nil {
		return Page[Meal]{}, err
	}
	v := invalid{}
	for field, d := range map[string]string{"from": q.From, "to": q.To} {
		if _, err := time.Parse(time.DateOnly, d); d != "" && err != nil {
			v.add(field, "格式应为 YYYY-MM-DD")
		}
	}
	if q.Meal != "" && !slices.Contains(MealKinds, q.Meal) {
		v.add("meal", "应为 breakfast、lunch 或 dinner")
	}
	if q.Role != "" && q.Role != CompanionLeader && q.Role != CompanionParent {
		v.add("role", "应为 leader 或 parent")
	}
	if err := v.err(); err != nil {
		return Page[Meal]{}, err
	}
	db := s.read(ctx).Scopes(scope)
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
	var rows []model.Meal
	if err := q.Page.apply(db, "id", true).Find(&rows).Error; err != nil {
		return Page[Meal]{}, wrapDB(err)
	}
	rows, more := trim(rows, q.Page.limit())
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	photos, err := s.photosOf(ctx, a.SchoolID, entityMeal, ids...)
	if err != nil {
		return Page[Meal]{}, err
	}
	out := Page[Meal]{Items: make([]Meal, 0, len(rows))}
	for _, r := range rows {
		m := mealView(r)
		m.Photos = photoList(photos, r.ID)
		out.Items = append(out.Items, m)
	}
	if more {
		out.NextCursor = encodeCursor(rows[len(rows)-1].ID)
	}
	return out, nil
}

// findMeal reads a record the actor may see; anything else (another school's, another parent's) is 404.
func findMeal(db *gorm.DB, a *Actor, id string) (model.Meal, error) {
	scope, err := mealsVisible(a)
	if err != nil {
		return model.Meal{}, err
	}
	var m model.Meal
	err = db.Scopes(scope).Where("id = ?", id).Take(&m).Error
	if model.IsNotFound(err) {
		return m, notFound("陪餐记录")
	}
	return m, wrapDB(err)
}

// GetMeal reads one record.
func (s *Service) GetMeal(ctx context.Context, a *Actor, id string) (Meal, error) {
	m, err := findMeal(s.read(ctx), a, id)
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
func (s *Service) UpdateMeal(ctx context.Context, a *Actor, id string, p MealPatch) (Meal, error) {
	v := invalid{}
	if p.Dishes != nil {
		*p.Dishes = cleanDishes(v, *p.Dishes)
	}
	if p.Ratings != nil {
		p.Ratings.validate(v)
	}
	if p.Comment != nil {
		*p.Comment = checkText(v, "comment", *p.Comment, 500)
	}
	if p.Issues != nil {
		*p.Issues = checkText(v, "issues", *p.Issues, 500)
	}
	if p.PhotoIDs != nil {
		*p.PhotoIDs = checkPhotoIDs(v, *p.PhotoIDs)
	}
	if err := v.err(); err != nil {
		return Meal{}, err
	}
	var row model.Meal
	err := s.tx(ctx, func(tx *gorm.DB) error {
		m, err := findMeal(tx, a, id)
		if err != nil {
			return err
		}
		if m.AuthorID != a.UserID() {
			return E(ErrForbidden, "forbidden", "只有记录人可以修改这条陪餐记录")
		}
		now := s.now().UTC()
		if now.After(m.CreatedAt.Add(mealEditWindow)) {
			return conflict("record_locked", "陪餐记录提交超过 24 小时，已锁定，不能再修改")
		}
		old := mealView(m)
		updates, changes := map[string]any{}, map[string]any{}
		change := func(field string, from, to any) { changes[field] = map[string]any{"from": from, "to": to} }
		if p.Dishes != nil && !slices.Equal(*p.Dishes, old.Dishes) {
			updates["dishes"] = jsonText(*p.Dishes)
			change("dishes", old.Dishes, *p.Dishes)
		}
		if p.Ratings != nil && *p.Ratings != old.Ratings {
			r := *p.Ratings
			updates["hygiene"], updates["taste"], updates["quantity"] = r.Hygiene, r.Taste, r.Quantity
			updates["temperature"], updates["price"] = r.Temperature, r.Price
			change("ratings", old.Ratings, r)
		}
		if p.Comment != nil && *p.Comment != m.Comment {
			updates["comment"] = *p.Comment
			change("comment", m.Comment, *p.Comment)
		}
		if p.Issues != nil && *p.Issues != m.Issues {
			updates["issues"] = *p.Issues
			change("issues", m.Issues, *p.Issues)
		}
		if p.PhotoIDs != nil {
			if m.Role == CompanionLeader && len(*p.PhotoIDs) == 0 {
				si, err := loadSchool(tx, a.SchoolID)
				if err != nil {
					return err
				}
				if si.Settings.Meals.LeaderPhotoRequired {
					return photoRequired()
				}
			}
			prev, err := s.setPhotos(tx, a, *p.PhotoIDs, entityMeal, m.ID)
			if err != nil {
				return err
			}
			if prev != nil {
				change("photo_ids", prev, *p.PhotoIDs)
			}
		}
		if len(changes) > 0 {
			updates["updated_at"] = now
			if err := tx.Model(&model.Meal{}).Scopes(a.scope()).Where("id = ?", m.ID).Updates(updates).Error; err != nil {
				return err
			}
			if err := s.audit(tx, a, a.SchoolID, ActionUpdate, entityMeal, m.ID, changes); err != nil {
				return err
			}
		}
		row, err = findMeal(tx, a, id)
		return err
	})
	if err != nil {
		return Meal{}, err
	}
	return s.mealOut(ctx, row)
}
