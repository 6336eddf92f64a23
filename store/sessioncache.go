package store

import (
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Every logged-in request looks its session up by token. The session cache answers repeat
// lookups from memory, and stays exact for this process: every write to users or sessions
// made through the Store announces a Change after it commits (changes.go), which bumps gen, and an entry filled under an older
// generation is never used. A lookup reads the generation before it queries, so a fill that
// races a write is stored under the old generation and dropped.
//
// Writes the Store does not make (`hearth user role` from another process, and later another
// Hearth node) are seen within sessionCacheTTL, the longest an entry is used. A cluster that
// needs them at once must publish invalidations through its broker.
const (
	sessionCacheTTL  = 2 * time.Second
	sessionCacheSize = 10_000
)

type sessionCache struct {
	gen     atomic.Uint64
	entries *lru.Cache[string, sessionEntry]
}

type sessionEntry struct {
	sess   Session
	user   User
	gen    uint64
	filled time.Time // wall clock of the process, not the store's (test) clock
}

func newSessionCache() *sessionCache {
	c, err := lru.New[string, sessionEntry](sessionCacheSize)
	if err != nil {
		panic(err) // only for a size <= 0
	}
	return &sessionCache{entries: c}
}

// get returns a usable entry for the token hash, if there is one.
func (c *sessionCache) get(tokenHash []byte, now time.Time) (Session, User, bool) {
	e, ok := c.entries.Get(string(tokenHash))
	if !ok || e.gen != c.gen.Load() || time.Since(e.filled) > sessionCacheTTL || !e.sess.ExpiresAt.After(now) {
		return Session{}, User{}, false
	}
	return e.sess, e.user, true
}

// put stores what a lookup that started at generation gen found.
func (c *sessionCache) put(tokenHash []byte, gen uint64, sess Session, u User) {
	c.entries.Add(string(tokenHash), sessionEntry{sess: sess, user: u, gen: gen, filled: time.Now()})
}

// changed marks every entry stale.
func (c *sessionCache) changed() { c.gen.Add(1) }

// follow is the cache's listener on the Store's change feed: any change to a session, an
// account or a member's sanctions (the lookup carries "a notice waits") makes every entry
// stale.
func (c *sessionCache) follow(cs []Change) {
	for _, ch := range cs {
		if ch.Kind == ChangeSession || ch.Kind == ChangeUser || ch.Kind == ChangeSanction {
			c.changed()
			return
		}
	}
}
