package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// BackoffRule is the login back-off: after Free failures for one username, attempts are
// refused for Base; each failure after that doubles the wait, up to Max. A count is
// forgotten 2×Max after its last failure.
type BackoffRule struct {
	Free      int
	Base, Max time.Duration
}

// Wait is how long a username with failures failures is refused after its last one.
func (r BackoffRule) Wait(failures int) time.Duration {
	over := failures - r.Free + 1 // the Free-th failure waits Base
	if over <= 0 {
		return 0
	}
	if over <= 30 && r.Base<<(over-1) < r.Max {
		return r.Base << (over - 1)
	}
	return r.Max
}

// Forget is how long after its last failure a username's count is dropped.
func (r BackoffRule) Forget() time.Duration { return 2 * r.Max }

func backoffKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// LoginBackoffUntil returns until when logins for key (a case-folded username) are refused;
// the zero time when they are not. It is the shared form of the login back-off, for nodes
// that share the database.
func (s *Store) LoginBackoffUntil(ctx context.Context, key string) (time.Time, error) {
	var until int64
	err := s.r.QueryRowContext(ctx, `SELECT until_at FROM login_backoff WHERE key = CAST(? AS BLOB)`, backoffKey(key)).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, fmt.Errorf("load login back-off: %w", err)
	}
	if t := fromMS(until); t.After(s.Now()) {
		return t, nil
	}
	return time.Time{}, nil
}

// RecordLoginFailure counts a failed login for key under rule and returns until when it is
// now refused. Concurrent failures on any node each count: the row is updated in place.
// Counts long forgotten are deleted on the way.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, rule BackoffRule) (time.Time, error) {
	now := ms(s.Now())
	forget := rule.Forget().Milliseconds()
	k := backoffKey(key)
	var until int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_backoff (key, failures, until_at, last_at) VALUES (?, 0, 0, 0)
			ON CONFLICT (key) DO NOTHING`, k); err != nil {
			return err
		}
		var failures int
		if err := tx.QueryRowContext(ctx, `UPDATE login_backoff
			SET failures = CASE WHEN ?1 - last_at > ?2 AND ?1 >= until_at THEN 1 ELSE failures + 1 END, last_at = ?1
			WHERE key = ?3 RETURNING failures`, now, forget, k).Scan(&failures); err != nil {
			return err
		}
		if w := rule.Wait(failures); w > 0 {
			until = now + w.Milliseconds()
			if _, err := tx.ExecContext(ctx, `UPDATE login_backoff SET until_at = ? WHERE key = ?`, until, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("record login failure: %w", err)
	}
	// The sweep runs on its own, after the commit: inside the transaction it would wait for
	// rows other failures hold while holding this one, and two such could deadlock.
	sweep := `DELETE FROM login_backoff WHERE last_at < ? AND until_at <= ?`
	if s.pg { // rows another sweep or failure holds are left for the next one
		sweep = `DELETE FROM login_backoff WHERE key IN (SELECT key FROM login_backoff WHERE last_at < ? AND until_at <= ? FOR UPDATE SKIP LOCKED)`
	}
	if _, err := s.exec(ctx, sweep, now-forget, now); err != nil {
		return time.Time{}, fmt.Errorf("record login failure: forget old failures: %w", err)
	}
	if until == 0 {
		return time.Time{}, nil
	}
	return fromMS(until), nil
}

// ClearLoginFailures forgets key's failures after a successful login.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	if _, err := s.exec(ctx, `DELETE FROM login_backoff WHERE key = ?`, backoffKey(key)); err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}
