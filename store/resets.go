package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PasswordReset is a one-time link to set a new password, for a member who forgot theirs:
// Hearth sends no e-mail, so an admin (or `hearth user password NAME`) makes the link and
// hands it over. The database keeps only the SHA-256 of the link's token.
type PasswordReset struct {
	ID        int64
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Why a reset link no longer works. Both are "gone" to the member; the handler words them.
var (
	ErrResetUsed    = errors.New("password reset link already used or replaced")
	ErrResetExpired = errors.New("password reset link expired")
)

// keepSpentResets is how long a used or expired link is kept, so that opening it again
// says "used" or "expired" rather than "not found" for a while.
const keepSpentResets = 7 * 24 * time.Hour

// CreatePasswordReset stores a reset link for userID, valid for ttl. The member's earlier
// unused links stop working: only the newest one does. Links spent more than
// keepSpentResets ago are removed on the way.
func (s *Store) CreatePasswordReset(ctx context.Context, userID int64, tokenHash []byte, ttl time.Duration) (PasswordReset, error) {
	now := s.Now()
	r := PasswordReset{UserID: userID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one); err != nil {
			return notFound(err, "create password reset: load user")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM password_resets WHERE expires_at < ?1 AND coalesce(used_at, 0) < ?1`,
			ms(now.Add(-keepSpentResets))); err != nil {
			return fmt.Errorf("create password reset: remove old links: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL`,
			ms(now), userID); err != nil {
			return fmt.Errorf("create password reset: end earlier links: %w", err)
		}
		res, err := insertRow(ctx, tx, `
			INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			tokenHash, userID, ms(now), ms(r.ExpiresAt))
		if err != nil {
			return fmt.Errorf("create password reset: %w", err)
		}
		r.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return PasswordReset{}, err
	}
	return r, nil
}

// checkReset loads the link with tokenHash and its member, and says whether it still works.
func (s *Store) checkReset(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, tokenHash []byte) (PasswordReset, User, error) {
	var r PasswordReset
	var created, expires int64
	var used sql.NullInt64
	var userID int64
	err := q.QueryRowContext(ctx, `SELECT id, user_id, created_at, expires_at, used_at FROM password_resets
		WHERE token_hash = CAST(? AS BLOB)`, tokenHash).Scan(&r.ID, &userID, &created, &expires, &used)
	if err != nil {
		return PasswordReset{}, User{}, notFound(err, "load password reset")
	}
	r.UserID, r.CreatedAt, r.ExpiresAt = userID, fromMS(created), fromMS(expires)
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, userID))
	if err != nil {
		return PasswordReset{}, User{}, notFound(err, "load password reset: load user")
	}
	switch {
	case used.Valid:
		return r, u, ErrResetUsed
	case !s.Now().Before(r.ExpiresAt):
		return r, u, ErrResetExpired
	}
	return r, u, nil
}

// PasswordResetByToken returns the reset link with tokenHash and its member. A link that
// does not exist is ErrNotFound; one used or replaced is ErrResetUsed; one past its
// expiry is ErrResetExpired.
func (s *Store) PasswordResetByToken(ctx context.Context, tokenHash []byte) (PasswordReset, User, error) {
	return s.checkReset(ctx, s.r, tokenHash)
}

// UsePasswordReset sets a new password through a reset link. In one transaction it checks
// the link still works (the errors of PasswordResetByToken), marks it used, replaces the
// password hash and ends every session of the member, so two uses of one link cannot
// both succeed and nobody who had the old password stays logged in. It returns the member
// and the ids of the sessions it ended, and announces them like SetPassword.
func (s *Store) UsePasswordReset(ctx context.Context, tokenHash []byte, hash string) (User, []int64, error) {
	var u User
	var ended []int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		ended = ended[:0] // afresh if InTx runs this again
		r, user, err := s.checkReset(ctx, tx, tokenHash)
		if err != nil {
			return err
		}
		u = user
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = ? WHERE id = ?`, ms(s.Now()), r.ID); err != nil {
			return fmt.Errorf("use password reset: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, u.ID); err != nil {
			return fmt.Errorf("use password reset: set password: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `DELETE FROM sessions WHERE user_id = ? RETURNING id`, u.ID)
		if err != nil {
			return fmt.Errorf("use password reset: end sessions: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("use password reset: end sessions: %w", err)
			}
			ended = append(ended, id)
		}
		return rows.Err()
	})
	if err != nil {
		return User{}, nil, err
	}
	u.PasswordHash = hash
	changes := []Change{{Kind: ChangeUser, UserID: u.ID}}
	for _, id := range ended {
		changes = append(changes, Change{Kind: ChangeSession, SessionID: id, UserID: u.ID})
	}
	s.announce(changes...)
	return u, ended, nil
}
