package meals

import (
	"context"
	"slices"
	"sort"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/school"
)

// MealDuty is one roster entry: the leader who is to accompany a meal. Leader is null when nobody is
// assigned (after PUT with an empty leader_id).
type MealDuty struct {
	Date   string       `json:"date"`
	Meal   string       `json:"meal"`
	Leader *service.Ref `json:"leader"`
}

// MealDutyInput is PUT /meals/duty. An empty LeaderID removes the assignment.
type MealDutyInput struct {
	Date, Meal, LeaderID string
}

// dutyAudit is a roster entry in the audit trail.
type dutyAudit struct {
	Date     string `json:"date"`
	Meal     string `json:"meal"`
	LeaderID string `json:"leader_id"`
}

// maxDutyDays bounds GET /meals/duty's range.
const maxDutyDays = 92

// SetMealDuty assigns (or clears) the leader on duty for a served meal (principal), on a date within the
// school's horizon (a year either side of today, or the current term; else 400). The leader must be an
// active leader or principal of the school (another school's staff is 404, a teacher 422 not_a_leader).
func (s *Service) SetMealDuty(ctx context.Context, a *service.Actor, in MealDutyInput) (MealDuty, error) {
	if err := a.Require(service.RolePrincipal); err != nil {
		return MealDuty{}, err
	}
	v := service.Invalid{}
	v.Date("date", in.Date)
	v.OneOf("meal", in.Meal, false, school.MealKinds...)
	v.ID("leader_id", in.LeaderID)
	if err := v.Err(); err != nil {
		return MealDuty{}, err
	}
	out := MealDuty{Date: in.Date, Meal: in.Meal}
	err := s.Tx(ctx, func(tx *service.Tx) error {
		si, err := school.Load(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		if lo, hi := si.Horizon(tx.Now); !v.Between("date", in.Date, lo, hi) {
			return v.Err()
		}
		plan, err := school.Plan(tx.DB, si, in.Date)
		if err != nil {
			return err
		}
		if in.LeaderID != "" && !slices.Contains(plan.Meals, in.Meal) {
			return service.Rule("meal_not_served", "学校当天不供应这一餐，无需安排陪餐")
		}
		var prev []model.MealDuty
		if err := tx.Scopes(a.Scope()).Where("date = ? AND meal = ?", in.Date, in.Meal).Find(&prev).Error; err != nil {
			return err
		}
		var before *dutyAudit
		if len(prev) > 0 {
			before = &dutyAudit{Date: in.Date, Meal: in.Meal, LeaderID: prev[0].LeaderID}
		}
		del := tx.Scopes(a.Scope()).Where("date = ? AND meal = ?", in.Date, in.Meal).Delete(&model.MealDuty{})
		if del.Error != nil {
			return del.Error
		}
		key := in.Date + "/" + in.Meal
		if in.LeaderID == "" {
			if before == nil {
				return nil
			}
			return evidence.Deleted(tx, a, a.SchoolID, evidence.MealDuty, key, before, "")
		}
		st, err := school.FindStaff(tx.DB, a.SchoolID, in.LeaderID)
		if err != nil {
			return err
		}
		if !st.Active || !slices.ContainsFunc(school.SplitRoles(st.Roles), func(r string) bool {
			return r == service.RoleLeader || r == service.RolePrincipal
		}) {
			return service.Rule("not_a_leader", "只能安排在职的学校领导值班陪餐").Field("leader_id", "不是学校领导")
		}
		row := model.MealDuty{SchoolID: a.SchoolID, Date: in.Date, Meal: in.Meal, LeaderID: st.ID,
			AssignedBy: a.UserID(), UpdatedAt: tx.Now}
		if err := tx.Create(&row).Error; err != nil {
			if model.IsDuplicate(err) { // another PUT for the same meal committed first
				return service.Conflict("conflict", "值班安排刚被修改，请刷新后重试")
			}
			return err
		}
		out.Leader = &service.Ref{ID: st.ID, Name: st.Name}
		after := dutyAudit{Date: in.Date, Meal: in.Meal, LeaderID: st.ID}
		if before == nil {
			return evidence.Created(tx, a, a.SchoolID, evidence.MealDuty, key, after)
		}
		_, err = evidence.Updated(tx, a, a.SchoolID, evidence.MealDuty, key, before, after)
		return err
	})
	return out, err
}

// MealDuties lists the roster from..to (any staff member), by date and meal.
func (s *Service) MealDuties(ctx context.Context, a *service.Actor, from, to string) ([]MealDuty, error) {
	if err := a.RequireStaff(); err != nil {
		return nil, err
	}
	v := service.Invalid{}
	if from == "" {
		v.Add("from", "必填，格式 YYYY-MM-DD")
	}
	if to == "" {
		v.Add("to", "必填，格式 YYYY-MM-DD")
	}
	v.Span("from", from, "to", to, maxDutyDays)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return duties(s.Read(ctx), a.SchoolID, from, to)
}

// duties reads the roster of a school with the leaders' names.
func duties(db *gorm.DB, schoolID, from, to string) ([]MealDuty, error) {
	var rows []model.MealDuty
	if err := db.Scopes(model.InSchool(schoolID)).Where("date >= ? AND date <= ?", from, to).
		Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.LeaderID
	}
	names, err := school.StaffNames(db, schoolID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]MealDuty, 0, len(rows))
	for _, r := range rows {
		out = append(out, MealDuty{Date: r.Date, Meal: r.Meal, Leader: &service.Ref{ID: r.LeaderID, Name: names[r.LeaderID]}})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date < out[j].Date
		}
		return slices.Index(school.MealKinds, out[i].Meal) < slices.Index(school.MealKinds, out[j].Meal)
	})
	return out, nil
}
