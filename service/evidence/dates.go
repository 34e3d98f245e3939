package evidence

import (
	"fmt"
	"time"

	"schoolcheck/service"
)

// BackDays is how far back a record of the day (a meal, a phone check) may still be filed: records are kept
// on the day, with a week's grace for one that was missed.
const BackDays = 7

// CheckDate refuses a record's date after the school's today or more than BackDays before it (422 too_late).
// Both are local "YYYY-MM-DD" dates; what names the record in the messages ("陪餐").
func CheckDate(date, today, what string) error {
	t, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return fmt.Errorf("evidence: today %q: %w", today, err)
	}
	switch {
	case date > today:
		return service.Rule("too_late", "不能记录今天以后的"+what)
	case date < t.AddDate(0, 0, -BackDays).Format(time.DateOnly):
		return service.Rule("too_late", fmt.Sprintf("只能补记最近 %d 天内的%s", BackDays, what))
	}
	return nil
}
