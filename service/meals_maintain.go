package service

import (
	"context"
	"errors"
)

// maintainMeals is the meals module's part of Maintain: delete photos no record took within a day, and
// moderate feedback stored while WeChat was down. Both are safe on several instances at once.
func (s *Service) maintainMeals(ctx context.Context) error {
	_, err1 := s.SweepPhotos(ctx)
	_, err2 := s.RecheckModeration(ctx)
	return errors.Join(err1, err2)
}
