package meals

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

// Companion roles of a 陪餐 record.
const (
	CompanionLeader = "leader"
	CompanionParent = "parent"
)

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
	ID            string       `json:"id"`
	Date          string       `json:"date"`
	Meal          string       `json:"meal"`
	Companion     Companion    `json:"companion"`
	Dishes        []string     `json:"dishes"`
	Ratings       MealRatings  `json:"ratings"`
	Comment       string       `json:"comment"`
	Issues        string       `json:"issues"`
	Photos        []photos.Ref `json:"photos"`
	CreatedAt     time.Time    `json:"created_at"`
	EditableUntil time.Time    `json:"editable_until"`
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

func (r MealRatings) validate(v service.Invalid) {
	for name, n := range map[string]int{"hygiene": r.Hygiene, "taste": r.Taste, "quantity": r.Quantity,
		"temperature": r.Temperature, "price": r.Price} {
		if n < 1 || n > 5 {
			v.Add("ratings."+name, "评分应为 1–5")
		}
	}
}

// cleanDishes cleans the dish names and checks their count and length.
func cleanDishes(v service.Invalid, dishes []string) []string {
	out := make([]string, 0, len(dishes))
	for _, d := range dishes {
		if d = v.OptName("dishes", d, 50); d == "" {
			continue
		}
		out = append(out, d)
	}
	if len(out) > 20 {
		v.Add("dishes", "最多 20 道菜")
	}
	return out
}

// companionRole decides what record the actor files: leaders (and principals) a leader's record, parents a
// parent's; a teacher who is neither may not file one.
func companionRole(a *service.Actor) (string, error) {
	switch {
	case a == nil || a.SchoolID == "":
		return "", service.Forbidden()
	case a.IsStaff() && a.IsLeader():
		return CompanionLeader, nil
	case a.IsParent():
		return CompanionParent, nil
	}
	return "", service.ForbiddenBecause("只有学校领导或家长可以记录陪餐")
}

// CreateMeal files a 陪餐 record. The meal must be one the school serves that day (settings and calendar,
// 调休 included), on a date from 7 days back to today; a leader's record needs a photo when the school asks
// for one; an author files one record per meal and day (a second is 409 already_recorded: correct the first
// within 24 hours instead).
func (s *Service) CreateMeal(ctx context.Context, a *service.Actor, in MealInput) (Meal, error) {
	role, err := companionRole(a)
	if err != nil {
		return Meal{}, err
	}
	v := service.Invalid{}
	v.Date("date", in.Date)
	v.OneOf("meal", in.Meal, false, school.MealKinds...)
	in.Dishes = cleanDishes(v, in.Dishes)
	in.Ratings.validate(v)
	in.Comment = v.Text("comment", in.Comment, 500)
	in.Issues = v.Text("issues", in.Issues, 500)
	in.PhotoIDs = photos.CheckIDs(v, in.PhotoIDs)
	classID := ""
	if role == CompanionParent {
		classID = a.ParentClassIDs[0]
		if in.ClassID != "" {
			if !slices.Contains(a.ParentClassIDs, in.ClassID) {
				v.Add("class_id", "不是您孩子所在的班级")
			}
			classID = in.ClassID
		}
	}
	if err := v.Err(); err != nil {
		return Meal{}, err
	}
	author := a // a parent's record carries the class link's pseudonym, never a name or staff id
	if role == CompanionParent {
		author = a.AsParent(classID)
	}
	row := model.Meal{ID: model.NewID(), SchoolID: a.SchoolID, Date: in.Date, Meal: in.Meal, AuthorID: author.UserID(),
		Role: role, Label: a.Name, Dishes: jsonText(in.Dishes), Hygiene: in.Ratings.Hygiene, Taste: in.Ratings.Taste,
		Quantity: in.Ratings.Quantity, Temperature: in.Ratings.Temperature, Price: in.Ratings.Price,
		Comment: in.Comment, Issues: in.Issues}
	err = s.Tx(ctx, func(tx *service.Tx) error {
		si, err := school.Load(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		if err := evidence.CheckDate(in.Date, si.Today(tx.Now), "陪餐"); err != nil {
			return err
		}
		plan, err := school.Plan(tx.DB, si, in.Date)
		if err != nil {
			return err
		}
		if !slices.Contains(plan.Meals, in.Meal) {
			return service.Rule("meal_not_served", "学校当天不供应这一餐")
		}
		if role == CompanionLeader && si.Settings.Meals.LeaderPhotoRequired && len(in.PhotoIDs) == 0 {
			return photoRequired()
		}
		if role == CompanionParent {
			c, err := school.FindClass(tx.DB, a.SchoolID, classID)
			if err != nil {
				return err
			}
			row.ClassID, row.Label = &c.ID, school.ParentLabel(c)
		}
		row.CreatedAt, row.UpdatedAt = tx.Now, tx.Now
		if err := tx.Create(&row).Error; err != nil {
			if model.IsDuplicate(err) {
				return service.Conflict("already_recorded", "您已记录过这一餐的陪餐，可在 24 小时内修改原记录")
			}
			return err
		}
		if err := photos.Attach(tx, a, in.PhotoIDs, evidence.Meal, row.ID); err != nil {
			return err
		}
		return evidence.Created(tx, author, a.SchoolID, evidence.Meal, row.ID, auditOf(mealView(row, si.Loc), in.PhotoIDs))
	})
	if err != nil {
		return Meal{}, err
	}
	return s.mealOut(ctx, row)
}

// mealAudit is what the audit trail keeps of a record: no signed URLs, and its photos by id.
type mealAudit struct {
	Date     string      `json:"date"`
	Meal     string      `json:"meal"`
	Role     string      `json:"role"`
	Dishes   []string    `json:"dishes"`
	Ratings  MealRatings `json:"ratings"`
	Comment  string      `json:"comment"`
	Issues   string      `json:"issues"`
	PhotoIDs []string    `json:"photo_ids"`
}

func auditOf(m Meal, photoIDs []string) mealAudit {
	if photoIDs == nil {
		photoIDs = []string{}
	}
	return mealAudit{Date: m.Date, Meal: m.Meal, Role: m.Companion.Role, Dishes: m.Dishes, Ratings: m.Ratings,
		Comment: m.Comment, Issues: m.Issues, PhotoIDs: photoIDs}
}

func photoRequired() error {
	return service.Rule("photo_required", "学校要求领导陪餐记录至少附一张照片").Field("photo_ids", "至少一张照片")
}

// mealView converts a row; photos are added by the caller.
func mealView(m model.Meal, loc *time.Location) Meal {
	out := Meal{ID: m.ID, Date: m.Date, Meal: m.Meal, Companion: Companion{ID: m.AuthorID, Label: m.Label, Role: m.Role},
		Dishes: []string{}, Ratings: MealRatings{Hygiene: m.Hygiene, Taste: m.Taste, Quantity: m.Quantity,
			Temperature: m.Temperature, Price: m.Price}, Comment: m.Comment, Issues: m.Issues, Photos: []photos.Ref{},
		CreatedAt: service.Local(m.CreatedAt, loc), EditableUntil: service.Local(evidence.EditableUntil(m.CreatedAt), loc)}
	_ = json.Unmarshal([]byte(m.Dishes), &out.Dishes)
	return out
}

func (s *Service) mealOut(ctx context.Context, m model.Meal) (Meal, error) {
	si, err := school.Load(s.Read(ctx), m.SchoolID)
	if err != nil {
		return Meal{}, err
	}
	ph, err := s.photos.Of(ctx, m.SchoolID, evidence.Meal, m.ID)
	if err != nil {
		return Meal{}, err
	}
	out := mealView(m, si.Loc)
	out.Photos = photos.For(ph, m.ID)
	return out, nil
}

// jsonText encodes a value for a JSON text column.
func jsonText(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}
