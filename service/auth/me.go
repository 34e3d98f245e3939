package auth

import (
	"context"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/school"
)

// User is GET /me: the current membership's roles, school, region and classes, and every membership of the
// account (so the mini-program can offer a switch).
type User struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Roles       []string     `json:"roles"`
	School      *service.Ref `json:"school"`
	Region      *service.Ref `json:"region"`
	Classes     []UserClass  `json:"classes"`
	Memberships []Membership `json:"memberships"`
}

// UserClass is a class the user is linked to, as head teacher or parent.
type UserClass struct {
	ID       string `json:"id"`
	Grade    string `json:"grade"`
	Name     string `json:"name"`
	Relation string `json:"relation"`
}

// Me describes the acting user in the current membership, and lists the account's memberships.
func (s *Service) Me(ctx context.Context, a *service.Actor) (User, error) {
	db := s.Read(ctx)
	u := User{ID: a.UserID(), Name: a.Name, Roles: append([]string{}, a.Roles...), Classes: []UserClass{}}
	all, err := memberships(db, a.AccountID)
	if err != nil {
		return User{}, err
	}
	current := membershipOf(a)
	for _, m := range all {
		m.Current = m.key == current
		if m.Current {
			u.School, u.Region = m.School, m.Region
		}
		u.Memberships = append(u.Memberships, m)
	}
	if u.Memberships == nil {
		u.Memberships = []Membership{}
	}
	if a.SchoolID == "" {
		return u, nil
	}
	var classes []model.Class
	q := db.Scopes(a.Scope())
	switch {
	case a.StaffID != "" && len(a.ParentClassIDs) > 0:
		q = q.Where("head_teacher_id = ? OR id IN ?", a.StaffID, a.ParentClassIDs)
	case a.StaffID != "":
		q = q.Where("head_teacher_id = ?", a.StaffID)
	default:
		q = q.Where("id IN ?", a.ParentClassIDs)
	}
	if err := q.Order("grade, name").Find(&classes).Error; err != nil {
		return User{}, service.WrapDB(err)
	}
	for _, c := range classes {
		rel := "parent"
		if c.HeadTeacherID != nil && *c.HeadTeacherID == a.StaffID && a.StaffID != "" {
			rel = "head_teacher"
		}
		u.Classes = append(u.Classes, UserClass{ID: c.ID, Grade: c.Grade, Name: c.Name, Relation: rel})
	}
	if a.StaffID == "" && len(classes) > 0 {
		u.Name = school.ParentLabel(classes[0])
	}
	return u, nil
}
