package service

import (
	"context"
	"errors"
)

// Maintain runs every periodic clean-up once. main calls it every few minutes on every instance, so each
// step must be safe to run concurrently (conditional deletes, no read-then-write races).
func (s *Service) Maintain(ctx context.Context) error {
	var errs []error
	if _, err := s.PurgeIdempotencyKeys(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := s.maintainMeals(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
