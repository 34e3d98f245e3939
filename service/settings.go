package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// Settings is a school's settings document (GET/PUT /school/settings). Modules read their section.
type Settings struct {
	Timezone     string              `json:"timezone"`
	Attendance   AttendanceSettings  `json:"attendance"`
	Meals        MealSettings        `json:"meals"`
	Observations ObservationSettings `json:"observations"`
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

// Term is the current school term.
type Term struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Weekdays in the settings' key order.
var weekdayKeys = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// MealKinds are the meals a school may serve.
var MealKinds = []string{"breakfast", "lunch", "dinner"}

// DefaultSettings are a new school's settings: weekday windows 07:50–17:30, lunch served, default quotas.
func DefaultSettings(today time.Time) Settings {
	w := Window{In: "07:50", Out: "17:30"}
	windows, served := map[string]Window{}, map[string][]string{}
	for _, d := range weekdayKeys[1:6] {
		windows[d], served[d] = w, []string{"lunch"}
	}
	start, end := termAround(today)
	return Settings{
		Timezone: "Asia/Shanghai",
		// Location sign-in needs a fence the school has yet to draw, so a new school starts with the office QR.
		Attendance: AttendanceSettings{Methods: []string{"qr"}, MaxAccuracyM: 100, Windows: windows,
			LateGraceMin: 5, Fences: []Fence{}},
		Meals:        MealSettings{Served: served, LeaderPhotoRequired: true},
		Observations: ObservationSettings{QuotaPerTerm: map[string]int{RolePrincipal: 30, RoleLeader: 20, RoleTeacher: 10}},
		Term:         Term{Start: start, End: end},
	}
}

// termAround guesses the term containing t: autumn Sep 1 – Jan 20, spring Feb 15 – Jul 10.
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

var hhmm = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)

// Validate checks the whole document and names every field at fault.
func (st Settings) Validate() error {
	v := invalid{}
	if _, err := time.LoadLocation(st.Timezone); err != nil || st.Timezone == "" {
		v.add("timezone", "不是有效的时区，例如 Asia/Shanghai")
	}
	at := st.Attendance
	if len(at.Methods) == 0 {
		v.add("attendance.methods", "至少选择一种签到方式")
	}
	for _, m := range at.Methods {
		if m != "location" && m != "qr" {
			v.add("attendance.methods", "签到方式只能是 location 或 qr")
		}
	}
	if slices.Contains(at.Methods, "location") && len(at.Fences) == 0 {
		v.add("attendance.fences", "使用定位签到时至少设置一个签到范围")
	}
	for i, f := range at.Fences {
		key := fmt.Sprintf("attendance.fences[%d]", i)
		if f.Name == "" || len([]rune(f.Name)) > 30 {
			v.add(key+".name", "名称为 1–30 个字")
		}
		if f.Lat < 3 || f.Lat > 54 || f.Lng < 73 || f.Lng > 136 {
			v.add(key, "坐标不在中国境内（应为 GCJ-02 经纬度）")
		}
		if f.RadiusM < 10 || f.RadiusM > 5000 {
			v.add(key+".radius_m", "半径应在 10–5000 米之间")
		}
	}
	if at.MaxAccuracyM < 5 || at.MaxAccuracyM > 2000 {
		v.add("attendance.max_accuracy_m", "应在 5–2000 米之间")
	}
	for day, w := range at.Windows {
		if !slices.Contains(weekdayKeys, day) {
			v.add("attendance.windows."+day, "应为 mon/tue/wed/thu/fri/sat/sun")
			continue
		}
		if !hhmm.MatchString(w.In) || !hhmm.MatchString(w.Out) || w.In >= w.Out {
			v.add("attendance.windows."+day, "时间格式为 HH:MM，且签到早于签退")
		}
	}
	if at.LateGraceMin < 0 || at.LateGraceMin > 120 || at.EarlyGraceMin < 0 || at.EarlyGraceMin > 120 {
		v.add("attendance.late_grace_min", "宽限时间应在 0–120 分钟之间")
	}
	if at.MaxCorrectionsPerMonth != nil && (*at.MaxCorrectionsPerMonth < 0 || *at.MaxCorrectionsPerMonth > 31) {
		v.add("attendance.max_corrections_per_month", "应在 0–31 之间")
	}
	for day, meals := range st.Meals.Served {
		if !slices.Contains(weekdayKeys, day) {
			v.add("meals.served."+day, "应为 mon/tue/wed/thu/fri/sat/sun")
		}
		for _, m := range meals {
			if !slices.Contains(MealKinds, m) {
				v.add("meals.served."+day, "餐次只能是 breakfast、lunch 或 dinner")
			}
		}
	}
	for role, q := range st.Observations.QuotaPerTerm {
		if role != RolePrincipal && role != RoleLeader && role != RoleTeacher {
			v.add("observations.quota_per_term."+role, "角色应为 principal、leader 或 teacher")
		} else if q < 0 || q > 500 {
			v.add("observations.quota_per_term."+role, "应在 0–500 之间")
		}
	}
	start, err1 := time.Parse(time.DateOnly, st.Term.Start)
	end, err2 := time.Parse(time.DateOnly, st.Term.End)
	if err1 != nil || err2 != nil || end.Before(start) || end.Sub(start) > 366*24*time.Hour {
		v.add("term", "学期起止日期格式为 YYYY-MM-DD，结束不早于开始，且不超过一年")
	}
	return v.err()
}

// ParseSettings decodes a settings document strictly: unknown keys and wrong types are 400.
func ParseSettings(raw []byte) (Settings, error) {
	var st Settings
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return st, E(ErrInvalid, "invalid_argument", "设置内容格式有误："+jsonProblem(err))
	}
	return st, st.Validate()
}

// schoolInfo is a school row with its decoded settings and time zone, which most rules need.
type schoolInfo struct {
	School   model.School
	Settings Settings
	Loc      *time.Location
}

// loadSchool reads a school and decodes its settings.
func loadSchool(db *gorm.DB, schoolID string) (*schoolInfo, error) {
	var sc model.School
	if err := db.Where("id = ?", schoolID).Take(&sc).Error; err != nil {
		if model.IsNotFound(err) {
			return nil, notFound("学校")
		}
		return nil, wrapDB(err)
	}
	return schoolInfoOf(sc)
}

// shanghai is parsed once: nearly every school keeps Beijing time, and time.LoadLocation reads and parses
// the zone file on every call (a cost on every punch).
var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// zone is a school's time zone; an unknown name falls back to Beijing time.
func zone(name string) *time.Location {
	if name == "Asia/Shanghai" || name == "" {
		return shanghai
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return shanghai
}

// Today is the school's local date now.
func (si *schoolInfo) Today(now time.Time) string { return now.In(si.Loc).Format(time.DateOnly) }

// GetSettings returns the actor's school settings (any staff member).
func (s *Service) GetSettings(ctx context.Context, a *Actor) (Settings, error) {
	if err := a.requireStaff(); err != nil {
		return Settings{}, err
	}
	si, err := loadSchool(s.read(ctx), a.SchoolID)
	if err != nil {
		return Settings{}, err
	}
	return si.Settings, nil
}

// PutSettings replaces the whole settings document (principal).
func (s *Service) PutSettings(ctx context.Context, a *Actor, st Settings) (Settings, error) {
	if err := a.require(RolePrincipal); err != nil {
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
	err = s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&model.School{}).Where("id = ?", a.SchoolID).
			Updates(map[string]any{"settings": string(raw), "timezone": st.Timezone, "updated_at": s.now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		return s.audit(tx, a, a.SchoolID, ActionUpdate, "settings", a.SchoolID, st)
	})
	return st, err
}
