package handlers

import (
	"context"
	"strings"
	"sync"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// mentions tells members they were mentioned in chat. The chat hands it every committed
// batch (chat.Options.Committed) in memory, so finding mentions costs no read of the
// messages: a message without an @name is passed over at once, and only the few that name
// someone are looked up, on a goroutine of its own, to notify the members of the group so
// named (never a non-member, never the author). Held messages notify nobody. A message
// removed later (ChangeMessage, from the change feed) is taken out of the notifications.
type mentions struct {
	h       *Handler
	mu      sync.Mutex
	pending []store.Message // committed messages that name someone, not yet looked at
	gone    map[int64]bool  // messages changed (perhaps removed) not yet looked at
	wake    chan struct{}
	ctx     context.Context
	stop    context.CancelFunc
	done    chan struct{}
}

// mentionQueue bounds the messages waiting to be looked at; beyond it the newest wait for
// the next round rather than grow memory (a burst of mentions is rare: it can only lose
// notifications, never messages).
const mentionQueue = 4096

func newMentions(h *Handler) *mentions {
	ctx, stop := context.WithCancel(context.Background())
	m := &mentions{h: h, gone: map[int64]bool{}, wake: make(chan struct{}, 1), ctx: ctx, stop: stop, done: make(chan struct{})}
	go m.run()
	return m
}

// committed takes note of a batch's messages that name someone. It runs in the chat's
// committer: a scan for '@' and an append, nothing more.
func (m *mentions) committed(msgs []store.Message) {
	rang := false
	for _, msg := range msgs {
		if msg.Held || !strings.Contains(msg.Body, "@") {
			continue
		}
		m.mu.Lock()
		if len(m.pending) < mentionQueue {
			m.pending = append(m.pending, msg)
			rang = true
		}
		m.mu.Unlock()
	}
	if rang {
		m.ring()
	}
}

// follow is the change feed listener: it notes changed messages and rings.
func (m *mentions) follow(changes []store.Change) {
	rang := false
	for _, ch := range changes {
		if ch.Kind == store.ChangeMessage && ch.MessageID != 0 {
			m.mu.Lock()
			m.gone[ch.MessageID] = true
			m.mu.Unlock()
			rang = true
		}
	}
	if rang {
		m.ring()
	}
}

func (m *mentions) ring() {
	select {
	case m.wake <- struct{}{}:
	default:
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
		pending, gone := m.pending, m.gone
		m.pending, m.gone = nil, map[int64]bool{}
		m.mu.Unlock()
		// A removed message takes its mention out of the notifications.
		for id := range gone {
			if err := m.h.store.ForgetMessageNotices(m.ctx, id); err != nil && m.ctx.Err() == nil {
				m.h.log.Warn("forget mention notifications", "message", id, "err", err)
			}
		}
		for _, msg := range pending {
			if err := m.notify(msg); err != nil && m.ctx.Err() == nil {
				m.h.log.Warn("notify mentions", "group", msg.GroupID, "err", err)
			}
		}
	}
}

// notify tells the members a message names.
func (m *mentions) notify(msg store.Message) error {
	names := views.Mentions(msg.Body)
	if len(names) == 0 {
		return nil
	}
	ids, err := m.h.store.MembersNamed(m.ctx, msg.GroupID, names)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := m.h.store.Notify(m.ctx, store.Notice{UserID: id, Kind: store.NoticeMention, GroupID: msg.GroupID,
			ActorID: msg.AuthorID, MessageID: msg.ID}); err != nil {
			return err
		}
	}
	return nil
}
