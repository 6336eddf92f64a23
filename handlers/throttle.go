package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hearth-community/hearth/store"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// clientNet is the key the per-client limits count under: an IPv4 address as it is, an
// IPv6 address by its /64, because one household or server usually holds a whole /64 and
// would otherwise get a fresh bucket for every address in it.
func clientNet(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// globalLimit allows perMinute requests per minute across the whole site, with a burst of
// the same size. Registration uses it: a per-client limit alone lets anyone with many
// addresses ask "is this username taken?" as often as they like. Time is the store's clock,
// so tests move it without sleeping.
func (h *Handler) globalLimit(perMinute int, message string) echo.MiddlewareFunc {
	lim := rate.NewLimiter(rate.Limit(float64(perMinute)/60), perMinute)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !lim.AllowN(h.store.Now(), 1) {
				c.Response().Header().Set("Retry-After", "60")
				return &Error{Code: http.StatusTooManyRequests, Message: message}
			}
			return next(c)
		}
	}
}

// Login back-off defaults: after loginFreeFailures failures for one username, attempts for
// it are refused for loginBaseDelay; each failure after that doubles the delay, up to
// loginMaxDelay. A success resets it.
const (
	loginFreeFailures = 5
	loginBaseDelay    = 30 * time.Second
	loginMaxDelay     = 15 * time.Minute
	// maxBackoffAccounts bounds the memory one flood of guesses can take (about 100 bytes
	// per username).
	maxBackoffAccounts = 100_000
)

// loginBackoff slows password guessing against one account from many addresses, on top of
// the per-client limit. It is keyed by the username as typed (case-folded), whether or not
// such an account exists, and is consulted before the account is looked up, so its answer
// tells nothing about which usernames exist.
//
// The price is that anyone can make a member wait up to loginMaxDelay by failing on their
// username; the cap keeps that short, and the member's other sessions are untouched.
// State is in memory: a restart forgets it, which only gives an attacker a fresh start of
// loginFreeFailures attempts.
type loginBackoff struct {
	now        func() time.Time
	free       int
	base, max  time.Duration
	mu         sync.Mutex
	accounts   map[string]*backoffEntry
	lastSweep  time.Time
	sweepEvery time.Duration
}

type backoffEntry struct {
	failures int
	until    time.Time // refused before this
	last     time.Time // last failure, for forgetting
}

func newLoginBackoff(now func() time.Time) *loginBackoff {
	return &loginBackoff{
		now: now, free: loginFreeFailures, base: loginBaseDelay, max: loginMaxDelay,
		accounts: map[string]*backoffEntry{}, sweepEvery: time.Minute,
	}
}

func backoffKey(username string) string { return strings.ToLower(strings.TrimSpace(username)) }

// backoffs is the login back-off's state: loginBackoff keeps it in memory for one node,
// sharedBackoff in the database for nodes that share it.
type backoffs interface {
	// wait returns how long attempts for username are still refused; 0 means try.
	wait(ctx context.Context, username string) time.Duration
	// fail records a failed attempt for username.
	fail(ctx context.Context, username string)
	// succeed forgets the failures of username.
	succeed(ctx context.Context, username string)
}

func (b *loginBackoff) rule() store.BackoffRule {
	return store.BackoffRule{Free: b.free, Base: b.base, Max: b.max}
}

// wait returns how long attempts for username are still refused; 0 means try.
func (b *loginBackoff) wait(_ context.Context, username string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.accounts[backoffKey(username)]
	if e == nil {
		return 0
	}
	if d := e.until.Sub(b.now()); d > 0 {
		return d
	}
	return 0
}

// fail records a failed attempt for username.
func (b *loginBackoff) fail(_ context.Context, username string) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(now)
	k := backoffKey(username)
	e := b.accounts[k]
	if e == nil {
		if len(b.accounts) >= maxBackoffAccounts {
			return // under a flood of made-up usernames the per-client limits still hold
		}
		e = &backoffEntry{}
		b.accounts[k] = e
	}
	if now.Sub(e.last) > b.forget() && !now.Before(e.until) {
		e.failures = 0 // a failure long ago no longer counts
	}
	e.failures++
	e.last = now
	if d := b.rule().Wait(e.failures); d > 0 {
		e.until = now.Add(d)
	}
}

// forget is how long after its last failure a username's count is dropped.
func (b *loginBackoff) forget() time.Duration { return b.rule().Forget() }

// succeed forgets the failures of username.
func (b *loginBackoff) succeed(_ context.Context, username string) {
	b.mu.Lock()
	delete(b.accounts, backoffKey(username))
	b.mu.Unlock()
}

// sweep forgets usernames whose last failure is long past, at most once per sweepEvery,
// so guessing many usernames cannot grow the map without end. Caller holds mu.
func (b *loginBackoff) sweep(now time.Time) {
	if now.Sub(b.lastSweep) < b.sweepEvery {
		return
	}
	b.lastSweep = now
	for k, e := range b.accounts {
		if now.Sub(e.last) > b.forget() && !now.Before(e.until) {
			delete(b.accounts, k)
		}
	}
}

// sharedBackoff is the login back-off kept in the database, so every node sharing it
// counts the same failures: a guesser spreading attempts over the nodes gains nothing. A
// database error lets the attempt through (the per-client limits still hold) and is logged.
type sharedBackoff struct {
	st   *store.Store
	rule store.BackoffRule
	log  *slog.Logger
}

func (b *sharedBackoff) wait(ctx context.Context, username string) time.Duration {
	until, err := b.st.LoginBackoffUntil(ctx, backoffKey(username))
	if err != nil {
		b.log.ErrorContext(ctx, "login back-off", "err", err)
		return 0
	}
	if until.IsZero() {
		return 0
	}
	return until.Sub(b.st.Now())
}

func (b *sharedBackoff) fail(ctx context.Context, username string) {
	if _, err := b.st.RecordLoginFailure(ctx, backoffKey(username), b.rule); err != nil {
		b.log.ErrorContext(ctx, "login back-off", "err", err)
	}
}

func (b *sharedBackoff) succeed(ctx context.Context, username string) {
	if err := b.st.ClearLoginFailures(ctx, backoffKey(username)); err != nil {
		b.log.ErrorContext(ctx, "login back-off", "err", err)
	}
}

// errLoginBackoff is the refusal while a username is backed off; the same words whether the
// account exists or not.
func errLoginBackoff(c echo.Context, wait time.Duration) error {
	secs := int(wait.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return &Error{Code: http.StatusTooManyRequests,
		Message: "There have been too many unsuccessful attempts to log in to this account. For its safety, please wait a few minutes and try again."}
}
