package service

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// Companion roles of a 陪餐 record.
const (
	CompanionLeader = "leader"
	CompanionParent = "parent"
)

// mealEditWindow is how long the author may correct a record (DESIGN.md: then it is locked as evidence).
const mealEditWindow = 24 * time.Hour

// mealBackDays is how far back a meal may be recorded.
const mealBackDays = 7

// entityMeal names meal records in photos and the audit trail.
const entityMeal = "meal"

// MealRatings are a record's five ratings, each 1–5.
type MealRatings struct {
	Hygiene     int `json:"hygiene"`
	Taste       int `json:"taste"`
	Quantity    int `json:"quantity"`
	Temperature int `json:"temperature"`
	Price       int `json:"price"`
}

// Companion is who ate with the students: a leader by name, a parent by class label only.
type Companion struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Role  string `json:"role"`
}

// Meal is a 陪餐 record as the API shows it.
type Meal struct {
	ID            string      `json:"id"`
	Date          string      `json:"date"`
	Meal          string      `json:"meal"`
	Companion     Companion   `json:"companion"`
	Dishes        []string    `json:"dishes"`
	Ratings       MealRatings `json:"ratings"`
	Comment       string      `json:"comment"`
	Issues        string      `json:"issues"`
	Photos        []PhotoRef  `json:"photos"`
	CreatedAt     time.Time   `json:"created_at"`
	EditableUntil time.Time   `json:"editable_until"`
}

// MealInput is POST /meals. ClassID lets a parent with children in several classes say which class they
// accompanied (default: their first).
type MealInput struct {
	Date     string
	Meal     string
	Dishes   []string
	Ratings  MealRatings
	Comment  string
	Issues   string
	PhotoIDs []string
	ClassID  string
}

func (r MealRatings) validate(v invalid) {
	for name, n := range map[string]int{"hygiene": r.Hygiene, "taste": r.Taste, "quantity": r.Quantity,
		"temperature": r.Temperature, "price": r.Price} {
		if n < 1 || n > 5 {
			v.add("ratings."+name, "评分应为 1–5")
		}
	}
}

// cleanDishes trims the dish names and checks their count and length.
func cleanDishes(v invalid, dishes []string) []string {
	out := make([]string, 0, len(dishes))
	for _, d := range dishes {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		if len([]rune(d)) > 50 {
			v.add("dishes", "每道菜名不超过 50 个字")
		}
		out = append(out, d)
	}
	if len(out) > 20 {
		v.add("dishes", "最多 20 道菜")
	}
	return out
}

// checkText trims a free-text field and checks its length.
func checkText(v invalid, field, s string, maxRunes int) string {
	s = strings.TrimSpace(s)
	if len([]rune(s)) > maxRunes {
		v.add(field, "不超过 "+strconv.Itoa(maxRunes)+" 个字")
	}
	return s
}

// companionRole decides what record the actor files: leaders (and principals) a leader's record, parents a
// parent's; a teacher who is neither may not file one.
func companionRole(a *Actor) (string, error) {
	switch {
	case a == nil || a.SchoolID == "":
		return "", forbidden()
	case a.IsStaff() && a.IsLeader():
		return CompanionLeader, nil
	case a.Has(RoleParent):
		return CompanionParent, nil
	}
	return "", E(ErrForbidden, "forbidden", "只有学校领导或家长可以记录陪餐")
}

// CreateMeal files a 陪餐 record. The meal must be one the school serves that day (settings and calendar,
// 调休 included), on a date from 7 days back to today; a leader's record needs a photo when the school asks
// for one; an author files one record per meal and day (a second is 409 already_recorded: correct the first
// within 24 hours instead).
func (s *Service) CreateMeal(ctx context.Context, a *Actor, in MealInput) (Meal, error) {
	role, err := companionRole(a)
	if err != nil {
		return Meal{}, err
	}
	v := invalid{}
	if _, err := time.Parse(time.DateOnly, in.Date); err != nil {
		v.add("date", "格式应为 YYYY-MM-DD")
	}
	if !slices.Contains(MealKinds, in.Meal) {
		v.add("meal", "应为 breakfast、lunch 或 dinner")
	}
	in.Dishes = cleanDishes(v, in.Dishes)
	in.Ratings.validate(v)
	in.Comment = checkText(v, "comment", in.Comment, 500)
	in.Issues = checkText(v, "issues", in.Issues, 500)
	in.PhotoIDs = checkPhotoIDs(v, in.PhotoIDs)
	classID := ""
	if role == CompanionParent {
		classID = a.ParentClassIDs[0]
		if in.ClassID != "" {
			if !slices.Contains(a.ParentClassIDs, in.ClassID) {
				v.add("class_id", "不是您孩子所在的班级")
			}
			classID = in.ClassID
		}
	}
	if err := v.err(); err != nil {
		return Meal{}, err
	}
	now := s.now().UTC()
	row := model.Meal{ID: model.NewID(), SchoolID: a.SchoolID, Date: in.Date, Meal: in.Meal, AuthorID: a.UserID(),
		Role: role, Label: a.Name, Dishes: jsonText(in.Dishes), Hygiene: in.Ratings.Hygiene, Taste: in.Ratings.Taste,
		Quantity: in.Ratings.Quantity, Temperature: in.Ratings.Temperature, Price: in.Ratings.Price,
		Comment: in.Comment, Issues: in.Issues, CreatedAt: now, UpdatedAt: now}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		si, err := loadSchool(tx, a.SchoolID)
		if err != nil {
			return err
		}
		if err := mealDateAllowed(si, now, in.Date); err != nil {
			return err
		}
		plan, err := dayPlan(tx, si, in.Date)
		if err != nil {
			return err
		}
		if !slices.Contains(plan.Meals, in.Meal) {
			return E(ErrRule, "meal_not_served", "学校当天不供应这一餐")
		}
		if role == CompanionLeader && si.Settings.Meals.LeaderPhotoRequired && len(in.PhotoIDs) == 0 {
			return photoRequired()
		}
		if role == CompanionParent {
			c, err := findClass(tx, a.SchoolID, classID)
			if err != nil {
				return err
			}
			row.ClassID, row.Label = &c.ID, ClassLabel(c)+"家长"
		}
		if err := tx.Create(&row).Error; err != nil {
			if model.IsDuplicate(err) {
				return conflict("already_recorded", "您已记录过这一餐的陪餐，可在 24 小时内修改原记录")
			}
			return err
		}
		if err := s.attachPhotos(tx, a, in.PhotoIDs, entityMeal, row.ID); err != nil {
			return err
		}
		return s.audit(tx, a, a.SchoolID, ActionCreate, entityMeal, row.ID, map[string]any{"date": in.Date,
			"meal": in.Meal, "role": role, "dishes": in.Dishes, "ratings": in.Ratings, "comment": in.Comment,
			"issues": in.Issues, "photo_ids": in.PhotoIDs})
	})
	if err != nil {
		return Meal{}, err
	}
	return s.mealOut(ctx, row)
}

// mealDateAllowed refuses a future date or one more than 7 days back (422 too_late).
func mealDateAllowed(si *schoolInfo, now time.Time, date string) error {
	today := si.Today(now)
	earliest := now.In(si.Loc).AddDate(0, 0, -mealBackDays).Format(time.DateOnly)
	switch {
	case date > today:
		return E(ErrRule, "too_late", "不能记录今天以后的陪餐")
	case date < earliest:
		return E(ErrRule, "too_late", "只能补记最近 7 天内的陪餐")
	}
	return nil
}

func photoRequired() error {
	return E(ErrRule, "photo_required", "学校要求领导陪餐记录至少附一张照片").Field("photo_ids", "至少一张照片")
}

// mealView converts a row; photos are added by the caller.
func mealView(m model.Meal) Meal {
	out := Meal{ID: m.ID, Date: m.Date, Meal: m.Meal, Companion: Companion{ID: m.AuthorID, Label: m.Label, Role: m.Role},
		Dishes: []string{}, Ratings: MealRatings{Hygiene: m.Hygiene, Taste: m.Taste, Quantity: m.Quantity,
			Temperature: m.Temperature, Price: m.Price}, Comment: m.Comment, Issues: m.Issues, Photos: []PhotoRef{},
		CreatedAt: m.CreatedAt, EditableUntil: m.CreatedAt.Add(mealEditWindow)}
	_ = json.Unmarshal([]byte(m.Dishes), &out.Dishes)
	return out
}

func (s *Service) mealOut(ctx context.Context, m model.Meal) (Meal, error) {
	photos, err := s.photosOf(ctx, m.SchoolID, entityMeal, m.ID)
	if err != nil {
		return Meal{}, err
	}
	out := mealView(m)
	out.Photos = photoList(photos, m.ID)
	return out, nil
}

// jsonText encodes a value for a JSON text column.
func jsonText(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}
