package school

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
)

// Settings is a school's settings document (GET/PUT /school/settings). Modules read their section.
type Settings struct {
	Timezone     string              `json:"timezone"`
	Attendance   AttendanceSettings  `json:"attendance"`
	Meals        MealSettings        `json:"meals"`
	Observations ObservationSettings `json:"observations"`
	Phones       PhoneSettings       `json:"phones"`
	Reminders    ReminderSettings    `json:"reminders"`
	Term         Term                `json:"term"`
}

// AttendanceSettings configure office sign-in (坐班).
type AttendanceSettings struct {
	Methods       []string          `json:"methods"`
	Fences        []Fence           `json:"fences"`
	MaxAccuracyM  float64           `json:"max_accuracy_m"`
	Windows       map[string]Window `json:"windows"`
	LateGraceMin  int               `json:"late_grace_min"`
	EarlyGraceMin int               `json:"early_grace_min"`
	// MaxCorrectionsPerMonth caps make-up punch (补卡) requests per person per month; default 3.
	MaxCorrectionsPerMonth *int `json:"max_corrections_per_month,omitempty"`
}

// Fence is a circle on GCJ-02 coordinates inside which a location punch counts.
type Fence struct {
	Name    string  `json:"name"`
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
	RadiusM float64 `json:"radius_m"`
}

// Window is a workday's sign-in and sign-out times, "HH:MM" local.
type Window struct {
	In  string `json:"in"`
	Out string `json:"out"`
}

// MealSettings say which meals are served on which weekdays.
type MealSettings struct {
	Served              map[string][]string `json:"served"`
	LeaderPhotoRequired bool                `json:"leader_photo_required"`
}

// ObservationSettings hold the per-role lesson-observation quotas.
type ObservationSettings struct {
	QuotaPerTerm map[string]int `json:"quota_per_term"`
}

// PhoneSettings time the daily phone custody: collected by CollectBy, handed back from ReturnFrom.
type PhoneSettings struct {
	CollectBy  string `json:"collect_by"`
	ReturnFrom string `json:"return_from"`
}

// ReminderSettings switch and time each reminder (API.md "Reminders").
type ReminderSettings struct {
	MealUnrecorded  MealReminder     `json:"meal_unrecorded"`
	PhoneCollect    Switch           `json:"phone_collect"`
	Signout         SignoutReminder  `json:"signout"`
	FeedbackOverdue FeedbackReminder `json:"feedback_overdue"`
	ObservationAck  ObservationAck   `json:"observation_ack"`
}

// Switch is a reminder with nothing to time.
type Switch struct {
	Enabled bool `json:"enabled"`
}

// MealReminder fires when a served meal has no leader's record by its time ("HH:MM" per meal).
type MealReminder struct {
	Enabled bool              `json:"enabled"`
	After   map[string]string `json:"after"`
}

// SignoutReminder fires AfterMin minutes after the day's window ends.
type SignoutReminder struct {
	Enabled  bool `json:"enabled"`
	AfterMin int  `json:"after_min"`
}

// FeedbackReminder fires when feedback is still open AfterHours after it was written.
type FeedbackReminder struct {
	Enabled    bool `json:"enabled"`
	AfterHours int  `json:"after_hours"`
}

// ObservationAck fires when an observation is unacknowledged AfterDays days.
type ObservationAck struct {
	Enabled   bool `json:"enabled"`
	AfterDays int  `json:"after_days"`
}

// Term is the current school term.
type Term struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// WeekdayKeys are the settings' weekday keys, Sunday first like time.Weekday.
var WeekdayKeys = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// MealKinds are the meals a school may serve, in the order of the day.
var MealKinds = []string{"breakfast", "lunch", "dinner"}

// DefaultSettings are a new school's settings: weekday windows 07:50–17:30, lunch served, default quotas,
// phones collected by 08:30, every reminder on.
func DefaultSettings(today time.Time) Settings {
	w := Window{In: "07:50", Out: "17:30"}
	windows, served := map[string]Window{}, map[string][]string{}
	for _, d := range WeekdayKeys[1:6] {
		windows[d], served[d] = w, []string{"lunch"}
	}
	start, end := termAround(today.In(service.Beijing()))
	return Settings{
		Timezone: "Asia/Shanghai",
		// Location sign-in needs a fence the school has yet to draw, so a new school starts with the office QR.
		Attendance: AttendanceSettings{Methods: []string{"qr"}, MaxAccuracyM: 100, Windows: windows,
			LateGraceMin: 5, Fences: []Fence{}},
		Meals: MealSettings{Served: served, LeaderPhotoRequired: true},
		Observations: ObservationSettings{QuotaPerTerm: map[string]int{service.RolePrincipal: 30,
			service.RoleLeader: 20, service.RoleTeacher: 10}},
		Phones: PhoneSettings{CollectBy: "08:30", ReturnFrom: "16:30"},
		Reminders: ReminderSettings{
			MealUnrecorded:  MealReminder{Enabled: true, After: maps.Clone(defaultMealDue)},
			PhoneCollect:    Switch{Enabled: true},
			Signout:         SignoutReminder{Enabled: true, AfterMin: 30},
			FeedbackOverdue: FeedbackReminder{Enabled: true, AfterHours: 48},
			ObservationAck:  ObservationAck{Enabled: true, AfterDays: 7},
		},
		Term: Term{Start: start, End: end},
	}
}

// termAround guesses the term containing t: autumn Sep 1 – Jan 20, spring Feb 1 – Aug 31.
func termAround(t time.Time) (string, string) {
	y, m := t.Year(), t.Month()
	switch {
	case m >= time.September:
		return fmt.Sprintf("%d-09-01", y), fmt.Sprintf("%d-01-20", y+1)
	case m == time.January:
		return fmt.Sprintf("%d-09-01", y-1), fmt.Sprintf("%d-01-20", y)
	default:
		return fmt.Sprintf("%d-02-01", y), fmt.Sprintf("%d-08-31", y)
	}
}

// MaxCorrections is the monthly cap on make-up punches.
func (a AttendanceSettings) MaxCorrections() int {
	if a.MaxCorrectionsPerMonth == nil {
		return 3
	}
	return *a.MaxCorrectionsPerMonth
}

// MealDue is the local time "HH:MM" after which a served meal that no leader has recorded counts as missed
// (in the reports, as in the meal_unrecorded reminder): the reminder's time for that meal, or the default
// one when the school has none for it. Before then the meal is still to come, whatever the reminder's switch.
func (st Settings) MealDue(meal string) string {
	if at, ok := st.Reminders.MealUnrecorded.After[meal]; ok && HHMM.MatchString(at) {
		return at
	}
	return defaultMealDue[meal]
}

// defaultMealDue are the default meal_unrecorded times.
var defaultMealDue = map[string]string{"breakfast": "09:00", "lunch": "13:30", "dinner": "19:30"}

// Quota is a staff member's observation quota for the term: the largest of their roles'.
func (o ObservationSettings) Quota(roles []string) int {
	q := 0
	for _, r := range roles {
		q = max(q, o.QuotaPerTerm[r])
	}
	return q
}

// HHMM matches a local time "HH:MM".
var HHMM = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)

// Validate checks the whole document and names every field at fault.
func (st *Settings) Validate() error {
	v := service.Invalid{}
	if _, err := time.LoadLocation(st.Timezone); err != nil || st.Timezone == "" {
		v.Add("timezone", "不是有效的时区，例如 Asia/Shanghai")
	}
	at := &st.Attendance
	if len(at.Methods) == 0 {
		v.Add("attendance.methods", "至少选择一种签到方式")
	}
	for _, m := range at.Methods {
		v.OneOf("attendance.methods", m, false, "location", "qr")
	}
	if slices.Contains(at.Methods, "location") && len(at.Fences) == 0 {
		v.Add("attendance.fences", "使用定位签到时至少设置一个签到范围")
	}
	if len(at.Fences) > 20 {
		v.Add("attendance.fences", "最多 20 个签到范围")
	}
	for i := range at.Fences {
		f := &at.Fences[i]
		key := fmt.Sprintf("attendance.fences[%d]", i)
		f.Name = v.Name(key+".name", f.Name, 30)
		if f.Lat < 3 || f.Lat > 54 || f.Lng < 73 || f.Lng > 136 {
			v.Add(key, "坐标不在中国境内（应为 GCJ-02 经纬度）")
		}
		if f.RadiusM < 10 || f.RadiusM > 5000 {
			v.Add(key+".radius_m", "半径应在 10–5000 米之间")
		}
	}
	if at.MaxAccuracyM < 5 || at.MaxAccuracyM > 2000 {
		v.Add("attendance.max_accuracy_m", "应在 5–2000 米之间")
	}
	for day, w := range at.Windows {
		if !slices.Contains(WeekdayKeys, day) {
			v.Add("attendance.windows."+day, "应为 mon、tue、wed、thu、fri、sat 或 sun")
			continue
		}
		if !HHMM.MatchString(w.In) || !HHMM.MatchString(w.Out) || w.In >= w.Out {
			v.Add("attendance.windows."+day, "时间格式为 HH:MM，且签到早于签退")
		}
	}
	v.Range("attendance.late_grace_min", at.LateGraceMin, 0, 120)
	v.Range("attendance.early_grace_min", at.EarlyGraceMin, 0, 120)
	if at.MaxCorrectionsPerMonth != nil {
		v.Range("attendance.max_corrections_per_month", *at.MaxCorrectionsPerMonth, 0, 31)
	}
	for day, meals := range st.Meals.Served {
		if !slices.Contains(WeekdayKeys, day) {
			v.Add("meals.served."+day, "应为 mon、tue、wed、thu、fri、sat 或 sun")
		}
		CheckMeals(v, "meals.served."+day, meals)
	}
	for role, q := range st.Observations.QuotaPerTerm {
		if v.OneOf("observations.quota_per_term."+role, role, false, service.StaffRoles...) {
			v.Range("observations.quota_per_term."+role, q, 0, 500)
		}
	}
	ph := st.Phones
	if !HHMM.MatchString(ph.CollectBy) {
		v.Add("phones.collect_by", "时间格式为 HH:MM")
	}
	if !HHMM.MatchString(ph.ReturnFrom) {
		v.Add("phones.return_from", "时间格式为 HH:MM")
	} else if HHMM.MatchString(ph.CollectBy) && ph.ReturnFrom <= ph.CollectBy {
		v.Add("phones.return_from", "发还时间应晚于收存时间")
	}
	rm := st.Reminders
	for meal, at := range rm.MealUnrecorded.After {
		if v.OneOf("reminders.meal_unrecorded.after."+meal, meal, false, MealKinds...) && !HHMM.MatchString(at) {
			v.Add("reminders.meal_unrecorded.after."+meal, "时间格式为 HH:MM")
		}
	}
	v.Range("reminders.signout.after_min", rm.Signout.AfterMin, 0, 480)
	v.Range("reminders.feedback_overdue.after_hours", rm.FeedbackOverdue.AfterHours, 1, 720)
	v.Range("reminders.observation_ack.after_days", rm.ObservationAck.AfterDays, 1, 90)
	start, okS := v.Date("term.start", st.Term.Start)
	end, okE := v.Date("term.end", st.Term.End)
	if okS && okE && (end.Before(start) || end.Sub(start) > 366*24*time.Hour) {
		v.Add("term", "学期结束不早于开始，且不超过一年")
	}
	return v.Err()
}

// ParseSettings decodes a settings document strictly: unknown keys, wrong types and anything after the
// object are 400, and so is a document that fails Validate.
func ParseSettings(raw []byte) (Settings, error) {
	var st Settings
	if err := service.DecodeStrict(raw, &st); err != nil {
		return st, err
	}
	return st, st.Validate()
}

// GetSettings returns the actor's school settings (any staff member).
func (s *Service) GetSettings(ctx context.Context, a *service.Actor) (Settings, error) {
	if err := a.RequireStaff(); err != nil {
		return Settings{}, err
	}
	si, err := Load(s.Read(ctx), a.SchoolID)
	if err != nil {
		return Settings{}, err
	}
	return si.Settings, nil
}

// PutSettings replaces the whole settings document (principal). The audit row lists the settings that
// changed.
func (s *Service) PutSettings(ctx context.Context, a *service.Actor, st Settings) (Settings, error) {
	if err := a.Require(service.RolePrincipal); err != nil {
		return Settings{}, err
	}
	if err := st.Validate(); err != nil {
		return Settings{}, err
	}
	if st.Attendance.Fences == nil {
		st.Attendance.Fences = []Fence{}
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return Settings{}, err
	}
	err = s.Tx(ctx, func(tx *service.Tx) error {
		before, err := Load(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		// The term is the current one (it widens the horizon of calendar days, duties and leaves): it
		// overlaps the year either side of today.
		local := tx.Now.In(service.Zone(st.Timezone))
		if st.Term.End < local.AddDate(-1, 0, 0).Format(time.DateOnly) || st.Term.Start > local.AddDate(1, 0, 0).Format(time.DateOnly) {
			return service.Invalid{"term": "应为当前学期（在今天前后一年之内）"}.Err()
		}
		res := tx.Model(&model.School{}).Where("id = ?", a.SchoolID).
			Updates(map[string]any{"settings": string(raw), "timezone": st.Timezone, "updated_at": tx.Now,
				"revision": NextRevision()})
		if res.Error != nil {
			return res.Error
		}
		_, err = evidence.Updated(tx, a, a.SchoolID, evidence.Settings, a.SchoolID, before.Settings, st)
		return err
	})
	return st, err
}
