package chat

import (
	"context"
	"errors"
	"slices"

	"github.com/hearth-community/hearth/store"
)

// Hooks for the cluster broker (package cluster). On a single node none of this runs:
// Options.Relay is nil and no room has remote presence. With a broker, the node publishes
// what its own hub raises and repeats here what the other nodes raised:
//
//   - new messages: the broker publishes each committed batch (Options.Committed) and the
//     other nodes hand it to RemoteCommitted (or RemoteRange without the messages), which
//     renders and fans it out exactly like a local batch; the broker's Publisher puts the
//     frames of both in sequence order;
//   - a changed, approved or reacted-to message and typing: Relay, then ApplyRelayed;
//   - presence: LocalPresence out, SetRemotePresence in;
//   - after a gap in what the broker delivered: Refresh.

// RelayKind names a live event a handler or socket raised on one node.
type RelayKind string

// The relayed events.
const (
	RelayChanged    RelayKind = "changed"   // MessageChanged
	RelayApproved   RelayKind = "approved"  // MessageApproved
	RelayReactions  RelayKind = "reactions" // ReactionsChanged
	RelayTyping     RelayKind = "typing"
	RelayStopTyping RelayKind = "stop-typing"
)

// Relayed is one live event for the other nodes: the message it concerns (its rendering
// is read again from the shared store there), or who is typing.
type Relayed struct {
	Kind      RelayKind `json:"kind"`
	GroupID   int64     `json:"group"`
	MessageID int64     `json:"message,omitempty"`
	UserID    int64     `json:"user,omitempty"`
	Name      string    `json:"name,omitempty"`
}

func (h *Hub) relay(kind RelayKind, m store.Message) {
	if h.opt.Relay != nil {
		h.opt.Relay(Relayed{Kind: kind, GroupID: m.GroupID, MessageID: m.ID})
	}
}

// ApplyRelayed does here what another node's hub did for ev, without relaying it again.
// A message event reads the message from the store, so every node renders what was
// committed. Events of a room nobody here has open are passed over.
func (h *Hub) ApplyRelayed(ctx context.Context, ev Relayed) error {
	if !h.HasRoom(ev.GroupID) {
		return nil
	}
	switch ev.Kind {
	case RelayTyping:
		h.setTyping(ev.GroupID, ev.UserID, ev.Name)
		return nil
	case RelayStopTyping:
		h.clearTyping(ev.GroupID, ev.UserID)
		return nil
	}
	m, err := h.st.MessageByID(ctx, ev.MessageID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // gone since (erased): nothing to show
	}
	if err != nil {
		return err
	}
	if m.GroupID != ev.GroupID {
		return nil
	}
	switch ev.Kind {
	case RelayChanged:
		h.messageChanged(m)
	case RelayApproved:
		h.messageApproved(m)
	case RelayReactions:
		h.reactionsChanged(m)
	}
	return nil
}

// RemoteCommitted fans out messages another node committed, in sequence order, like the
// local committer's batches (the mention notifications and the broker do not see them).
func (h *Hub) RemoteCommitted(msgs []store.Message) {
	if len(msgs) > 0 {
		h.fanOut(msgs)
	}
}

// RemoteRange announces that a group's messages first..last were committed on another
// node without handing them over: each socket of the room loads them from the store.
func (h *Hub) RemoteRange(groupID, first, last int64) {
	h.fan.mu.RLock()
	defer h.fan.mu.RUnlock()
	if h.fan.closed || first > last || first <= 0 {
		return
	}
	s := h.shardOf(groupID)
	s.miss(groupID, first, last)
	select {
	case s.q <- fanItem{group: groupID}:
	default: // full: the shard looks at what it missed after each item
	}
}

// HasRoom reports whether a socket of the group is open on this node.
func (h *Hub) HasRoom(groupID int64) bool {
	r := h.room(groupID, false)
	if r == nil {
		return false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.conns) > 0
}

// LiveGroups returns the groups with an open socket on this node.
func (h *Hub) LiveGroups() []int64 {
	h.mu.RLock()
	rooms := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.RUnlock()
	var ids []int64
	for _, r := range rooms {
		r.mu.RLock()
		if len(r.conns) > 0 {
			ids = append(ids, r.id)
		}
		r.mu.RUnlock()
	}
	slices.Sort(ids)
	return ids
}

// Present is a member who has a group's room open.
type Present struct {
	UserID    int64  `json:"id"`
	Name      string `json:"name"`
	Moderator bool   `json:"mod,omitempty"`
}

// LocalPresence returns who has each room open on this node (rooms nobody has open are
// left out), each list sorted by user id.
func (h *Hub) LocalPresence() map[int64][]Present {
	h.mu.RLock()
	rooms := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.RUnlock()
	out := make(map[int64][]Present)
	for _, r := range rooms {
		r.mu.RLock()
		if len(r.online) > 0 {
			ps := make([]Present, 0, len(r.online))
			for id, p := range r.online {
				ps = append(ps, Present{UserID: id, Name: p.name, Moderator: p.moderator})
			}
			out[r.id] = ps
		}
		r.mu.RUnlock()
	}
	for _, ps := range out {
		slices.SortFunc(ps, func(a, b Present) int { return int(a.UserID - b.UserID) })
	}
	return out
}

// SetRemotePresence replaces who has each room open on the other nodes (merged already
// across them); a room whose list changed sends its presence again with the next flush.
// Online, FacilitatorHere and the presence frames count these members with the local ones.
func (h *Hub) SetRemotePresence(groups map[int64][]Present) {
	for id := range groups {
		h.room(id, true)
	}
	h.mu.RLock()
	rooms := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.RUnlock()
	for _, r := range rooms {
		ps := groups[r.id]
		var next map[int64]*presence
		if len(ps) > 0 {
			next = make(map[int64]*presence, len(ps))
			for _, p := range ps {
				q := next[p.UserID]
				if q == nil {
					q = &presence{name: p.Name}
					next[p.UserID] = q
				}
				q.count++
				q.moderator = q.moderator || p.Moderator
			}
		}
		r.mu.Lock()
		if !samePresence(r.remote, next) {
			r.remote, r.dirty = next, true
		}
		r.mu.Unlock()
	}
}

func samePresence(a, b map[int64]*presence) bool {
	if len(a) != len(b) {
		return false
	}
	for id, p := range a {
		q := b[id]
		if q == nil || q.name != p.name || q.moderator != p.moderator {
			return false
		}
	}
	return true
}

// Refresh sends the room's newest messages (up to n) again as changed messages, so what
// another node edited, removed, hid or reacted to while this node missed its events is
// brought up to date on every open page. Older messages a page shows stay as they were
// until it reloads.
func (h *Hub) Refresh(ctx context.Context, groupID int64, n int) error {
	if !h.HasRoom(groupID) {
		return nil
	}
	msgs, err := h.st.MessagesBefore(ctx, groupID, 0, n)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		h.messageChanged(m)
	}
	return nil
}
