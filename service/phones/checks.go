package phones

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
)

// Check kinds: the morning collection, the hand-back, a spot check in the classroom.
const (
	KindCollect = "collect"
	KindReturn  = "return"
	KindSpot    = "spot"
)

// Kinds are the check kinds in the order of the day.
var Kinds = []string{KindCollect, KindReturn, KindSpot}

// Follow-up states of a check ("" when it needs none).
const (
	FollowupOpen     = "open"
	FollowupResolved = "resolved"
)

// countMargin is how many phones a count may find beyond the expected ones (phones nobody registered turn
// up); more is a typing mistake.
const countMargin = 5

// Check is a phone check as the API shows it. Expected and Counted are set for collect and return, Found for
// spot; Discrepancy is Expected - Counted (0 for spot). Registered is the class's count in force on Date.
type Check struct {
	ID            string       `json:"id"`
	ClassID       string       `json:"class_id"`
	ClassLabel    string       `json:"class_label"`
	Date          string       `json:"date"`
	Kind          string       `json:"kind"`
	Registered    int          `json:"registered"`
	Expected      *int         `json:"expected"`
	Counted       *int         `json:"counted"`
	Found         *int         `json:"found"`
	Discrepancy   int          `json:"discrepancy"`
	Location      string       `json:"location"`
	Note          string       `json:"note"`
	Photos        []photos.Ref `json:"photos"`
	Author        service.Ref  `json:"author"`
	CreatedAt     time.Time    `json:"created_at"`
	EditableUntil time.Time    `json:"editable_until"`
	Followup      *Followup    `json:"followup"`
}

// Followup is what a discrepancy or a phone found opened. AgeHours and AgeDays are how long it has been open
// (or, once resolved, how long it took).
type Followup struct {
	Status     string       `json:"status"`
	OpenedAt   time.Time    `json:"opened_at"`
	AgeHours   int          `json:"age_hours"`
	AgeDays    int          `json:"age_days"`
	ResolvedAt *time.Time   `json:"resolved_at"`
	ResolvedBy *service.Ref `json:"resolved_by"`
	Note       string       `json:"note"`
}

// CheckInput is POST /phone-checks.
type CheckInput struct {
	ClassID  string
	Date     string
	Kind     string
	Expected *int
	Counted  *int
	Found    *int
	Location string
	Note     string
	PhotoIDs []string
}

// counts checks the counts a kind takes: collect and return need counted (expected is optional), spot needs
// found; the others must be absent.
func counts(v service.Invalid, kind string, expected, counted, found *int) {
	rangeOf := func(field string, n *int) {
		if n != nil {
			v.Range(field, *n, 0, maxPhones)
		}
	}
	switch kind {
	case KindCollect, KindReturn:
		if counted == nil {
			v.Add("counted", "收存和发还须填写实际清点数")
		}
		if found != nil {
			v.Add("found", "只有抽查填写查出手机数")
		}
		rangeOf("expected", expected)
		if counted != nil && *counted < 0 {
			v.Add("counted", "不能为负数")
		}
	case KindSpot:
		if found == nil {
			v.Add("found", "抽查须填写查出手机数（没有查出填 0）")
		}
		if expected != nil || counted != nil {
			v.Add("counted", "抽查只填写查出手机数")
		}
		rangeOf("found", found)
	}
}

// settle computes a collect's or return's discrepancy from its counts, and returns the 400 for a count beyond
// expected + the margin or a discrepancy without a note.
func settle(r *model.PhoneCheck) error {
	v := service.Invalid{}
	r.Discrepancy = 0
	if r.Kind != KindSpot {
		if *r.Counted > *r.Expected+countMargin {
			v.Add("counted", fmt.Sprintf("实际清点数不能超过应收数 %d 加 %d", *r.Expected, countMargin))
		}
		r.Discrepancy = *r.Expected - *r.Counted
		if r.Discrepancy != 0 && r.Note == "" {
			v.Add("note", "清点数与应收数不一致，须说明原因")
		}
	}
	return v.Err()
}

// needsFollowup is a discrepancy, or phones found in the classroom.
func needsFollowup(r model.PhoneCheck) bool {
	return r.Discrepancy != 0 || (r.Found != nil && *r.Found > 0)
}

// CreateCheck records a check (the class's head teacher or a leader) on a school day of the calendar (else
// 422 not_a_workday) from a week back to today (else 422 too_late). expected defaults to the class's
// registered count in force on the date — for a return, to that day's collected count when the collection
// was recorded, since absent students' phones were never handed in. location defaults to the arrangement's
// place. One collect and one return per class and day: a second is 409 already_recorded, even two sent at
// once (the unique key decides); spot checks any number of times. A discrepancy or phones found opens a
// follow-up.
func (s *Service) CreateCheck(ctx context.Context, a *service.Actor, in CheckInput) (Check, error) {
	if err := a.RequireStaff(); err != nil {
		return Check{}, err
	}
	v := service.Invalid{}
	if in.ClassID == "" {
		v.Add("class_id", "必填")
	}
	v.ID("class_id", in.ClassID)
	v.Date("date", in.Date)
	if v.OneOf("kind", in.Kind, false, Kinds...) {
		counts(v, in.Kind, in.Expected, in.Counted, in.Found)
	}
	in.Location = v.OptName("location", in.Location, 50)
	in.Note = v.Text("note", in.Note, 500)
	in.PhotoIDs = photos.CheckIDs(v, in.PhotoIDs)
	if err := v.Err(); err != nil {
		return Check{}, err
	}
	row := model.PhoneCheck{ID: model.NewID(), SchoolID: a.SchoolID, ClassID: in.ClassID, Date: in.Date, Kind: in.Kind,
		Expected: in.Expected, Counted: in.Counted, Found: in.Found, Location: in.Location, Note: in.Note,
		AuthorID: a.UserID(), AuthorName: a.Name}
	if in.Kind == KindSpot {
		row.Slot = row.ID
	}
	var si *school.Info
	var class model.Class
	err := s.Tx(ctx, func(tx *service.Tx) error {
		r := row // a retried transaction starts again from the request
		var err error
		if class, err = recordClass(tx.DB, a, in.ClassID); err != nil {
			return err
		}
		if si, err = school.Load(tx.DB, a.SchoolID); err != nil {
			return err
		}
		if err := recordDate(si, si.Today(tx.Now), in.Date, "手机检查"); err != nil {
			return err
		}
		plan, err := school.Plan(tx.DB, si, in.Date)
		if err != nil {
			return err
		}
		if !plan.Workday {
			return service.Rule("not_a_workday", in.Date+" 不是上学日，无需手机检查")
		}
		if r.Registered, err = countOn(tx.DB, a.SchoolID, class.ID, in.Date); err != nil {
			return err
		}
		if err := s.defaults(tx.DB, &r); err != nil {
			return err
		}
		if err := settle(&r); err != nil {
			return err
		}
		if needsFollowup(r) {
			at := tx.Now
			r.Followup, r.FollowupAt = FollowupOpen, &at
		}
		r.CreatedAt, r.UpdatedAt = tx.Now, tx.Now
		if err := tx.Create(&r).Error; err != nil {
			if model.IsDuplicate(err) {
				return service.Conflict("already_recorded", fmt.Sprintf("%s %s的手机%s已记录，可在 24 小时内修改原记录",
					school.ClassLabel(class), in.Date, kindNames[in.Kind]))
			}
			return err
		}
		if err := photos.Attach(tx, a, in.PhotoIDs, evidence.PhoneCheck, r.ID); err != nil {
			return err
		}
		row = r
		return evidence.Created(tx, a, a.SchoolID, evidence.PhoneCheck, r.ID, auditCheck(r, in.PhotoIDs))
	})
	if err != nil {
		return Check{}, err
	}
	return s.checkOut(ctx, si, class, row)
}

// defaults fills expected (collect, return) and location from the count in force, the day's collection and
// the arrangement.
func (s *Service) defaults(db *gorm.DB, r *model.PhoneCheck) error {
	if r.Kind != KindSpot && r.Expected == nil {
		n := r.Registered
		if r.Kind == KindReturn {
			var collected []*int
			if err := db.Model(&model.PhoneCheck{}).Scopes(model.InSchool(r.SchoolID)).
				Where("class_id = ? AND date = ? AND kind = ?", r.ClassID, r.Date, KindCollect).Limit(1).
				Pluck("counted", &collected).Error; err != nil {
				return err
			}
			if len(collected) > 0 && collected[0] != nil {
				n = *collected[0]
			}
		}
		r.Expected = &n
	}
	if r.Location == "" {
		c, err := findCustody(db, r.SchoolID, r.ClassID)
		if err != nil {
			return err
		}
		if c != nil {
			r.Location = c.Location
		}
	}
	return nil
}

// kindNames are the kinds as messages and sheets write them.
var kindNames = map[string]string{KindCollect: "收存", KindReturn: "发还", KindSpot: "抽查"}

// checkAudit is what the audit trail keeps of a check: its photos by id, never signed URLs.
type checkAudit struct {
	ClassID     string   `json:"class_id"`
	Date        string   `json:"date"`
	Kind        string   `json:"kind"`
	Registered  int      `json:"registered"`
	Expected    *int     `json:"expected"`
	Counted     *int     `json:"counted"`
	Found       *int     `json:"found"`
	Discrepancy int      `json:"discrepancy"`
	Location    string   `json:"location"`
	Note        string   `json:"note"`
	PhotoIDs    []string `json:"photo_ids"`
	Followup    string   `json:"followup"`
	ResolveNote string   `json:"resolve_note,omitempty"`
}

func auditCheck(r model.PhoneCheck, photoIDs []string) checkAudit {
	if photoIDs == nil {
		photoIDs = []string{}
	}
	return checkAudit{ClassID: r.ClassID, Date: r.Date, Kind: r.Kind, Registered: r.Registered, Expected: r.Expected,
		Counted: r.Counted, Found: r.Found, Discrepancy: r.Discrepancy, Location: r.Location, Note: r.Note,
		PhotoIDs: photoIDs, Followup: r.Followup, ResolveNote: r.ResolveNote}
}

// checkView converts a row at now; photos are added by the caller.
func checkView(r model.PhoneCheck, c model.Class, loc *time.Location, now time.Time) Check {
	out := Check{ID: r.ID, ClassID: r.ClassID, ClassLabel: school.ClassLabel(c), Date: r.Date, Kind: r.Kind,
		Registered: r.Registered, Expected: r.Expected, Counted: r.Counted, Found: r.Found, Discrepancy: r.Discrepancy,
		Location: r.Location, Note: r.Note, Photos: []photos.Ref{}, Author: service.Ref{ID: r.AuthorID, Name: r.AuthorName},
		CreatedAt: r.CreatedAt.In(loc), EditableUntil: evidence.EditableUntil(r.CreatedAt).In(loc)}
	if r.Followup != "" && r.FollowupAt != nil {
		f := &Followup{Status: r.Followup, OpenedAt: r.FollowupAt.In(loc), Note: r.ResolveNote}
		until := now
		if r.ResolvedAt != nil {
			until = *r.ResolvedAt
			f.ResolvedAt = service.InZone(r.ResolvedAt, loc)
			f.ResolvedBy = &service.Ref{ID: r.ResolvedBy, Name: r.ResolvedByName}
		}
		if h := int(until.Sub(*r.FollowupAt).Hours()); h > 0 {
			f.AgeHours, f.AgeDays = h, h/24
		}
		out.Followup = f
	}
	return out
}

// checkOut shows one check with its photos.
func (s *Service) checkOut(ctx context.Context, si *school.Info, c model.Class, r model.PhoneCheck) (Check, error) {
	ph, err := s.photos.Of(ctx, r.SchoolID, evidence.PhoneCheck, r.ID)
	if err != nil {
		return Check{}, err
	}
	out := checkView(r, c, si.Loc, s.Now())
	out.Photos = photos.For(ph, r.ID)
	return out, nil
}

// checkViews converts rows with their classes and photos, in one query each.
func (s *Service) checkViews(ctx context.Context, si *school.Info, rows []model.PhoneCheck) ([]Check, error) {
	ids, classIDs := make([]string, len(rows)), make([]string, len(rows))
	for i, r := range rows {
		ids[i], classIDs[i] = r.ID, r.ClassID
	}
	classes, err := classesByID(s.Read(ctx), si.School.ID, classIDs)
	if err != nil {
		return nil, err
	}
	ph, err := s.photos.Of(ctx, si.School.ID, evidence.PhoneCheck, ids...)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := make([]Check, 0, len(rows))
	for _, r := range rows {
		c := checkView(r, classes[r.ClassID], si.Loc, now)
		c.Photos = photos.For(ph, r.ID)
		out = append(out, c)
	}
	return out, nil
}
