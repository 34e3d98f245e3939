// Package report holds the conventions every report follows: one query type (a month, or from/to, for a
// school or a region), who may read which school, and the workbook every report prints as — A4 in the
// orientation its width needs, print titles on every page, page numbers and print time in the footer, the
// 制表人 / 审核人 / 校长签字 line, an East Asian font in every style, numbers and percentages stored as
// numbers, titles that fit any school name, and people in roster order told apart when two share a name.
// A module computes its report once; its JSON answer and its workbook are two renderings of that result.
package report

import (
	"context"
	"time"

	"gorm.io/gorm"

	"schoolcheck/service"
	"schoolcheck/service/school"
)

// Query is what a report is asked for: a month ("YYYY-MM") or a from/to period, and for inspectors the
// school (or region) to read.
type Query struct {
	Month    string
	From, To string
	SchoolID string
	RegionID string
}

// Period is a report's dates, both included, and the part of them that has begun (Upto ≤ To).
type Period struct {
	From, To string
	// Upto is the last date that counts: To, or the school's today when the period has not ended. Days after
	// it have not happened and count nowhere.
	Upto string
	// Since is the first date that counts: From, or the date the school opened in schoolcheck when later.
	Since string
	// Month is set when the query named a month.
	Month string
}

// Empty reports a period with nothing that has happened yet.
func (p Period) Empty() bool { return p.Since > p.Upto }

// maxSpanDays bounds a from/to report (an inspector's year of one school at most).
const maxSpanDays = 400

// MonthPeriod checks a required month for school si at now: a month before the school existed, or after the
// current one, is a 400 naming the field.
func MonthPeriod(q Query, si *school.Info, now time.Time) (Period, error) {
	v := service.Invalid{}
	first, last := v.Month("month", q.Month)
	if err := v.Err(); err != nil {
		return Period{}, err
	}
	p := Period{From: first, To: last, Month: q.Month}
	if err := bound(&p, si, now, "month"); err != nil {
		return Period{}, err
	}
	return p, nil
}

// SpanPeriod checks a required from/to (at most 400 days) for school si at now.
func SpanPeriod(q Query, si *school.Info, now time.Time) (Period, error) {
	v := service.Invalid{}
	if q.From == "" {
		v.Add("from", "必填，格式 YYYY-MM-DD")
	}
	if q.To == "" {
		v.Add("to", "必填，格式 YYYY-MM-DD")
	}
	v.Span("from", q.From, "to", q.To, maxSpanDays)
	if err := v.Err(); err != nil {
		return Period{}, err
	}
	p := Period{From: q.From, To: q.To}
	if err := bound(&p, si, now, "from"); err != nil {
		return Period{}, err
	}
	return p, nil
}

// bound clamps the counted part of a period to the school's life so far, refusing a period wholly outside.
func bound(p *Period, si *school.Info, now time.Time, field string) error {
	today, opened := si.Today(now), si.Opened()
	switch {
	case p.From > today:
		return service.Invalid{field: "不能查询今天以后的报表"}.Err()
	case p.To < opened:
		return service.Invalid{field: "学校在 " + opened + " 开始使用本系统，此前没有记录"}.Err()
	}
	p.Upto, p.Since = min(p.To, today), max(p.From, opened)
	return nil
}

// School decides which school a report is about. Leaders read their own school (naming another is 404);
// inspectors read any school of their region and must name it; everyone else is 403.
func School(db *gorm.DB, a *service.Actor, schoolID string) (*school.Info, error) {
	switch {
	case a.Has(service.RoleInspector):
		if schoolID == "" {
			return nil, service.Invalid{"school_id": "督学需指定学校"}.Err()
		}
		si, err := school.Load(db, schoolID)
		if err != nil {
			return nil, err
		}
		in, err := InRegion(db, a.RegionID, si.School.RegionID)
		if err != nil {
			return nil, err
		}
		if !in {
			return nil, service.NotFound("学校")
		}
		return si, nil
	case a.IsStaff() && a.IsLeader():
		if schoolID != "" && schoolID != a.SchoolID {
			return nil, service.NotFound("学校")
		}
		return school.Load(db, a.SchoolID)
	}
	return nil, service.Forbidden()
}

// InRegion reports whether a school's region is the inspector's region or below it in the tree.
func InRegion(db *gorm.DB, inspectorRegion, schoolRegion string) (bool, error) {
	return school.InSubtree(db, inspectorRegion, schoolRegion)
}

// Target is a school and the period asked of it. The modules' Summaries take a batch of them (the
// overview's schools) and read all their records in a few statements; a module's report is the batch of
// one.
type Target struct {
	School *school.Info
	Period Period
}

// Targets is a batch of schools with their periods.
type Targets []Target

// IDs are the batch's school ids.
func (ts Targets) IDs() []string {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.School.School.ID
	}
	return ids
}

// Span is the dates every period of the batch lies in: the first From and the last To (the first Since and
// the last Upto when counted is true, over the periods that are not empty); ok is false when there are none.
func (ts Targets) Span(counted bool) (from, to string, ok bool) {
	for _, t := range ts {
		f, l := t.Period.From, t.Period.To
		if counted {
			if t.Period.Empty() {
				continue
			}
			f, l = t.Period.Since, t.Period.Upto
		}
		if !ok || f < from {
			from = f
		}
		if !ok || l > to {
			to = l
		}
		ok = true
	}
	return from, to, ok
}

// Each is a batch computed one school at a time with a module's single-school function (for a module whose
// figures are cheap enough per school), by school id.
func Each[T any](ctx context.Context, ts Targets, one func(context.Context, *school.Info, Period) (T, error)) (map[string]T, error) {
	out := make(map[string]T, len(ts))
	for _, t := range ts {
		v, err := one(ctx, t.School, t.Period)
		if err != nil {
			return nil, err
		}
		out[t.School.School.ID] = v
	}
	return out, nil
}
