package observations

import (
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/school"
)

// visible scopes observations to what the actor may read: leaders the school's, other staff those they
// gave or received. Parents and inspectors read none (inspectors read the report).
func visible(a *service.Actor) (func(*gorm.DB) *gorm.DB, error) {
	if err := a.RequireStaff(); err != nil {
		return nil, err
	}
	if a.IsLeader() {
		return a.Scope(), nil
	}
	return func(db *gorm.DB) *gorm.DB {
		return db.Scopes(a.Scope()).Where("(observer_id = ? OR teacher_id = ?)", a.StaffID, a.StaffID)
	}, nil
}

// findObservation reads an observation the actor may see; anything else is 404.
func findObservation(db *gorm.DB, a *service.Actor, id string) (model.Observation, error) {
	scope, err := visible(a)
	if err != nil {
		return model.Observation{}, err
	}
	var o model.Observation
	err = db.Scopes(scope).Where("id = ?", id).Take(&o).Error
	if model.IsNotFound(err) {
		return o, service.NotFound("听课记录")
	}
	return o, service.WrapDB(err)
}

// findLesson reads an open lesson of the actor's school (staff); another school's is 404.
func findLesson(db *gorm.DB, a *service.Actor, id string) (model.ObservationLesson, error) {
	if err := a.RequireStaff(); err != nil {
		return model.ObservationLesson{}, err
	}
	var l model.ObservationLesson
	err := db.Scopes(a.Scope()).Where("id = ?", id).Take(&l).Error
	if model.IsNotFound(err) {
		return l, service.NotFound("公开课")
	}
	return l, service.WrapDB(err)
}

// activeStaff reads a staff member of the school who is on the roster now; another school's, or a former
// member, is 404.
func activeStaff(db *gorm.DB, schoolID, id string) (model.Staff, error) {
	st, err := school.FindStaff(db, schoolID, id)
	if err == nil && !st.Active {
		return st, service.NotFound("教职工")
	}
	return st, err
}

// names are the staff names and class labels a page of views shows, loaded in two queries.
type names struct {
	staff   map[string]string
	classes map[string]string
}

func loadNames(db *gorm.DB, schoolID string, staffIDs []string, classIDs []*string) (names, error) {
	n := names{classes: map[string]string{}}
	var err error
	if n.staff, err = school.StaffNames(db, schoolID, staffIDs); err != nil {
		return n, err
	}
	var ids []string
	for _, id := range classIDs {
		if id != nil {
			ids = append(ids, *id)
		}
	}
	if len(ids) == 0 {
		return n, nil
	}
	var classes []model.Class
	if err := db.Scopes(model.InSchool(schoolID)).Where("id IN ?", ids).Find(&classes).Error; err != nil {
		return n, service.WrapDB(err)
	}
	for _, c := range classes {
		n.classes[c.ID] = school.ClassLabel(c)
	}
	return n, nil
}

func (n names) ref(id string) service.Ref { return service.Ref{ID: id, Name: n.staff[id]} }

func (n names) class(id *string) string {
	if id == nil {
		return ""
	}
	return n.classes[*id]
}

// ackDays is how many days the observed teacher has to acknowledge (reminders.observation_ack.after_days,
// default 7).
func ackDays(si *school.Info) int {
	if d := si.Settings.Reminders.ObservationAck.AfterDays; d > 0 {
		return d
	}
	return 7
}

// ackDue is when an observation filed at created becomes overdue.
func ackDue(si *school.Info, created time.Time) time.Time {
	return created.Add(time.Duration(ackDays(si)) * 24 * time.Hour)
}

// overdueCutoff is the filing time before which an unacknowledged observation is overdue at now.
func overdueCutoff(si *school.Info, now time.Time) time.Time {
	return now.UTC().Add(-time.Duration(ackDays(si)) * 24 * time.Hour)
}

// givenCounts counts the observations each observer filed with a date from..to (optionally only those of
// some observers), grouped in the database, by school and observer.
func givenCounts(db *gorm.DB, schoolIDs []string, from, to string, observers ...string) (map[string]map[string]int, error) {
	var rows []struct {
		SchoolID   string
		ObserverID string
		N          int
	}
	q := db.Model(&model.Observation{}).Scopes(model.InSchools(schoolIDs)).Select("school_id, observer_id, COUNT(*) AS n").
		Where("date >= ? AND date <= ?", from, to)
	if len(observers) > 0 {
		q = q.Where("observer_id IN ?", observers)
	}
	if err := q.Group("school_id, observer_id").Scan(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	out := make(map[string]map[string]int, len(schoolIDs))
	for _, r := range rows {
		if out[r.SchoolID] == nil {
			out[r.SchoolID] = map[string]int{}
		}
		out[r.SchoolID][r.ObserverID] = r.N
	}
	return out, nil
}
