package store

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// LogLimiter logs a kind of failure at most once per interval. A failure that repeats for
// every request (a full disk refusing every message) would otherwise write a line per
// request; the next line that gets through carries how many were held back.
type LogLimiter struct {
	log   *slog.Logger
	every time.Duration
	now   func() time.Time

	mu    sync.Mutex
	kinds map[string]*logKind
}

type logKind struct {
	last       time.Time
	suppressed int
}

// NewLogLimiter logs through log at most one line per kind per every (10 s if zero). now is
// the clock, time.Now if nil.
func NewLogLimiter(log *slog.Logger, every time.Duration, now func() time.Time) *LogLimiter {
	if every <= 0 {
		every = 10 * time.Second
	}
	if now == nil {
		now = time.Now
	}
	return &LogLimiter{log: log, every: every, now: now, kinds: make(map[string]*logKind)}
}

// Error logs msg at level Error unless a line of the same kind went out less than the
// interval ago; then it only counts it. It reports whether it logged.
func (l *LogLimiter) Error(ctx context.Context, kind, msg string, args ...any) bool {
	return l.Log(ctx, slog.LevelError, kind, msg, args...)
}

// Log is Error at any level.
func (l *LogLimiter) Log(ctx context.Context, level slog.Level, kind, msg string, args ...any) bool {
	now := l.now()
	l.mu.Lock()
	k := l.kinds[kind]
	if k == nil {
		k = &logKind{}
		l.kinds[kind] = k
	}
	if !k.last.IsZero() && now.Sub(k.last) < l.every {
		k.suppressed++
		l.mu.Unlock()
		return false
	}
	suppressed := k.suppressed
	k.last, k.suppressed = now, 0
	l.mu.Unlock()
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	l.log.Log(ctx, level, msg, args...)
	return true
}

// ErrBatchNotCommitted is for the message committer to wrap into every sender's error when
// its batch's transaction fails. The committer logs that failure once (through a
// LogLimiter), so the chat, seeing errors.Is(err, ErrBatchNotCommitted), need not log it a
// second time per message.
var ErrBatchNotCommitted = errors.New("message batch not committed")
