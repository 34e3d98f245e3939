package school

import (
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"schoolcheck/model"
	"schoolcheck/service"
)

// NextRevision is the assignment that moves a school's revision on, for an update of the school row itself
// (settings, QR secret): the same statement, so the row and its revision change together.
func NextRevision() clause.Expr { return gorm.Expr("revision + 1") }

// Touch marks a write to what Today reads of a school outside its row — a calendar day — by bumping its
// revision, in the writer's transaction: every instance's Days then reads the school afresh on its next
// punch. Every write to the row sets NextRevision and every calendar write calls Touch
// (TestPunchSeesEveryWriteToItsSchool).
func Touch(db *gorm.DB, schoolID string) error {
	return db.Model(&model.School{}).Where("id = ?", schoolID).Update("revision", NextRevision()).Error
}

// Days keeps, per school, what a punch reads of it — the decoded school and the plan of its current local
// date — under the school's revision. The actor query reads the revision in the statement that
// authenticates the request (service.Actor.SchoolRevision), so a kept entry is used only while it is as
// current as the actor, on every instance at once, without a message between them; a punch then issues two
// statements (the actor, the insert) instead of three. One entry per school, replaced when the revision or
// the date moves on, and after MaxAge in any case, so that a write that bypassed Touch (an operator's SQL,
// an instance of the version before this column during a rolling upgrade) is seen within a minute. The
// entries are shared: callers only read them.
type Days struct {
	m sync.Map // school id → *day
}

// MaxAge is how long Days keeps a school read at most, by the service clock.
const MaxAge = time.Minute

type day struct {
	rev  int64
	read time.Time
	info *Info
	plan DayPlan // of plan.Date, the local date it was read for
}

// Today is the actor's school and the plan of its local date at now (any membership in a school).
func (c *Days) Today(db *gorm.DB, a *service.Actor, now time.Time) (*Info, DayPlan, error) {
	if v, ok := c.m.Load(a.SchoolID); ok {
		d := v.(*day)
		if age := now.Sub(d.read); d.rev == a.SchoolRevision && age >= 0 && age < MaxAge &&
			now.In(d.info.Loc).Format(time.DateOnly) == d.plan.Date {
			return d.info, d.plan, nil
		}
	}
	si, plan, rev, err := today(db, a.SchoolID, now)
	if err != nil {
		return nil, DayPlan{}, err
	}
	// Kept under the revision read with the data (the same statement), not the actor's: a write between
	// the two is either in both or in neither.
	c.m.Store(a.SchoolID, &day{rev: rev, read: now, info: si, plan: plan})
	return si, plan, nil
}

// todayRow is a school with the calendar override of one date, if any.
type todayRow struct {
	model.School
	CalDate      *string
	CalWorkday   *bool
	CalNote      *string
	CalMeals     *string
	CalWindowIn  *string
	CalWindowOut *string
}

// today reads the school and today's plan in one statement (the school row LEFT JOINed with the calendar
// override of its local date), then lets the calendar's own rules (PlanOf) decide what the day is, exactly
// as Plan would. It returns the revision the row was read at.
func today(db *gorm.DB, schoolID string, now time.Time) (*Info, DayPlan, int64, error) {
	// Guess the local date in Beijing time (nearly every school's zone) so one statement reads the school and
	// that date's calendar; a school elsewhere whose date differs costs one more query below.
	date := now.In(service.Beijing()).Format(time.DateOnly)
	var row todayRow
	err := db.Table("schools").
		Select("schools.*, calendar_days.date AS cal_date, calendar_days.workday AS cal_workday, "+
			"calendar_days.note AS cal_note, calendar_days.meals AS cal_meals, "+
			"calendar_days.window_in AS cal_window_in, calendar_days.window_out AS cal_window_out").
		Joins("LEFT JOIN calendar_days ON calendar_days.school_id = schools.id AND calendar_days.date = ?", date).
		Where("schools.id = ?", schoolID).Take(&row).Error
	if model.IsNotFound(err) {
		return nil, DayPlan{}, 0, service.NotFound("学校")
	}
	if err != nil {
		return nil, DayPlan{}, 0, service.WrapDB(err)
	}
	si, err := InfoOf(row.School)
	if err != nil {
		return nil, DayPlan{}, 0, err
	}
	rev := row.Revision
	local := now.In(si.Loc)
	if local.Format(time.DateOnly) != date {
		plan, err := Plan(db, si, local.Format(time.DateOnly))
		return si, plan, rev, err
	}
	overrides := map[string]model.CalendarDay{}
	if row.CalDate != nil {
		o := model.CalendarDay{SchoolID: schoolID, Date: *row.CalDate, Workday: row.CalWorkday != nil && *row.CalWorkday,
			Meals: row.CalMeals}
		if row.CalNote != nil {
			o.Note = *row.CalNote
		}
		if row.CalWindowIn != nil && row.CalWindowOut != nil {
			o.WindowIn, o.WindowOut = *row.CalWindowIn, *row.CalWindowOut
		}
		overrides[date] = o
	}
	d := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	return si, si.PlanOf(d, overrides), rev, nil
}
