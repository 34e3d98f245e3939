package phones

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/school"
)

// maxPhones bounds every count of one class (the most students a class may have).
const maxPhones = 200

// Registrations is a class's registered-phones count: the count in force today (what GET /classes shows as
// phones_registered) and the history of steps behind it, newest first.
type Registrations struct {
	ClassID    string         `json:"class_id"`
	ClassLabel string         `json:"class_label"`
	Current    int            `json:"current"`
	Items      []Registration `json:"items"`
}

// Registration is one step: from that date on, count phones are registered (until the next step).
type Registration struct {
	From  string      `json:"from"`
	Count int         `json:"count"`
	SetBy service.Ref `json:"set_by"`
	SetAt time.Time   `json:"set_at"`
}

// RegistrationInput is PUT /classes/{id}/phones-registered: the count, in force from today unless From names
// an earlier date (at most 7 days back, not before the school opened) when the change was missed.
type RegistrationInput struct {
	Count *int
	From  string
}

// SetRegistered records a class's registered-phones count (its head teacher or a leader). A count over the
// class's student count is a 400. The step in force from the same date is replaced; every step is audited as
// phone_registration with the class id, and the class's phones_registered follows the count in force today.
func (s *Service) SetRegistered(ctx context.Context, a *service.Actor, classID string, in RegistrationInput) (Registrations, error) {
	if err := a.RequireStaff(); err != nil {
		return Registrations{}, err
	}
	v := service.Invalid{}
	if in.Count == nil {
		v.Add("count", "必填")
	} else {
		v.Range("count", *in.Count, 0, maxPhones)
	}
	v.OptDate("from", in.From)
	if err := v.Err(); err != nil {
		return Registrations{}, err
	}
	var out Registrations
	err := s.Tx(ctx, func(tx *service.Tx) error {
		c, err := recordClass(tx.DB, a, classID)
		if err != nil {
			return err
		}
		if c.StudentCount > 0 && *in.Count > c.StudentCount {
			return service.Invalid{"count": fmt.Sprintf("不能超过班级人数 %d", c.StudentCount)}.Err()
		}
		si, err := school.Load(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		today := si.Today(tx.Now)
		from := in.From
		if from == "" {
			from = today
		}
		if err := recordDate(si, today, from, "手机登记数"); err != nil {
			return err
		}
		old, err := countOn(tx.DB, a.SchoolID, c.ID, from)
		if err != nil {
			return err
		}
		var same []model.PhoneRegistration
		if err := tx.Scopes(a.Scope()).Where("class_id = ? AND from_date = ?", c.ID, from).Limit(1).
			Find(&same).Error; err != nil {
			return err
		}
		action := evidence.ActionCreate
		if len(same) > 0 {
			action = evidence.ActionUpdate
			if err := tx.Model(&model.PhoneRegistration{}).Scopes(a.Scope()).Where("id = ?", same[0].ID).
				Updates(map[string]any{"count": *in.Count, "set_by": a.UserID(), "set_by_name": a.Name,
					"updated_at": tx.Now}).Error; err != nil {
				return err
			}
		} else if err := tx.Create(&model.PhoneRegistration{ID: model.NewID(), SchoolID: a.SchoolID, ClassID: c.ID,
			FromDate: from, Count: *in.Count, SetBy: a.UserID(), SetByName: a.Name, CreatedAt: tx.Now,
			UpdatedAt: tx.Now}).Error; err != nil {
			if model.IsDuplicate(err) {
				return service.Conflict("conflict", "登记数刚被他人修改，请刷新后重试")
			}
			return err
		}
		if err := evidence.Record(tx, a, a.SchoolID, action, evidence.PhoneRegistration, c.ID, evidence.Changes{
			"from": {From: nil, To: from}, "count": {From: old, To: *in.Count}}); err != nil {
			return err
		}
		if out, err = registrations(tx.DB, c, today, si.Loc); err != nil {
			return err
		}
		if out.Current != c.PhonesRegistered {
			return school.SetPhonesRegistered(tx, a.SchoolID, c.ID, out.Current)
		}
		return nil
	})
	return out, err
}

// GetRegistered reads a class's count and its history (its head teacher or a leader).
func (s *Service) GetRegistered(ctx context.Context, a *service.Actor, classID string) (Registrations, error) {
	db := s.Read(ctx)
	c, err := recordClass(db, a, classID)
	if err != nil {
		return Registrations{}, err
	}
	si, err := school.Load(db, a.SchoolID)
	if err != nil {
		return Registrations{}, err
	}
	return registrations(db, c, si.Today(s.Now()), si.Loc)
}

// registrations reads a class's steps, newest first, with the count in force today.
func registrations(db *gorm.DB, c model.Class, today string, loc *time.Location) (Registrations, error) {
	var rows []model.PhoneRegistration
	if err := db.Scopes(model.InSchool(c.SchoolID)).Where("class_id = ?", c.ID).Order("from_date DESC").
		Find(&rows).Error; err != nil {
		return Registrations{}, service.WrapDB(err)
	}
	out := Registrations{ClassID: c.ID, ClassLabel: school.ClassLabel(c), Items: make([]Registration, 0, len(rows))}
	found := false
	for _, r := range rows {
		out.Items = append(out.Items, Registration{From: r.FromDate, Count: r.Count,
			SetBy: service.Ref{ID: r.SetBy, Name: r.SetByName}, SetAt: r.UpdatedAt.In(loc)})
		if !found && r.FromDate <= today {
			out.Current, found = r.Count, true
		}
	}
	return out, nil
}

// countOn is a class's registered count in force on a date: the latest step not after it (none: 0).
func countOn(db *gorm.DB, schoolID, classID, date string) (int, error) {
	var counts []int
	if err := db.Model(&model.PhoneRegistration{}).Scopes(model.InSchool(schoolID)).
		Where("class_id = ? AND from_date <= ?", classID, date).Order("from_date DESC").Limit(1).
		Pluck("count", &counts).Error; err != nil {
		return 0, service.WrapDB(err)
	}
	if len(counts) == 0 {
		return 0, nil
	}
	return counts[0], nil
}

// history is every class's steps up to a date, oldest first, for the report's days.
type history map[string][]model.PhoneRegistration

// loadHistory reads the registered counts in force up to upto of several schools in one query, by school.
func loadHistory(db *gorm.DB, schoolIDs []string, upto string) (map[string]history, error) {
	var rows []model.PhoneRegistration
	if err := db.Scopes(model.InSchools(schoolIDs)).Select("school_id", "class_id", "from_date", "count").
		Where("from_date <= ?", upto).Order("class_id, from_date").Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	out := map[string]history{}
	for _, r := range rows {
		if out[r.SchoolID] == nil {
			out[r.SchoolID] = history{}
		}
		out[r.SchoolID][r.ClassID] = append(out[r.SchoolID][r.ClassID], r)
	}
	return out, nil
}

// on is the class's count in force on date.
func (h history) on(classID, date string) int {
	steps := h[classID]
	i := sort.Search(len(steps), func(i int) bool { return steps[i].FromDate > date })
	if i == 0 {
		return 0
	}
	return steps[i-1].Count
}

// recordDate refuses a date the module may not record for: after today or more than a week back (422
// too_late, the evidence rule), or before the school opened in schoolcheck.
func recordDate(si *school.Info, today, date, what string) error {
	if err := evidence.CheckDate(date, today, what); err != nil {
		return err
	}
	if opened := si.Opened(); date < opened {
		return service.Rule("too_late", "学校在 "+opened+" 开始使用本系统，不能记录此前的"+what)
	}
	return nil
}
