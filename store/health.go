package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hearth-community/hearth/store/postgres"
	"github.com/mattn/go-sqlite3"
)

// ErrNotWritable is wrapped by WriteHealth when the database refuses writes.
var ErrNotWritable = errors.New("database not writable")

// healthProbeEvery is how old the latest write outcome may be before WriteHealth writes a
// probe of its own: a busy server answers from its real writes, an idle one costs one tiny
// write every few seconds of health checks.
const healthProbeEvery = 5 * time.Second

// writeHealth remembers how the latest write through InTx ended. A read answers while the
// disk is full, so a health check that only reads stays green while every message is
// refused.
type writeHealth struct {
	mu    sync.Mutex
	at    time.Time // when the latest outcome was recorded; zero: none yet
	err   error     // the latest outcome: nil for a commit, else the storage failure
	probe sync.Mutex
}

// record notes a write's outcome. Failures that say nothing about the storage (a unique
// name taken, a cancelled request) are not outcomes.
func (h *writeHealth) record(now time.Time, err error) {
	if err != nil && !isStorageFailure(err) {
		return
	}
	h.mu.Lock()
	h.at, h.err = now, err
	h.mu.Unlock()
}

func (h *writeHealth) latest() (time.Time, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.at, h.err
}

// isStorageFailure reports whether err means the database could not be written: the disk
// is full, the file or directory became read-only, an I/O error, or the write lock stayed
// taken past the busy timeout.
func isStorageFailure(err error) bool {
	if postgres.StorageFailure(err) {
		return true
	}
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case sqlite3.ErrFull, sqlite3.ErrIoErr, sqlite3.ErrReadonly, sqlite3.ErrCantOpen, sqlite3.ErrCorrupt,
		sqlite3.ErrNotADB, sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrPerm:
		return true
	}
	return false
}

// WriteHealth returns nil when the latest write committed and an error wrapping
// ErrNotWritable when it failed for a storage reason. When no write has ended in the last
// few seconds it first commits a probe, a rewrite of the database header's user_version
// (one page into the WAL, no table needed).
func (s *Store) WriteHealth(ctx context.Context) error {
	at, _ := s.health.latest()
	if at.IsZero() || s.now().Sub(at) >= healthProbeEvery {
		// One probe at a time; a check arriving meanwhile reads the outcome it leaves.
		s.health.probe.Lock()
		if at2, _ := s.health.latest(); at2.Equal(at) {
			_ = s.InTx(ctx, func(tx *sql.Tx) error {
				if s.pg { // a transaction id makes the commit write to the server's WAL
					_, err := tx.ExecContext(ctx, `SELECT txid_current()`)
					return err
				}
				var v int64
				if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v))
				return err
			})
		}
		s.health.probe.Unlock()
	}
	if _, err := s.health.latest(); err != nil {
		return fmt.Errorf("%w: %w", ErrNotWritable, err)
	}
	return nil
}

// exec runs one write statement on the writer connection outside a transaction and
// records its outcome for WriteHealth, as InTx does for transactions.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := s.w.ExecContext(ctx, query, args...)
	s.health.record(s.now(), err)
	return res, err
}
