package handlers

import (
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/hearth-community/hearth/store"
)

// historyCache keeps each group's newest history page rendered: every page view of a group
// shows it. It is exact for this process and has one invalidation path, the store's change
// feed (chatFrames.follow): a change to a group's messages moves that group's generation,
// a change to an account (renamed, deleted with all its words) moves the epoch of every
// group. An entry is used only under the generation and epoch read before its messages
// were loaded, so a fill that races a change is stored stale-marked and never served.
type historyCache struct {
	pages *lru.Cache[int64, cachedHistory]

	mu    sync.RWMutex
	gens  map[int64]uint64 // by group id
	epoch uint64
}

// historyGen is the position of the change feed a page was loaded at.
type historyGen struct{ epoch, group uint64 }

type cachedHistory struct {
	gen historyGen
	hd  historyData
}

func newHistoryCache(size int) *historyCache {
	pages, err := lru.New[int64, cachedHistory](size)
	if err != nil {
		panic(err) // only for a size <= 0
	}
	return &historyCache{pages: pages, gens: map[int64]uint64{}}
}

// gen reads where the change feed stands for a group. Read it before loading.
func (c *historyCache) gen(groupID int64) historyGen {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return historyGen{epoch: c.epoch, group: c.gens[groupID]}
}

// get returns the group's newest page if nothing changed since it was loaded (and the
// group kept its address, which the page's links carry).
func (c *historyCache) get(g store.Group) (historyData, bool) {
	e, ok := c.pages.Get(g.ID)
	if !ok || e.gen != c.gen(g.ID) || e.hd.Slug != g.Slug {
		return historyData{}, false
	}
	return e.hd, true
}

// put keeps a page loaded after gen was read.
func (c *historyCache) put(groupID int64, gen historyGen, hd historyData) {
	c.pages.Add(groupID, cachedHistory{gen: gen, hd: hd})
}

// follow moves generations for committed changes; the entries they outdate are dropped
// too, so erased words do not even stay in memory.
func (c *historyCache) follow(cs []store.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range cs {
		switch ch.Kind {
		case store.ChangeMessage, store.ChangeNewMessages, store.ChangeGroup:
			if ch.GroupID == 0 {
				c.epoch++
				c.pages.Purge()
				continue
			}
			c.gens[ch.GroupID]++
			c.pages.Remove(ch.GroupID)
		case store.ChangeUser:
			c.epoch++
			c.pages.Purge()
		case store.ChangeResource:
			// A resource's card may be on any group's page. A change that names a member
			// (helped, toolkit) alters nothing a card shows.
			if ch.UserID == 0 {
				c.epoch++
				c.pages.Purge()
			}
		}
	}
}

// follow is the chat renderer's listener on the store's change feed: the one path by
// which its caches (newest history pages, rendered messages, group addresses) learn of
// changes. It runs after each commit, on the writer's goroutine, and only drops entries.
func (f *chatFrames) follow(cs []store.Change) {
	f.latest.follow(cs)
	for _, ch := range cs {
		switch ch.Kind {
		case store.ChangeGroup:
			f.forget(ch.GroupID)
		case store.ChangeMessage:
			f.cache.Remove(ch.MessageID)
			f.variants.Remove(variantKey{ch.MessageID, "mod"})
			f.variants.Remove(variantKey{ch.MessageID, "own"})
		case store.ChangeResource:
			if ch.UserID == 0 {
				f.forgetResource(ch.ResourceID)
			}
		case store.ChangeUser:
			for _, id := range f.cache.Keys() {
				if e, ok := f.cache.Peek(id); ok && (ch.UserID == 0 || e.author == ch.UserID) {
					f.cache.Remove(id)
				}
			}
			for _, k := range f.variants.Keys() {
				if e, ok := f.variants.Peek(k); ok && (ch.UserID == 0 || e.author == ch.UserID) {
					f.variants.Remove(k)
				}
			}
		}
	}
}
