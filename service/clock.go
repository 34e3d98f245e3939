package service

import (
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// shanghai is parsed once: nearly every school keeps Beijing time, and time.LoadLocation reads and parses
// the zone file on every call (a cost on every punch).
var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// Beijing is Asia/Shanghai, the default school time zone.
func Beijing() *time.Location { return shanghai }

// Zone is a school's time zone by name; an empty or unknown name is Beijing time.
func Zone(name string) *time.Location {
	if name == "Asia/Shanghai" || name == "" {
		return shanghai
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return shanghai
}

// LocalDate is t's date in loc, "YYYY-MM-DD".
func LocalDate(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// DayEnd is when a local date ends in loc: the midnight that starts the next day (zero time if date does
// not parse).
func DayEnd(date string, loc *time.Location) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		return time.Time{}
	}
	return time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
}

// At is the wall-clock time "HH:MM" of date in loc (zero time if either does not parse).
func At(date, hhmm string, loc *time.Location) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", date+" "+hhmm, loc)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Local is a time as the API shows it: in the school's zone (so with its offset, never "Z") and in whole
// seconds — "2026-11-25T09:00:00+08:00", one format for every timestamp of every response.
func Local(t time.Time, loc *time.Location) time.Time { return t.In(loc).Truncate(time.Second) }

// InZone is Local for an optional time (nil stays nil).
func InZone(t *time.Time, loc *time.Location) *time.Time {
	if t == nil {
		return nil
	}
	l := Local(*t, loc)
	return &l
}

// SchoolZone is the time zone of a school, Beijing time when the id is empty or unknown: for the timestamps
// of what belongs to an account rather than to a school (a login's expiry, subscribe-message consents),
// shown in the zone of the school the request acts in.
func SchoolZone(db *gorm.DB, schoolID string) *time.Location {
	if schoolID == "" {
		return shanghai
	}
	var tz []string
	if err := db.Model(&model.School{}).Where("id = ?", schoolID).Limit(1).Pluck("timezone", &tz).Error; err != nil || len(tz) == 0 {
		return shanghai
	}
	return Zone(tz[0])
}
