package handlers

import (
	"html/template"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/hearth-community/hearth/store"
)

// boardCache keeps each group's goal board loaded and its cards rendered: a board of 200
// goals costs milliseconds to read and render, and every viewer sees the same board. Like
// the history cache it has one invalidation path, the store's change feed (follow): a goal
// change, a membership change (an owner who leaves takes their goals off) and a group
// change move that group's generation; a change to an account (renamed, deleted) moves
// every group's epoch. An entry is used only under the generation read before its load,
// and only until the first instant one of its goals' "days of progress" changes
// (goalsValidUntil), so the count is exact without a reload per view.
type boardCache struct {
	boards *lru.Cache[int64, cachedBoard]

	mu    sync.RWMutex
	gens  map[int64]uint64
	epoch uint64
}

type boardGen struct{ epoch, group uint64 }

type cachedBoard struct {
	gen   boardGen
	until time.Time // zero: no running goal, the entry does not age
	slug  string
	goals []goalCard
	feed  []store.GoalEvent
	cards template.HTML
	// feedHTML is feed rendered.
	feedHTML template.HTML
}

func newBoardCache(size int) *boardCache {
	b, err := lru.New[int64, cachedBoard](size)
	if err != nil {
		panic(err) // only for a size <= 0
	}
	return &boardCache{boards: b, gens: map[int64]uint64{}}
}

func (c *boardCache) gen(groupID int64) boardGen {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return boardGen{epoch: c.epoch, group: c.gens[groupID]}
}

func (c *boardCache) get(g store.Group, now time.Time) (cachedBoard, bool) {
	e, ok := c.boards.Get(g.ID)
	if !ok || e.gen != c.gen(g.ID) || (!e.until.IsZero() && !now.Before(e.until)) || e.slug != g.Slug {
		return cachedBoard{}, false
	}
	return e, true
}

// goalsValidUntil is when the first of gs' "days of progress" read at now changes (zero:
// never).
func goalsValidUntil(gs []store.Goal, now time.Time) time.Time {
	var until time.Time
	for _, g := range gs {
		if t := g.DaysChangeAt(now); !t.IsZero() && (until.IsZero() || t.Before(until)) {
			until = t
		}
	}
	return until
}

func (c *boardCache) put(groupID int64, e cachedBoard) { c.boards.Add(groupID, e) }

// follow is the change feed listener.
func (c *boardCache) follow(changes []store.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range changes {
		switch ch.Kind {
		case store.ChangeGoal, store.ChangeMembership, store.ChangeGroup:
			if ch.GroupID == 0 {
				if ch.Kind != store.ChangeGoal {
					c.epoch++ // not said which group
				}
				continue
			}
			c.gens[ch.GroupID]++
		case store.ChangeUser:
			c.epoch++
		}
	}
}
