package notify

import (
	"context"

	"schoolcheck/service"
)

// Reminder is what one run of a reminder found for one occasion across the schools due: the messages to
// queue, and how many people or records it would have told someone about but found nobody bound to reach.
type Reminder struct {
	// Name is the reminder ("meal_unrecorded"), the first part of its messages' keys.
	Name string
	// Slot is the scheduler's slot ("2026-11-25 lunch"), for the log.
	Slot        string
	Schools     int
	Messages    []Message
	Unreachable int
}

// Remind queues a reminder's messages in one transaction — what an earlier run of the same occasion queued
// is skipped (EnqueueAll), so a run that is repeated after a crash queues nothing twice — and logs what it
// did. The drainer sends them against the recipients' consents.
func (s *Service) Remind(ctx context.Context, r Reminder) error {
	queued := 0
	if len(r.Messages) > 0 {
		if err := s.Tx(ctx, func(tx *service.Tx) error {
			var err error
			queued, err = s.EnqueueAll(tx, r.Messages)
			return err
		}); err != nil {
			return err
		}
	}
	s.Log.InfoContext(ctx, "reminder run", "reminder", r.Name, "slot", r.Slot, "schools", r.Schools,
		"messages", len(r.Messages), "queued", queued, "queued_before", len(r.Messages)-queued,
		"unreachable", r.Unreachable)
	return nil
}
