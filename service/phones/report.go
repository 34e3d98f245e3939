package phones

import (
	"context"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// PhoneReport is a school's phone-custody month (GET /reports/phones): one row per class in the order the
// school created them, the school row (Total), the classes without an arrangement, and the checks that
// needed a follow-up. Days count from Since (the 1st, or the day the school opened) up to Upto (the last
// day, or today).
type PhoneReport struct {
	School     service.Ref       `json:"school"`
	Month      string            `json:"month"`
	Since      string            `json:"since"`
	Upto       string            `json:"upto"`
	Items      []ClassPhones     `json:"items"`
	Total      Summary           `json:"total"`
	Unarranged []MissingClass    `json:"unarranged"`
	Exceptions []ReportException `json:"exceptions"`
}

// Figures are the counts of a class, or summed over the school. A school day (the calendar's workday, from
// the day the class was created) calls for a collect and a return when the class has phones registered that
// day; today's are due from the settings' phones.collect_by and phones.return_from. A day with a record is
// due whatever the count. Coverage is (CollectDays + ReturnDays) / (CollectDue + ReturnDue), 0..1 (0 when
// nothing was due). Discrepancies, spot checks and phones found count the period's checks; Open and
// Resolved are their follow-ups as they stand now.
type Figures struct {
	SchoolDays    int           `json:"school_days"`
	CollectDue    int           `json:"collect_due"`
	CollectDays   int           `json:"collect_days"`
	ReturnDue     int           `json:"return_due"`
	ReturnDays    int           `json:"return_days"`
	Coverage      float64       `json:"coverage"`
	Discrepancies Discrepancies `json:"discrepancies"`
	SpotChecks    int           `json:"spot_checks"`
	PhonesFound   int           `json:"phones_found"`
	OpenFollowups int           `json:"open_followups"`
}

// Discrepancies counts the collect and return checks whose count differed from the expected one, by the
// state of their follow-up.
type Discrepancies struct {
	Open     int `json:"open"`
	Resolved int `json:"resolved"`
}

// ClassPhones is one class's row: its head teacher, the count registered on the last counted day, its
// arrangement (null when it has none: Arranged false) and its figures.
type ClassPhones struct {
	Class       service.Ref  `json:"class"`
	HeadTeacher *service.Ref `json:"head_teacher"`
	Registered  int          `json:"registered"`
	Arranged    bool         `json:"arranged"`
	Custody     *Arrangement `json:"custody"`
	Figures
}

// Arrangement is a class's custody arrangement as a report prints it.
type Arrangement struct {
	Location string `json:"location"`
	Method   string `json:"method"`
	Keeper   Keeper `json:"keeper"`
	Hotline  string `json:"hotline"`
}

// Summary is the school row: the figures summed over the classes (SchoolDays is the school's own count),
// with how many classes there are and how many have an arrangement. The inspections overview reads it
// through Summary, so that both use one definition of phone-check coverage.
type Summary struct {
	Figures
	Classes    int `json:"classes"`
	Arranged   int `json:"arranged"`
	Unarranged int `json:"unarranged"`
}

// ReportException is a check of the period that opened a follow-up.
type ReportException struct {
	ID          string   `json:"id"`
	Date        string   `json:"date"`
	Class       string   `json:"class"`
	Kind        string   `json:"kind"`
	Expected    *int     `json:"expected"`
	Counted     *int     `json:"counted"`
	Found       *int     `json:"found"`
	Discrepancy int      `json:"discrepancy"`
	Note        string   `json:"note"`
	Followup    Followup `json:"followup"`
}

// Report computes the month (leaders: their school; inspectors: a school of their region).
func (s *Service) Report(ctx context.Context, a *service.Actor, q report.Query) (PhoneReport, error) {
	rep, _, err := s.month(ctx, a, q)
	return rep, err
}

// month is the report of the month asked for, with the school it is about.
func (s *Service) month(ctx context.Context, a *service.Actor, q report.Query) (PhoneReport, *school.Info, error) {
	db := s.Read(ctx)
	si, err := report.School(db, a, q.SchoolID)
	if err != nil {
		return PhoneReport{}, nil, err
	}
	p, err := report.MonthPeriod(q, si, s.Now())
	if err != nil {
		return PhoneReport{}, nil, err
	}
	rep, err := s.report(db, si, p, true)
	return rep, si, err
}

// Summary is the school row of the report for a period: phone-check coverage and the rest, computed by the
// same code as GET /reports/phones (for the inspections overview).
func (s *Service) Summary(ctx context.Context, si *school.Info, p report.Period) (Summary, error) {
	rep, err := s.report(s.Read(ctx), si, p, false)
	return rep.Total, err
}

// dayRow is one class and date of checks, aggregated by the database.
type dayRow struct {
	ClassID      string
	Date         string
	Collects     int
	Returns      int
	Spots        int
	Found        int
	DiscOpen     int
	DiscResolved int
	OpenItems    int
}

// dayTotals sums a school's checks per class and date within since..upto in one statement.
func dayTotals(db *gorm.DB, schoolID, since, upto string) ([]dayRow, error) {
	var rows []dayRow
	err := db.Model(&model.PhoneCheck{}).Scopes(model.InSchool(schoolID)).Select(`class_id, date,
		SUM(CASE WHEN kind = 'collect' THEN 1 ELSE 0 END) AS collects,
		SUM(CASE WHEN kind = 'return' THEN 1 ELSE 0 END) AS returns,
		SUM(CASE WHEN kind = 'spot' THEN 1 ELSE 0 END) AS spots,
		SUM(COALESCE(found, 0)) AS found,
		SUM(CASE WHEN discrepancy <> 0 AND followup = 'open' THEN 1 ELSE 0 END) AS disc_open,
		SUM(CASE WHEN discrepancy <> 0 AND followup = 'resolved' THEN 1 ELSE 0 END) AS disc_resolved,
		SUM(CASE WHEN followup = 'open' THEN 1 ELSE 0 END) AS open_items`).
		Where("date >= ? AND date <= ?", since, upto).Group("class_id, date").Scan(&rows).Error
	return rows, service.WrapDB(err)
}

// report is the phone figures of a school and period; the list of exceptions (which no figure depends on)
// is read only when asked for.
func (s *Service) report(db *gorm.DB, si *school.Info, p report.Period, withExceptions bool) (PhoneReport, error) {
	rep := PhoneReport{School: si.Ref(), Month: p.Month, Since: p.Since, Upto: p.Upto, Items: []ClassPhones{},
		Unarranged: []MissingClass{}, Exceptions: []ReportException{}}
	var classes []model.Class
	if err := db.Scopes(model.InSchool(si.School.ID)).Order("created_at, id").Find(&classes).Error; err != nil {
		return rep, service.WrapDB(err)
	}
	var custody []model.PhoneCustody
	if err := db.Scopes(model.InSchool(si.School.ID)).Find(&custody).Error; err != nil {
		return rep, service.WrapDB(err)
	}
	arranged := map[string]model.PhoneCustody{}
	staffIDs := []string{}
	for _, c := range custody {
		arranged[c.ClassID] = c
		staffIDs = append(staffIDs, c.KeeperID)
	}
	for _, c := range classes {
		if c.HeadTeacherID != nil {
			staffIDs = append(staffIDs, *c.HeadTeacherID)
		}
	}
	var staff []model.Staff
	if err := db.Scopes(model.InSchool(si.School.ID)).Select("id", "name", "roles").Where("id IN ?", staffIDs).
		Find(&staff).Error; err != nil {
		return rep, service.WrapDB(err)
	}
	byID := map[string]model.Staff{}
	for _, st := range staff {
		byID[st.ID] = st
	}
	var plans []school.DayPlan
	var days []dayRow
	hist := history{}
	if !p.Empty() {
		var err error
		if plans, err = school.Plans(db, si, p.Since, p.Upto); err != nil {
			return rep, err
		}
		if days, err = dayTotals(db, si.School.ID, p.Since, p.Upto); err != nil {
			return rep, err
		}
		if hist, err = loadHistory(db, si.School.ID, p.Upto); err != nil {
			return rep, err
		}
		if withExceptions {
			if rep.Exceptions, err = exceptions(db, si, p, s.Now()); err != nil {
				return rep, err
			}
		}
	}
	byClass := map[string]map[string]dayRow{}
	for _, d := range days {
		if byClass[d.ClassID] == nil {
			byClass[d.ClassID] = map[string]dayRow{}
		}
		byClass[d.ClassID][d.Date] = d
	}
	due := dueToday(si, s.Now())
	for _, plan := range plans {
		if plan.Workday {
			rep.Total.SchoolDays++
		}
	}
	for _, c := range classes {
		row := ClassPhones{Class: service.Ref{ID: c.ID, Name: school.ClassLabel(c)}, Registered: c.PhonesRegistered}
		if !p.Empty() {
			row.Registered = hist.on(c.ID, p.Upto)
		}
		if c.HeadTeacherID != nil {
			row.HeadTeacher = &service.Ref{ID: *c.HeadTeacherID, Name: byID[*c.HeadTeacherID].Name}
		}
		if arr, ok := arranged[c.ID]; ok {
			keeper := byID[arr.KeeperID]
			row.Arranged, row.Custody = true, &Arrangement{Location: arr.Location, Method: arr.Method,
				Keeper: Keeper{Name: keeper.Name, Role: keeperRole(keeper, c)}, Hotline: arr.Hotline}
			rep.Total.Arranged++
		} else {
			m := MissingClass{ClassID: c.ID, ClassLabel: row.Class.Name, HeadTeacher: row.HeadTeacher}
			rep.Unarranged = append(rep.Unarranged, m)
		}
		created := service.LocalDate(c.CreatedAt, si.Loc)
		row.Figures = tallyClass(plans, byClass[c.ID], func(date string) int { return hist.on(c.ID, date) }, created, due)
		rep.Total.add(row.Figures)
		rep.Items = append(rep.Items, row)
	}
	rep.Total.Classes, rep.Total.Unarranged = len(classes), len(rep.Unarranged)
	rep.Total.Coverage = report.Ratio(rep.Total.CollectDays+rep.Total.ReturnDays, rep.Total.CollectDue+rep.Total.ReturnDue)
	return rep, nil
}

// dueNow is today's date and which of today's records are due already, by the settings' times.
type dueNow struct {
	date         string
	collect, ret bool
}

func dueToday(si *school.Info, now time.Time) dueNow {
	local := now.In(si.Loc).Format("15:04")
	ph := si.Settings.Phones
	return dueNow{date: si.Today(now), collect: local >= ph.CollectBy, ret: local >= ph.ReturnFrom}
}

// tallyClass counts one class's figures from the school's day plans, the class's checks per date and its
// registered count per date; days before the class was created do not count.
func tallyClass(plans []school.DayPlan, days map[string]dayRow, registered func(date string) int, created string,
	t dueNow) Figures {
	var f Figures
	for _, plan := range plans {
		if !plan.Workday || plan.Date < created {
			continue
		}
		f.SchoolDays++
		d := days[plan.Date]
		phones := registered(plan.Date) > 0
		past := plan.Date < t.date
		if d.Collects > 0 || (phones && (past || t.collect)) {
			f.CollectDue++
		}
		if d.Returns > 0 || (phones && (past || t.ret)) {
			f.ReturnDue++
		}
		if d.Collects > 0 {
			f.CollectDays++
		}
		if d.Returns > 0 {
			f.ReturnDays++
		}
	}
	for _, d := range days {
		f.Discrepancies.Open += d.DiscOpen
		f.Discrepancies.Resolved += d.DiscResolved
		f.SpotChecks += d.Spots
		f.PhonesFound += d.Found
		f.OpenFollowups += d.OpenItems
	}
	f.Coverage = report.Ratio(f.CollectDays+f.ReturnDays, f.CollectDue+f.ReturnDue)
	return f
}

// add sums a class's figures into the school row (not its school days, which are the school's own).
func (t *Summary) add(f Figures) {
	t.CollectDue += f.CollectDue
	t.CollectDays += f.CollectDays
	t.ReturnDue += f.ReturnDue
	t.ReturnDays += f.ReturnDays
	t.Discrepancies.Open += f.Discrepancies.Open
	t.Discrepancies.Resolved += f.Discrepancies.Resolved
	t.SpotChecks += f.SpotChecks
	t.PhonesFound += f.PhonesFound
	t.OpenFollowups += f.OpenFollowups
}

// exceptions lists the period's checks that opened a follow-up, by date and class.
func exceptions(db *gorm.DB, si *school.Info, p report.Period, now time.Time) ([]ReportException, error) {
	var rows []model.PhoneCheck
	if err := db.Scopes(model.InSchool(si.School.ID)).Where("date >= ? AND date <= ? AND followup <> ''", p.Since, p.Upto).
		Order("date, class_id, id").Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ClassID
	}
	classes, err := classesByID(db, si.School.ID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ReportException, 0, len(rows))
	for _, r := range rows {
		v := checkView(r, classes[r.ClassID], si.Loc, now)
		if v.Followup == nil {
			continue
		}
		out = append(out, ReportException{ID: r.ID, Date: r.Date, Class: v.ClassLabel, Kind: r.Kind, Expected: r.Expected,
			Counted: r.Counted, Found: r.Found, Discrepancy: r.Discrepancy, Note: r.Note, Followup: *v.Followup})
	}
	return out, nil
}
