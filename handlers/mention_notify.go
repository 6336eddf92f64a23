package handlers

import (
	"context"
	"sync"
	"time"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// mentions tells members they were mentioned in chat. It follows the change feed
// (ChangeNewMessages) rather than the chat's connections, so the chat itself knows nothing
// of it: after a batch of messages commits, a goroutine of its own loads the group's new
// messages, finds the @names, and notifies the members of the group so named (never a
// non-member, never the author). Messages written before Hearth started are not looked at.
// A message removed later (ChangeMessage) is taken out of the notifications again.
type mentions struct {
	h      *Handler
	start  time.Time
	mu     sync.Mutex
	groups map[int64]bool // groups with new messages not yet looked at
	gone   map[int64]bool // messages changed (perhaps removed) not yet looked at
	last   map[int64]int64
	wake   chan struct{}
	ctx    context.Context
	stop   context.CancelFunc
	done   chan struct{}
}

func newMentions(h *Handler) *mentions {
	ctx, stop := context.WithCancel(context.Background())
	m := &mentions{h: h, start: h.store.Now(), groups: map[int64]bool{}, gone: map[int64]bool{}, last: map[int64]int64{},
		wake: make(chan struct{}, 1), ctx: ctx, stop: stop, done: make(chan struct{})}
	go m.run()
	return m
}

// follow is the change feed listener: it only notes the group and rings.
func (m *mentions) follow(changes []store.Change) {
	rang := false
	for _, ch := range changes {
		switch {
		case ch.Kind == store.ChangeNewMessages && ch.GroupID != 0:
			m.mu.Lock()
			m.groups[ch.GroupID] = true
			m.mu.Unlock()
		case ch.Kind == store.ChangeMessage && ch.MessageID != 0:
			m.mu.Lock()
			m.gone[ch.MessageID] = true
			m.mu.Unlock()
		default:
			continue
		}
		rang = true
	}
	if rang {
		select {
		case m.wake <- struct{}{}:
		default:
		}
	}
}

func (m *mentions) close() {
	m.stop()
	<-m.done
}

func (m *mentions) run() {
	defer close(m.done)
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-m.wake:
		}
		m.mu.Lock()
		groups, gone := m.groups, m.gone
		m.groups, m.gone = map[int64]bool{}, map[int64]bool{}
		m.mu.Unlock()
		// A removed message takes its mention out of the notifications.
		for id := range gone {
			if err := m.h.store.ForgetMessageNotices(m.ctx, id); err != nil && m.ctx.Err() == nil {
				m.h.log.Warn("forget mention notifications", "message", id, "err", err)
			}
		}
		for g := range groups {
			if err := m.scan(g); err != nil && m.ctx.Err() == nil {
				m.h.log.Warn("notify mentions", "group", g, "err", err)
			}
		}
	}
}

// scan notifies the mentions in a group's messages after the last one looked at.
func (m *mentions) scan(groupID int64) error {
	last, ok := m.last[groupID]
	if !ok {
		var err error
		if last, err = m.h.store.SeqBefore(m.ctx, groupID, m.start); err != nil {
			return err
		}
	}
	for {
		msgs, err := m.h.store.MessagesAfter(m.ctx, groupID, last, 200)
		if err != nil {
			return err
		}
		for _, msg := range msgs {
			last = msg.Seq
			if msg.Deleted() {
				continue
			}
			names := views.Mentions(msg.Body)
			if len(names) == 0 {
				continue
			}
			ids, err := m.h.store.MembersNamed(m.ctx, groupID, names)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if err := m.h.store.Notify(m.ctx, store.Notice{UserID: id, Kind: store.NoticeMention, GroupID: groupID, ActorID: msg.AuthorID, MessageID: msg.ID}); err != nil {
					return err
				}
			}
		}
		m.last[groupID] = last
		if len(msgs) < 200 {
			return nil
		}
	}
}
