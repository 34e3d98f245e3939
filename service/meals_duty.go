package service

import (
	"context"
	"slices"
	"sort"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// MealDuty is one roster entry: the leader who is to accompany a meal. Leader is null when nobody is
// assigned (after PUT with an empty leader_id).
type MealDuty struct {
	Date   string `json:"date"`
	Meal   string `json:"meal"`
	Leader *Ref   `json:"leader"`
}

// MealDutyInput is PUT /meals/duty. An empty LeaderID removes the assignment.
type MealDutyInput struct {
	Date, Meal, LeaderID string
}

// maxDutyDays bounds GET /meals/duty's range.
const maxDutyDays = 92

// SetMealDuty assigns (or clears) the leader on duty for a served meal (principal). The leader must be an
// active leader or principal of the school (another school's staff is 404, a teacher 422 not_a_leader).
func (s *Service) SetMealDuty(ctx context.Context, a *Actor, in MealDutyInput) (MealDuty, error) {
	if err := a.require(RolePrincipal); err != nil {
		return MealDuty{}, err
	}
	v := invalid{}
	if _, err := time.Parse(time.DateOnly, in.Date); err != nil {
		v.add("date", "格式应为 YYYY-MM-DD")
	}
	if !slices.Contains(MealKinds, in.Meal) {
		v.add("meal", "应为 breakfast、lunch 或 dinner")
	}
	if len(in.LeaderID) > 36 {
		v.add("leader_id", "教职工编号无效")
	}
	if err := v.err(); err != nil {
		return MealDuty{}, err
	}
	out := MealDuty{Date: in.Date, Meal: in.Meal}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		si, err := loadSchool(tx, a.SchoolID)
		if err != nil {
			return err
		}
		plan, err := dayPlan(tx, si, in.Date)
		if err != nil {
			return err
		}
		if in.LeaderID != "" && !slices.Contains(plan.Meals, in.Meal) {
			return E(ErrRule, "meal_not_served", "学校当天不供应这一餐，无需安排陪餐")
		}
		del := tx.Scopes(a.scope()).Where("date = ? AND meal = ?", in.Date, in.Meal).Delete(&model.MealDuty{})
		if del.Error != nil {
			return del.Error
		}
		if in.LeaderID == "" {
			if del.RowsAffected == 0 {
				return nil
			}
			return s.audit(tx, a, a.SchoolID, ActionDelete, "meal_duty", in.Date+"/"+in.Meal, nil)
		}
		st, err := findStaff(tx, a.SchoolID, in.LeaderID)
		if err != nil {
			return err
		}
		if !st.Active || !slices.ContainsFunc(splitRoles(st.Roles), func(r string) bool {
			return r == RoleLeader || r == RolePrincipal
		}) {
			return E(ErrRule, "not_a_leader", "只能安排在职的学校领导值班陪餐").Field("leader_id", "不是学校领导")
		}
		row := model.MealDuty{SchoolID: a.SchoolID, Date: in.Date, Meal: in.Meal, LeaderID: st.ID,
			AssignedBy: a.UserID(), UpdatedAt: s.now().UTC()}
		if err := tx.Create(&row).Error; err != nil {
			if model.IsDuplicate(err) { // another PUT for the same meal committed first
				return conflict("conflict", "值班安排刚被修改，请刷新后重试")
			}
			return err
		}
		out.Leader = &Ref{ID: st.ID, Name: st.Name}
		return s.audit(tx, a, a.SchoolID, ActionUpdate, "meal_duty", in.Date+"/"+in.Meal,
			map[string]any{"date": in.Date, "meal": in.Meal, "leader_id": st.ID})
	})
	return out, err
}

// MealDuties lists the roster from..to (any staff member), by date and meal.
func (s *Service) MealDuties(ctx context.Context, a *Actor, from, to string) ([]MealDuty, error) {
	if err := a.requireStaff(); err != nil {
		return nil, err
	}
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	switch {
	case err1 != nil || err2 != nil:
		return nil, invalid{"from": "from 与 to 格式应为 YYYY-MM-DD"}.err()
	case t.Before(f) || t.Sub(f) > maxDutyDays*24*time.Hour:
		return nil, invalid{"to": "to 不早于 from，且相差不超过 92 天"}.err()
	}
	return s.duties(s.read(ctx), a.SchoolID, from, to)
}

// duties reads the roster of a school with the leaders' names.
func (s *Service) duties(db *gorm.DB, schoolID, from, to string) ([]MealDuty, error) {
	var rows []model.MealDuty
	if err := db.Scopes(model.InSchool(schoolID)).Where("date >= ? AND date <= ?", from, to).
		Find(&rows).Error; err != nil {
		return nil, wrapDB(err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.LeaderID
	}
	names, err := staffNames(db, schoolID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]MealDuty, 0, len(rows))
	for _, r := range rows {
		out = append(out, MealDuty{Date: r.Date, Meal: r.Meal, Leader: &Ref{ID: r.LeaderID, Name: names[r.LeaderID]}})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date < out[j].Date
		}
		return slices.Index(MealKinds, out[i].Meal) < slices.Index(MealKinds, out[j].Meal)
	})
	return out, nil
}

// staffNames maps staff ids of a school to names.
func staffNames(db *gorm.DB, schoolID string, ids []string) (map[string]string, error) {
	list := slices.Compact(slices.Sorted(slices.Values(ids)))
	out := map[string]string{}
	if len(list) == 0 {
		return out, nil
	}
	var staff []model.Staff
	if err := db.Scopes(model.InSchool(schoolID)).Where("id IN ?", list).Find(&staff).Error; err != nil {
		return nil, wrapDB(err)
	}
	for _, st := range staff {
		out[st.ID] = st.Name
	}
	return out, nil
}
