// Package jobs is the scheduler: named jobs that modules hand to it (each module's Jobs), run once per slot
// across every instance of the server. A slot is taken by inserting its lease row (job, school, slot) — the
// primary key makes that atomic — and held until the lease expires; a finished slot is marked done, so a
// restart never runs it again, and a holder that died leaves a lease another instance takes over. A job of
// the whole server has one slot per interval; a per-school job has the occasions of each school's day in its
// local time (a reminder at 13:30 on a school day), and an occasion that is already over when the
// scheduler gets to it (after downtime) is skipped, never run late. A per-school job may take the slots of
// every school due at once (RunAll), so that one pass costs a few statements per occasion, not per school.
package jobs

import (
	"context"
	"time"

	"schoolcheck/service/school"
)

// Job is one kind of scheduled work.
type Job struct {
	// Name identifies the job in the lease rows and the logs ("photos.sweep", "meals.unrecorded").
	Name string
	// Every makes a job of the whole server: one run per interval of this length, across all instances.
	Every time.Duration
	// Occasions makes a per-school job: the occasions of one school's day (plan), given the school. The
	// scheduler runs each one once between its At and its Until.
	Occasions func(si *school.Info, day school.DayPlan) []Occasion
	// Run does the work of one slot. It may run again for the same slot if an instance died midway, so it
	// must be idempotent (reminders queue outbox messages with a key per occasion).
	Run func(ctx context.Context, slot Slot) error
	// RunAll, for a per-school job, is used instead of Run: it does the work of every school's slot that one
	// pass found due under the same key (one date and occasion, "2026-11-25 lunch"), in one call, so that a
	// reminder asks the database once for all the schools due at that minute rather than once per school.
	// The slots are leased together (a slot another instance holds is left out) and finished together: when
	// RunAll fails they are all released, and a later pass runs them again while they are due, so it must be
	// idempotent as Run is.
	RunAll func(ctx context.Context, slots []Slot) error
	// Lease is how long a slot is held before another instance may take it over (default 10 minutes).
	Lease time.Duration
}

// Occasion is one per-school slot of a day: Key names it within the day ("lunch", "16:30"), At is when it
// becomes due and Until when it is over.
type Occasion struct {
	Key       string
	At, Until time.Time
}

// Slot is what a run is about.
type Slot struct {
	Job string
	// Key is the slot's name in the lease row: "2026-11-25 lunch", or the interval's start for a job of the
	// whole server.
	Key string
	// At and Until bound the slot.
	At, Until time.Time
	// School and Day are set for per-school jobs.
	School *school.Info
	Day    school.DayPlan
	// Occasion is the per-school occasion's own key ("lunch").
	Occasion string
}

// BySchool indexes slots by their school's id.
func BySchool(slots []Slot) map[string]Slot {
	out := make(map[string]Slot, len(slots))
	for _, s := range slots {
		out[s.School.School.ID] = s
	}
	return out
}

// Least is the smallest of a per-school setting over the slots' schools (0 for none): the first cut of a
// query over many schools that each school's own setting then refines.
func Least(slots []Slot, setting func(*school.Info) int) int {
	least := 0
	for i, s := range slots {
		if v := setting(s.School); i == 0 || v < least {
			least = v
		}
	}
	return least
}

// SchoolIDs are the ids of the slots' schools, in order, for a RunAll's queries.
func SchoolIDs(slots []Slot) []string {
	ids := make([]string, len(slots))
	for i, s := range slots {
		ids[i] = s.School.School.ID
	}
	return ids
}
