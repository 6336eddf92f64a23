package store

import "context"

// DeleteUserForTest deletes an account row outright, as account deletion will, so tests can
// check what cascades from it.
func (s *Store) DeleteUserForTest(ctx context.Context, id int64) error {
	defer s.auth.changed()
	_, err := s.w.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)
	return err
}
