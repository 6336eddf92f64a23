package chat

import (
	"errors"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Refusals of actions a member takes too quickly, shown to them as is.
var (
	ErrReactSlowDown = errors.New("You're reacting very quickly. Please wait a moment and try again.")
	ErrEditSlowDown  = errors.New("You're changing messages very quickly. Please wait a moment and try again.")
)

// memberLimits is a token bucket per member for one kind of action, shared by all of the
// member's sockets and tabs. The clock is the hub's (Options.Now), so tests can hold time
// still and count exactly.
type memberLimits struct {
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu sync.Mutex
	m  map[int64]*rate.Limiter
}

func newMemberLimits(r rate.Limit, burst int, now func() time.Time) *memberLimits {
	return &memberLimits{rate: r, burst: burst, now: now, m: make(map[int64]*rate.Limiter)}
}

// allow takes one token of the member's bucket, reporting false when it is empty.
func (l *memberLimits) allow(userID int64) bool {
	l.mu.Lock()
	lim := l.m[userID]
	if lim == nil {
		lim = rate.NewLimiter(l.rate, l.burst)
		l.m[userID] = lim
	}
	l.mu.Unlock()
	return lim.AllowN(l.now(), 1)
}

// prune forgets the buckets of members who are not active and whose bucket is full again,
// so the map does not grow with every member who ever acted.
func (l *memberLimits) prune(active map[int64]bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, lim := range l.m {
		if !active[id] && lim.TokensAt(now) >= float64(l.burst) {
			delete(l.m, id)
		}
	}
}

// limits are the hub's per-member rate limits.
type limits struct {
	sends, reactions, edits *memberLimits
}

// newLimits fills in the defaults of the limit options and builds the buckets.
func newLimits(opt *Options) limits {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	def := func(r *rate.Limit, b *int, dr rate.Limit, db int) {
		if *r <= 0 {
			*r = dr
		}
		if *b <= 0 {
			*b = db
		}
	}
	def(&opt.SendRate, &opt.SendBurst, 1, 5)
	def(&opt.ReactRate, &opt.ReactBurst, 5, 10)
	def(&opt.EditRate, &opt.EditBurst, 1, 5)
	return limits{
		sends:     newMemberLimits(opt.SendRate, opt.SendBurst, opt.Now),
		reactions: newMemberLimits(opt.ReactRate, opt.ReactBurst, opt.Now),
		edits:     newMemberLimits(opt.EditRate, opt.EditBurst, opt.Now),
	}
}

func (l limits) prune(active map[int64]bool) {
	l.sends.prune(active)
	l.reactions.prune(active)
	l.edits.prune(active)
}

// AllowReaction takes one of the member's reaction tokens (a toggle, on or off); false
// means they must slow down (ErrReactSlowDown).
func (h *Hub) AllowReaction(userID int64) bool { return h.limits.reactions.allow(userID) }

// AllowEdit takes one of the member's tokens for changing their messages (an edit or a
// removal); false means they must slow down (ErrEditSlowDown).
func (h *Hub) AllowEdit(userID int64) bool { return h.limits.edits.allow(userID) }
