package observations

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/moderation"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// ObservationReport is a school's lesson observations over a period (GET /reports/observations): one row
// per staff member in roster order, one per subject (教研组), and every observation of the period. An
// observation counts in the period of its lesson's date, which may be before the school opened in
// schoolcheck (an observation is filed for a lesson back to the term's start). Rates are total / max_total of the rubric version
// each observation was scored on, averaged over observations, so observations on different versions
// compare by percentage. Quotas are the term's (settings.term): ask for the term to compare against them.
type ObservationReport struct {
	School       service.Ref  `json:"school"`
	From         string       `json:"from"`
	To           string       `json:"to"`
	Term         school.Term  `json:"term"`
	AckDays      int          `json:"ack_days"`
	Summary      Summary      `json:"summary"`
	Items        []StaffRow   `json:"items"`
	Subjects     []SubjectRow `json:"subjects"`
	Observations []Record     `json:"observations"`
}

// StaffRow is one staff member: observations given against the quota (shortfall = quota − given, not
// below 0), and of those they received the average rate, how many they acknowledged (and the share), and
// how many are overdue now. AverageRate and AcknowledgedShare are null when they received none.
type StaffRow struct {
	Staff             service.Ref `json:"staff"`
	Label             string      `json:"label"`
	Roles             []string    `json:"roles"`
	Quota             int         `json:"quota"`
	Given             int         `json:"given"`
	Shortfall         int         `json:"shortfall"`
	Received          int         `json:"received"`
	AverageRate       *float64    `json:"average_rate"`
	Acknowledged      int         `json:"acknowledged"`
	AcknowledgedShare *float64    `json:"acknowledged_share"`
	Overdue           int         `json:"overdue"`
}

// SubjectRow is one subject (教研组): observations of its lessons, how many teachers were observed, the
// average rate, acknowledgements and overdue ones.
type SubjectRow struct {
	Subject           string   `json:"subject"`
	Observations      int      `json:"observations"`
	Teachers          int      `json:"teachers"`
	AverageRate       *float64 `json:"average_rate"`
	Acknowledged      int      `json:"acknowledged"`
	AcknowledgedShare *float64 `json:"acknowledged_share"`
	Overdue           int      `json:"overdue"`
}

// Record is one observation of the period as the evidence sheet lists it, its scores named by the rubric
// version it was scored on.
type Record struct {
	ID             string      `json:"id"`
	Date           string      `json:"date"`
	Period         int         `json:"period"`
	Teacher        service.Ref `json:"teacher"`
	Observer       service.Ref `json:"observer"`
	Subject        string      `json:"subject"`
	Topic          string      `json:"topic"`
	Class          string      `json:"class"`
	Kind           string      `json:"kind"`
	RubricVersion  int         `json:"rubric_version"`
	Scores         []Score     `json:"scores"`
	Total          int         `json:"total"`
	MaxTotal       int         `json:"max_total"`
	Rate           float64     `json:"rate"`
	Strengths      string      `json:"strengths"`
	Suggestions    string      `json:"suggestions"`
	Reflection     string      `json:"reflection"`
	AcknowledgedAt *time.Time  `json:"acknowledged_at"`
	Overdue        bool        `json:"overdue"`
}

// Score is one item's points.
type Score struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Score int    `json:"score"`
	Max   int    `json:"max"`
}

// Summary is a school's figures for a period, the ones the inspections overview shows: observations filed,
// the active staff, observations per staff member, the staff's quotas added up, the share of them met
// (each person's given counted up to their quota, so one person's surplus does not hide another's
// shortfall), and the share acknowledged. The report's totals are the same figures.
type Summary struct {
	Observations      int      `json:"observations"`
	Staff             int      `json:"staff"`
	PerTeacher        float64  `json:"per_teacher"`
	QuotaSum          int      `json:"quota_sum"`
	QuotaMet          float64  `json:"quota_met"`
	Acknowledged      int      `json:"acknowledged"`
	AcknowledgedShare float64  `json:"acknowledged_share"`
	Overdue           int      `json:"overdue"`
	AverageRate       *float64 `json:"average_rate"`
}

// Report computes the period's report (leaders: their school; inspectors: a school of their region).
func (s *Service) Report(ctx context.Context, a *service.Actor, q report.Query) (ObservationReport, error) {
	db := s.Read(ctx)
	si, err := report.School(db, a, q.SchoolID)
	if err != nil {
		return ObservationReport{}, err
	}
	p, err := report.SpanPeriod(q, si, s.Now())
	if err != nil {
		return ObservationReport{}, err
	}
	t, err := s.tally(db, si, p)
	if err != nil {
		return ObservationReport{}, err
	}
	rep := ObservationReport{School: si.Ref(), From: p.From, To: p.To, Term: si.Settings.Term, AckDays: ackDays(si),
		Summary: t.summary(), Items: t.rows(), Subjects: []SubjectRow{}, Observations: []Record{}}
	if p.From > p.Upto {
		return rep, nil
	}
	bySubject, err := stats(db, []string{si.School.ID}, p, t.cutoff, "subject")
	if err != nil {
		return ObservationReport{}, err
	}
	for _, st := range bySubject {
		rep.Subjects = append(rep.Subjects, SubjectRow{Subject: st.K, Observations: st.N, Teachers: st.Teachers,
			AverageRate: st.rate(), Acknowledged: st.Acknowledged, AcknowledgedShare: share(st.Acknowledged, st.N),
			Overdue: st.Overdue})
	}
	sort.SliceStable(rep.Subjects, func(i, j int) bool { return rep.Subjects[i].Subject < rep.Subjects[j].Subject })
	if rep.Observations, err = records(db, si, p, s.Now()); err != nil {
		return ObservationReport{}, err
	}
	return rep, nil
}

// Summaries are the figures of several schools (the inspections overview's), by school id, their
// observations counted together.
func (s *Service) Summaries(ctx context.Context, ts report.Targets) (map[string]Summary, error) {
	tallies, err := s.tallies(s.Read(ctx), ts)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Summary, len(tallies))
	for id, t := range tallies {
		out[id] = t.summary()
	}
	return out, nil
}

// Summary is the school's figures for a period, computed by the code the report uses: Summaries of one
// school.
func (s *Service) Summary(ctx context.Context, si *school.Info, p report.Period) (Summary, error) {
	sums, err := s.Summaries(ctx, report.Targets{{School: si, Period: p}})
	return sums[si.School.ID], err
}

// tally is what the report and the summary are computed from: the roster with each person's quota, and
// the period's observations counted in the database by observer and by observed teacher.
type tally struct {
	roster   []report.Person
	quota    map[string]int
	given    map[string]int
	received map[string]stat
	cutoff   time.Time
}

func (s *Service) tally(db *gorm.DB, si *school.Info, p report.Period) (tally, error) {
	ts, err := s.tallies(db, report.Targets{{School: si, Period: p}})
	return ts[si.School.ID], err
}

// tallies are the tallies of several schools, by school id: the rosters in one statement, the counts in
// two per distinct period and overdue cut-off (the overview's schools share one).
func (s *Service) tallies(db *gorm.DB, ts report.Targets) (map[string]tally, error) {
	out := make(map[string]tally, len(ts))
	if len(ts) == 0 {
		return out, nil
	}
	rosters, err := report.Rosters(db, ts.IDs())
	if err != nil {
		return nil, err
	}
	type key struct {
		from, upto string
		cutoff     time.Time
	}
	groups := map[key][]string{}
	var order []key
	for _, tg := range ts {
		si, p := tg.School, tg.Period
		t := tally{roster: rosters[si.School.ID], quota: map[string]int{}, given: map[string]int{},
			received: map[string]stat{}, cutoff: overdueCutoff(si, s.Now())}
		for _, person := range t.roster {
			t.quota[person.ID] = si.Settings.Observations.Quota(school.SplitRoles(person.Roles))
		}
		out[si.School.ID] = t
		if p.From > p.Upto {
			continue
		}
		k := key{p.From, p.Upto, t.cutoff}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], si.School.ID)
	}
	for _, k := range order {
		ids := groups[k]
		given, err := givenCounts(db, ids, k.from, k.upto)
		if err != nil {
			return nil, err
		}
		byTeacher, err := stats(db, ids, report.Period{From: k.from, Upto: k.upto}, k.cutoff, "teacher_id")
		if err != nil {
			return nil, err
		}
		for id, g := range given {
			t := out[id]
			t.given = g
			out[id] = t
		}
		for _, st := range byTeacher {
			out[st.SchoolID].received[st.K] = st
		}
	}
	return out, nil
}

// rows are the staff rows in roster order.
func (t tally) rows() []StaffRow {
	out := make([]StaffRow, 0, len(t.roster))
	for _, person := range t.roster {
		q, got := t.quota[person.ID], t.received[person.ID]
		roles := school.SplitRoles(person.Roles)
		if roles == nil {
			roles = []string{}
		}
		out = append(out, StaffRow{Staff: person.Ref, Label: person.Label, Roles: roles, Quota: q,
			Given: t.given[person.ID], Shortfall: max(0, q-t.given[person.ID]), Received: got.N, AverageRate: got.rate(),
			Acknowledged: got.Acknowledged, AcknowledgedShare: share(got.Acknowledged, got.N), Overdue: got.Overdue})
	}
	return out
}

// summary adds the tally up: every observation of the period (whoever filed it), the roster's quotas.
func (t tally) summary() Summary {
	var sum Summary
	var rates float64
	for _, st := range t.received {
		sum.Observations += st.N
		sum.Acknowledged += st.Acknowledged
		sum.Overdue += st.Overdue
		if st.Rate != nil {
			rates += *st.Rate * float64(st.N)
		}
	}
	met := 0
	for _, person := range t.roster {
		q := t.quota[person.ID]
		sum.QuotaSum += q
		met += min(t.given[person.ID], q)
	}
	sum.Staff = len(t.roster)
	sum.QuotaMet = report.Ratio(met, sum.QuotaSum)
	sum.AcknowledgedShare = report.Ratio(sum.Acknowledged, sum.Observations)
	if sum.Staff > 0 {
		sum.PerTeacher = math.Round(float64(sum.Observations)/float64(sum.Staff)*10) / 10
	}
	if sum.Observations > 0 {
		r := round4(rates / float64(sum.Observations))
		sum.AverageRate = &r
	}
	return sum
}

// stat is one group of the period's observations, counted in the database.
type stat struct {
	SchoolID     string
	K            string
	N            int
	Teachers     int
	Acknowledged int
	Overdue      int
	Rate         *float64
}

func (st stat) rate() *float64 {
	if st.N == 0 || st.Rate == nil {
		return nil
	}
	r := round4(*st.Rate)
	return &r
}

// stats groups the period's observations by a column (teacher_id or subject): how many, of how many
// teachers, acknowledged, overdue at cutoff, and the average of total / max_total.
func stats(db *gorm.DB, schoolIDs []string, p report.Period, cutoff time.Time, by string) ([]stat, error) {
	var out []stat
	err := db.Model(&model.Observation{}).Scopes(model.InSchools(schoolIDs)).
		Select("school_id, "+by+" AS k, COUNT(*) AS n, COUNT(DISTINCT teacher_id) AS teachers, "+
			"SUM(CASE WHEN acknowledged_at IS NOT NULL THEN 1 ELSE 0 END) AS acknowledged, "+
			"SUM(CASE WHEN acknowledged_at IS NULL AND created_at < ? THEN 1 ELSE 0 END) AS overdue, "+
			"AVG(1.0 * total / max_total) AS rate", cutoff).
		Where("date >= ? AND date <= ?", p.From, p.Upto).Group("school_id, " + by).Scan(&out).Error
	return out, service.WrapDB(err)
}

// records lists every observation of the period by date and period, with names and scores.
func records(db *gorm.DB, si *school.Info, p report.Period, now time.Time) ([]Record, error) {
	var rows []model.Observation
	if err := db.Scopes(model.InSchool(si.School.ID)).Where("date >= ? AND date <= ?", p.From, p.Upto).
		Order("date, period, id").Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	staff, classes := make([]string, 0, 2*len(rows)), make([]*string, 0, len(rows))
	for _, r := range rows {
		staff, classes = append(staff, r.ObserverID, r.TeacherID), append(classes, r.ClassID)
	}
	n, err := loadNames(db, si.School.ID, staff, classes)
	if err != nil {
		return nil, err
	}
	versions, err := rubrics(db, si.School.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(rows))
	for _, r := range rows {
		o := observationView(r, si, n, now)
		rec := Record{ID: r.ID, Date: r.Date, Period: r.Period, Teacher: o.Teacher, Observer: o.Observer,
			Subject: r.Subject, Topic: r.Topic, Class: o.Class, Kind: r.Kind, RubricVersion: r.RubricVersion,
			Scores: []Score{}, Total: r.Total, MaxTotal: r.MaxTotal, Rate: o.Rate, Strengths: r.Strengths,
			Suggestions: r.Suggestions, Reflection: r.Reflection, AcknowledgedAt: o.AcknowledgedAt, Overdue: o.Overdue}
		if r.Moderation == moderation.Rejected {
			rec.Strengths, rec.Suggestions = moderation.Hidden, moderation.Hidden
		}
		if r.ReflectionModeration == moderation.Rejected {
			rec.Reflection = moderation.Hidden
		}
		var scores map[string]int
		_ = json.Unmarshal([]byte(r.Scores), &scores)
		for _, it := range versions[r.RubricVersion].Items {
			rec.Scores = append(rec.Scores, Score{Key: it.Key, Name: it.Name, Score: scores[it.Key], Max: it.Max})
		}
		out = append(out, rec)
	}
	return out, nil
}

// share is n/d as a fraction, null when d is 0 (nothing to share out).
func share(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := report.Ratio(n, d)
	return &r
}

func round4(x float64) float64 { return math.Round(x*10000) / 10000 }
