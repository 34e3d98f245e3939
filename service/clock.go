package service

import (
	"time"
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

// InZone shows an optional time in a school's zone (nil stays nil).
func InZone(t *time.Time, loc *time.Location) *time.Time {
	if t == nil {
		return nil
	}
	l := t.In(loc)
	return &l
}
