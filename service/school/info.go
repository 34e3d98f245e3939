package school

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
)

// Info is a school row with its decoded settings and time zone, which most rules need.
type Info struct {
	School   model.School
	Settings Settings
	Loc      *time.Location
}

// Load reads a school and decodes its settings; an unknown id is 404.
func Load(db *gorm.DB, schoolID string) (*Info, error) {
	var sc model.School
	if err := db.Where("id = ?", schoolID).Take(&sc).Error; err != nil {
		if model.IsNotFound(err) {
			return nil, service.NotFound("学校")
		}
		return nil, service.WrapDB(err)
	}
	return InfoOf(sc)
}

// decoded keeps each school's decoded settings, by school id, for as long as its stored document is the
// same: every punch, meal and report reads its school's row, and decoding the settings document was a tenth
// of a punch's CPU (and most of a scheduler pass over a city). The decoded settings are shared between
// callers, which only read them. One entry per school.
var decoded sync.Map // school id → decodedInfo

type decodedInfo struct {
	settings string
	created  time.Time
	info     *Info
}

// InfoOf decodes a school row's settings and time zone. A document stored by an older version lacks the
// newer sections: they take their defaults.
func InfoOf(sc model.School) (*Info, error) {
	if v, ok := decoded.Load(sc.ID); ok {
		if d := v.(decodedInfo); d.settings == sc.Settings && d.created.Equal(sc.CreatedAt) {
			si := *d.info
			si.School = sc
			return &si, nil
		}
	}
	si, err := decodeInfo(sc)
	if err != nil {
		return nil, err
	}
	decoded.Store(sc.ID, decodedInfo{settings: sc.Settings, created: sc.CreatedAt, info: si})
	return si, nil
}

// decodeInfo is InfoOf without the cache.
func decodeInfo(sc model.School) (*Info, error) {
	// One decode: the sections an older document may lack are pointers here, defaulted only when absent.
	var doc struct {
		Settings
		Phones    *PhoneSettings    `json:"phones"`
		Reminders *ReminderSettings `json:"reminders"`
	}
	if err := json.Unmarshal([]byte(sc.Settings), &doc); err != nil {
		return nil, fmt.Errorf("school %s settings: %w", sc.ID, err)
	}
	st := doc.Settings
	if doc.Phones == nil || doc.Reminders == nil {
		def := DefaultSettings(sc.CreatedAt)
		st.Phones, st.Reminders = def.Phones, def.Reminders
	}
	if doc.Phones != nil {
		st.Phones = *doc.Phones
	}
	if doc.Reminders != nil {
		st.Reminders = *doc.Reminders
	}
	return &Info{School: sc, Settings: st, Loc: service.Zone(st.Timezone)}, nil
}

// Today is the school's local date at now.
func (si *Info) Today(now time.Time) string { return service.LocalDate(now, si.Loc) }

// Ref names the school in a response.
func (si *Info) Ref() service.Ref { return service.Ref{ID: si.School.ID, Name: si.School.Name} }

// Opened is the local date the school was created in schoolcheck: no record, duty or absence exists before.
func (si *Info) Opened() string { return service.LocalDate(si.School.CreatedAt, si.Loc) }

// Horizon is the span of dates that a plan can be made or asked for at now — a calendar day, a meal duty,
// a leave: a year either side of today, widened to the whole current term. Anything outside it is a
// typing mistake (a leave to 9999-12-31, a holiday in 2062).
func (si *Info) Horizon(now time.Time) (from, to string) {
	local := now.In(si.Loc)
	from, to = local.AddDate(-1, 0, 0).Format(time.DateOnly), local.AddDate(1, 0, 0).Format(time.DateOnly)
	if t := si.Settings.Term; t.Start != "" && t.End != "" {
		from, to = min(from, t.Start), max(to, t.End)
	}
	return from, to
}
