package report

import (
	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
)

// Person is a staff member as a report lists them: in roster order, with a label that tells two people of
// the same name apart ("李娜（尾号5678）").
type Person struct {
	service.Ref
	Label string
	Roles string
	row   model.Staff
}

// Row is the roster row behind the person.
func (p Person) Row() model.Staff { return p.row }

// Roster lists a school's active staff in roster order (the order the school entered them) with labels.
func Roster(db *gorm.DB, schoolID string) ([]Person, error) {
	r, err := Rosters(db, []string{schoolID})
	return r[schoolID], err
}

// Rosters are the rosters of several schools, read in one query, by school.
func Rosters(db *gorm.DB, schoolIDs []string) (map[string][]Person, error) {
	var staff []model.Staff
	if err := db.Scopes(model.InSchools(schoolIDs)).Where("active = ?", true).Order("created_at, id").
		Find(&staff).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	bySchool := map[string][]model.Staff{}
	for _, st := range staff {
		bySchool[st.SchoolID] = append(bySchool[st.SchoolID], st)
	}
	out := make(map[string][]Person, len(schoolIDs))
	for _, id := range schoolIDs {
		out[id] = People(bySchool[id])
	}
	return out, nil
}

// People labels roster rows, in the order given: a name held by several people gets the phone's last four
// digits.
func People(staff []model.Staff) []Person {
	count := map[string]int{}
	for _, st := range staff {
		count[st.Name]++
	}
	out := make([]Person, 0, len(staff))
	for _, st := range staff {
		label := st.Name
		if count[st.Name] > 1 && len(st.Phone) >= 4 {
			label += "（尾号" + st.Phone[len(st.Phone)-4:] + "）"
		}
		out = append(out, Person{Ref: service.Ref{ID: st.ID, Name: st.Name}, Label: label, Roles: st.Roles, row: st})
	}
	return out
}
