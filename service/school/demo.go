package school

import (
	"context"

	"schoolcheck/model"
	"schoolcheck/service"
)

// Demo describes the demo school created on an empty embedded database, so startup can print how to log in.
type Demo struct {
	SchoolID   string
	School     string
	Principal  DemoPerson
	Teachers   []DemoPerson
	Inspector  DemoPerson
	Class      string
	InviteCode string
	Fence      Fence
}

// DemoPerson is a demo staff member and the dev-login phone that binds to them.
type DemoPerson struct {
	Name, Phone string
}

// SeedDemo creates a demo school when the database has no school yet; it returns nil when there was one.
// Every weekday and weekend day is a workday with breakfast and lunch, so every module can be tried today.
func (s *Service) SeedDemo(ctx context.Context) (*Demo, error) {
	var n int64
	if err := s.Read(ctx).Model(&model.School{}).Count(&n).Error; err != nil || n > 0 {
		return nil, service.WrapDB(err)
	}
	d := &Demo{School: "演示学校（第一中学）", Principal: DemoPerson{"王校长", "13800000001"},
		Teachers:  []DemoPerson{{"李老师", "13800000002"}, {"张老师", "13800000003"}},
		Inspector: DemoPerson{"赵督学", "13800000009"},
		Fence:     Fence{Name: "行政楼", Lat: 28.6829, Lng: 115.8579, RadiusM: 300}}
	st := DefaultSettings(s.Now())
	st.Attendance.Fences = []Fence{d.Fence}
	st.Attendance.Methods = []string{"location", "qr"}
	for _, day := range WeekdayKeys {
		st.Attendance.Windows[day] = Window{In: "07:50", Out: "17:30"}
		st.Meals.Served[day] = []string{"breakfast", "lunch"}
	}
	err := s.Tx(ctx, func(tx *service.Tx) error {
		region, err := ensureRegion(tx.DB, "演示区")
		if err != nil {
			return err
		}
		sc, err := ensureSchool(tx, region.ID, d.School, st)
		if err != nil {
			return err
		}
		d.SchoolID = sc.ID
		if _, err := ensureStaff(tx, model.Staff{SchoolID: sc.ID, Name: d.Principal.Name, Phone: d.Principal.Phone,
			Roles: service.RolePrincipal + "," + service.RoleLeader, Subjects: `["语文"]`}); err != nil {
			return err
		}
		var headID string
		for i, t := range d.Teachers {
			id, err := ensureStaff(tx, model.Staff{SchoolID: sc.ID, Name: t.Name, Phone: t.Phone, Roles: service.RoleTeacher,
				Subjects: `["数学"]`})
			if err != nil {
				return err
			}
			if i == 1 {
				headID = id
			}
		}
		class := model.Class{ID: model.NewID(), SchoolID: sc.ID, Grade: "三年级", Name: "2班", HeadTeacherID: &headID,
			StudentCount: 42, InviteCode: model.NewInviteCode(), CreatedAt: tx.Now, UpdatedAt: tx.Now}
		d.Class, d.InviteCode = ClassLabel(class), class.InviteCode
		if err := tx.Create(&class).Error; err != nil {
			return err
		}
		_, err = addInspector(tx, region.ID, d.Inspector.Name, d.Inspector.Phone)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}
