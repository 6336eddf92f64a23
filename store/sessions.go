package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Session is a server-side login session. The browser holds an opaque random token; the
// database keeps only its SHA-256, so a copy of the database cannot be used to log in.
type Session struct {
	ID         int64
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	UserAgent  string
	IP         string
}

// CreateSession records a new session for userID.
func (s *Store) CreateSession(ctx context.Context, userID int64, tokenHash []byte, ttl time.Duration, userAgent, ip string) (Session, error) {
	now := s.Now()
	sess := Session{UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(ttl), UserAgent: userAgent, IP: ip}
	res, err := s.insertRowHealth(ctx, `
		INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, user_agent, ip)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		tokenHash, userID, ms(now), ms(now), ms(sess.ExpiresAt), userAgent, ip)
	if err != nil {
		return Session{}, fmt.Errorf("create session: %w", err)
	}
	if sess.ID, err = res.LastInsertId(); err != nil {
		return Session{}, fmt.Errorf("create session: %w", err)
	}
	return sess, nil
}

const sessionByTokenSQL = `
	SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.user_agent, s.ip,
	       u.id, u.username, u.display_name, u.email, u.password_hash, u.role, u.created_at,
	       COALESCE(p.cw_open, 0),
	       EXISTS (SELECT 1 FROM sanctions x WHERE x.user_id = u.id AND x.seen_at IS NULL)
	FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN member_prefs p ON p.user_id = u.id
	WHERE s.token_hash = CAST(? AS BLOB) AND s.expires_at > ?`

// SessionByToken returns the unexpired session with the given token hash and its user.
// Repeat lookups are answered from the session cache (sessioncache.go).
func (s *Store) SessionByToken(ctx context.Context, tokenHash []byte) (Session, User, error) {
	now := s.Now()
	if sess, u, ok := s.auth.get(tokenHash, now); ok {
		return sess, u, nil
	}
	gen := s.auth.gen.Load()
	var sess Session
	var u User
	var created, seen, expires, userCreated int64
	err := s.r.QueryRowContext(ctx, sessionByTokenSQL, tokenHash, ms(now)).Scan(
		&sess.ID, &sess.UserID, &created, &seen, &expires, &sess.UserAgent, &sess.IP,
		&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.PasswordHash, &u.Role, &userCreated, &u.Prefs.CWOpen, &u.UnseenSanctions)
	if err != nil {
		return Session{}, User{}, notFound(err, "load session")
	}
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
	u.CreatedAt = fromMS(userCreated)
	s.auth.put(tokenHash, gen, sess, u)
	return sess, u, nil
}

// TouchSession records activity on a session and slides its expiry.
func (s *Store) TouchSession(ctx context.Context, id int64, ttl time.Duration) error {
	defer s.announce(Change{Kind: ChangeSession, SessionID: id})
	now := s.Now()
	if _, err := s.exec(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?`,
		ms(now), ms(now.Add(ttl)), id); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// ListSessions returns a member's unexpired sessions, most recently used first.
func (s *Store) ListSessions(ctx context.Context, userID int64) ([]Session, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT id, user_id, created_at, last_seen_at, expires_at, user_agent, ip
		FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC, id DESC`,
		userID, ms(s.Now()))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var sess Session
		var created, seen, expires int64
		if err := rows.Scan(&sess.ID, &sess.UserID, &created, &seen, &expires, &sess.UserAgent, &sess.IP); err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
		out = append(out, sess)
	}
	return out, rows.Err()
}

// DeleteSession ends one of a member's sessions. It returns ErrNotFound when the session
// does not exist or belongs to someone else, so ids of other members' sessions reveal nothing.
func (s *Store) DeleteSession(ctx context.Context, userID, sessionID int64) error {
	defer s.announce(Change{Kind: ChangeSession, SessionID: sessionID, UserID: userID})
	res, err := s.exec(ctx, `DELETE FROM sessions WHERE id = ? AND user_id = ?`, sessionID, userID)
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their expiry and returns how many went.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	defer s.announce(Change{Kind: ChangeSession}) // which ones is not known: every session is re-checked
	res, err := s.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, ms(s.Now()))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// SessionsAlive returns which of the given session ids still exist and are unexpired. The
// live chat uses it to drop sockets whose session was ended elsewhere.
func (s *Store) SessionsAlive(ctx context.Context, ids []int64) (map[int64]bool, error) {
	alive := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return alive, nil
	}
	rows, err := s.r.QueryContext(ctx, `
		SELECT id FROM sessions WHERE expires_at > ? AND id IN (SELECT value FROM json_each(CAST(? AS TEXT)))`,
		ms(s.Now()), int64sJSON(ids))
	if err != nil {
		return nil, fmt.Errorf("check live sessions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("check live sessions: %w", err)
		}
		alive[id] = true
	}
	return alive, rows.Err()
}

func int64sJSON(ids []int64) string {
	b := make([]byte, 0, len(ids)*6+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%d", id)
	}
	return string(append(b, ']'))
}

// SetPassword replaces a member's password hash and ends every session but keep (the one
// making the change), in one transaction. It returns the ids of the sessions it ended.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string, keep int64) ([]int64, error) {
	var ended []int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		ended = ended[:0] // afresh if InTx runs this again
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		rows, err := tx.QueryContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id != ? RETURNING id`, userID, keep)
		if err != nil {
			return fmt.Errorf("set password: end other sessions: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("set password: end other sessions: %w", err)
			}
			ended = append(ended, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	changes := []Change{{Kind: ChangeUser, UserID: userID}}
	for _, id := range ended {
		changes = append(changes, Change{Kind: ChangeSession, SessionID: id, UserID: userID})
	}
	s.announce(changes...)
	return ended, nil
}
