package chat

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// Live authorization. A socket may stay open while authz.LiveRead allows its member's
// session, account, group and membership. Whatever can change that is written through the
// store, which announces it after commit (store.OnChange); the hub re-checks just the
// sockets a change touches, on its housekeeping goroutine. A slow periodic check of every
// socket (Options.AuthEvery) remains as a backstop for what no change announces: a session
// that simply expires, or a write made by another process or node.

// revokeQueueLen bounds the changes waiting for the housekeeping goroutine. Beyond it the
// store's writer does not wait: the hub notes that every socket must be re-checked.
const revokeQueueLen = 256

// recheckWait bounds one re-check's store query.
const recheckWait = 10 * time.Second

// followChanges registers the hub on the store's change feed.
func (h *Hub) followChanges() {
	h.revoke = make(chan store.Change, revokeQueueLen)
	h.st.OnChange(h.storeChanged)
}

// storeChanged runs on the store's writer goroutine, after commit: it only hands the
// changes that can end a socket's right to read to housekeeping, never waiting.
func (h *Hub) storeChanged(cs []store.Change) {
	for _, c := range cs {
		switch c.Kind {
		case store.ChangeSession, store.ChangeUser, store.ChangeMembership, store.ChangeGroup:
		case store.ChangeSanction:
			// A mute (or its lifting) changes what the member's page shows in place of the
			// send box; a hide's sanction names its author and costs one needless check.
			if c.UserID == 0 {
				continue // announced with its own kind when it ends anything (suspend)
			}
			if c.GroupID != 0 {
				c.Kind = store.ChangeMembership // the member in that group
			}
		default:
			continue
		}
		h.authGen.Add(1) // before the hand-over: see admit
		h.queueRecheck(c)
	}
}

// queueRecheck hands a change to housekeeping without waiting.
func (h *Hub) queueRecheck(c store.Change) {
	select {
	case h.revoke <- c:
	default:
		// The queue is full, so housekeeping will wake and see this flag after it.
		h.revokeAll.Store(true)
	}
}

// AuthGeneration counts the changes that may have revoked sockets. The upgrade handler
// reads it before it checks the member's access and passes it in Client.Checked.
func (h *Hub) AuthGeneration() uint64 { return h.authGen.Load() }

// admit closes the gap between the upgrade's access check and the socket joining its
// room: a change announced in between may have been re-checked before the socket was
// there to be found, so if any was, the new socket is re-checked too. It runs after the
// socket is in its room.
func (h *Hub) admit(c *conn) {
	if h.authGen.Load() != c.cl.Checked {
		h.queueRecheck(store.Change{Kind: store.ChangeSession, SessionID: c.cl.SessionID, UserID: c.cl.UserID})
	}
}

// affected is the set of sockets a run of changes may have revoked.
type affected struct {
	all      bool
	sessions map[int64]bool
	users    map[int64]bool
	groups   map[int64]bool
	members  map[store.MemberPair]bool
}

func (a *affected) add(c store.Change) {
	set := func(m *map[int64]bool, id int64) {
		if *m == nil {
			*m = make(map[int64]bool)
		}
		(*m)[id] = true
	}
	switch {
	case c.Kind == store.ChangeSession && c.SessionID != 0:
		set(&a.sessions, c.SessionID)
	case c.Kind == store.ChangeGroup && c.GroupID != 0:
		set(&a.groups, c.GroupID)
	case c.Kind == store.ChangeMembership && c.GroupID != 0 && c.UserID != 0:
		if a.members == nil {
			a.members = make(map[store.MemberPair]bool)
		}
		a.members[store.MemberPair{GroupID: c.GroupID, UserID: c.UserID}] = true
	case c.Kind == store.ChangeMembership && c.GroupID != 0:
		set(&a.groups, c.GroupID)
	case c.UserID != 0: // a user's change, or a session or membership change known only by its user
		set(&a.users, c.UserID)
	default: // an id the change should name is 0: not known, so everything
		a.all = true
	}
}

// onlyRooms reports whether the changes name groups alone, so only those rooms need looking at.
func (a *affected) onlyRooms() bool {
	return !a.all && len(a.sessions) == 0 && len(a.users) == 0
}

func (a *affected) match(c *conn) bool {
	return a.all || a.sessions[c.cl.SessionID] || a.users[c.cl.UserID] || a.groups[c.cl.GroupID] ||
		a.members[store.MemberPair{GroupID: c.cl.GroupID, UserID: c.cl.UserID}]
}

// revoked re-checks the sockets that the change first and whatever else is queued may
// have revoked. It runs on the housekeeping goroutine.
func (h *Hub) revoked(first store.Change) {
	var a affected
	a.add(first)
drain:
	for {
		select {
		case c := <-h.revoke:
			a.add(c)
		default:
			break drain
		}
	}
	if h.revokeAll.Swap(false) {
		a.all = true
	}
	var conns []*conn
	if a.onlyRooms() {
		for id := range a.groups {
			conns = h.roomConns(id, conns)
		}
		for p := range a.members {
			if !a.groups[p.GroupID] {
				conns = h.roomConns(p.GroupID, conns)
			}
		}
	} else {
		conns = h.snapshot()
	}
	conns = slicesFilter(conns, a.match)
	if len(conns) > 0 {
		h.recheck(conns)
	}
}

// roomConns appends the sockets of one room to out.
func (h *Hub) roomConns(groupID int64, out []*conn) []*conn {
	r := h.room(groupID, false)
	if r == nil {
		return out
	}
	r.mu.RLock()
	for c := range r.conns {
		out = append(out, c)
	}
	r.mu.RUnlock()
	return out
}

func slicesFilter(cs []*conn, keep func(*conn) bool) []*conn {
	out := cs[:0]
	for _, c := range cs {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// recheck asks the policy, with the store's current facts, whether each socket may stay
// open, and closes those that may not.
func (h *Hub) recheck(conns []*conn) {
	ctx, cancel := context.WithTimeout(h.ctx, recheckWait)
	defer cancel()
	actors := make([]store.Actor, 0, len(conns))
	index := make(map[store.Actor]int, len(conns))
	for _, c := range conns {
		a := store.Actor{SessionID: c.cl.SessionID, UserID: c.cl.UserID, GroupID: c.cl.GroupID}
		if _, ok := index[a]; !ok {
			index[a] = len(actors)
			actors = append(actors, a)
		}
	}
	standings, err := h.st.Standings(ctx, actors)
	if err != nil {
		if h.ctx.Err() == nil {
			h.log.Warn("chat: re-check sockets", "sockets", len(conns), "err", err)
		}
		return
	}
	for _, c := range conns {
		a := store.Actor{SessionID: c.cl.SessionID, UserID: c.cl.UserID, GroupID: c.cl.GroupID}
		st := standings[index[a]]
		switch err := authz.LiveRead(st); {
		case err == nil:
			h.refresh(c, st)
		case errors.Is(err, authz.ErrNoSession), errors.Is(err, authz.ErrNoAccount):
			c.close(websocket.ClosePolicyViolation, reasonSession)
		default:
			c.close(websocket.ClosePolicyViolation, reasonGone)
		}
	}
}

// refresh brings an open socket in line with its member's standing, read just now: whether
// they moderate the group (a demoted moderator's socket stops receiving moderators' frames
// and stops opening a facilitated room at once, with no reconnect), and what stands in
// place of their send box (muted, room locked), sent to the page when it changed. It runs
// on the housekeeping goroutine.
func (h *Hub) refresh(c *conn, st store.Standing) {
	s := authz.Subject{User: st.User, Membership: st.Membership}
	mod := authz.Moderate(s, *st.Group) == nil
	if c.mod.Swap(mod) != mod {
		h.setModerator(c, mod)
		if b, err := h.frames.Role(mod); err == nil {
			c.offer(&outFrame{Frame: &Frame{Data: b}})
		} else {
			h.log.Error("chat: render role", "group", c.cl.GroupID, "err", err)
		}
	}
	r := authz.Compose(st)
	if r != nil && r.Kind == authz.RestrictMuted && !r.Until.IsZero() {
		c.expires.Store(r.Until.UnixMilli())
		h.noteExpiry(r.Until.UnixMilli())
	} else {
		c.expires.Store(0)
	}
	key := ComposeKey(r)
	c.cmu.Lock()
	same := key == c.compose
	c.compose = key
	c.cmu.Unlock()
	if same {
		return
	}
	b, err := h.frames.Compose(c.cl.GroupID, r)
	if err != nil {
		h.log.Error("chat: render compose", "group", c.cl.GroupID, "err", err)
		return
	}
	c.offer(&outFrame{Frame: &Frame{Data: b}})
}

// ComposeKey names what stands in place of a send box, so a socket is told only when it
// changes: "" for the send box itself.
func ComposeKey(r *authz.Restriction) string {
	if r == nil {
		return ""
	}
	return r.Kind + "|" + strconv.FormatInt(r.Until.UnixMilli(), 10) + "|" + r.Reason
}

// setModerator records that c's member now moderates the group, or no longer does, in
// the room's presence: a facilitated room opens or closes with the next presence update.
func (h *Hub) setModerator(c *conn, mod bool) {
	r := h.room(c.cl.GroupID, false)
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.online[c.cl.UserID]; p != nil && p.moderator != mod {
		p.moderator, r.dirty = mod, true
	}
}

// noteExpiry remembers the earliest moment a socket's restriction ends on its own.
func (h *Hub) noteExpiry(at int64) {
	for {
		cur := h.nextExpiry.Load()
		if cur != 0 && cur <= at {
			return
		}
		if h.nextExpiry.CompareAndSwap(cur, at) {
			return
		}
	}
}

// expire re-checks the sockets whose restriction (a mute) has ended by the store's clock,
// so their send box comes back without anyone acting. It runs with the presence flush.
func (h *Hub) expire() {
	next := h.nextExpiry.Load()
	if next == 0 || h.st.Now().UnixMilli() < next {
		return
	}
	h.nextExpiry.Store(0)
	now := h.st.Now().UnixMilli()
	var due []*conn
	for _, c := range h.snapshot() {
		switch e := c.expires.Load(); {
		case e == 0:
		case e <= now:
			due = append(due, c)
		default:
			h.noteExpiry(e)
		}
	}
	if len(due) > 0 {
		h.recheck(due)
	}
}
