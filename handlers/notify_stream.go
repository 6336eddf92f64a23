package handlers

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

// The bell is live on every open page through one Server-Sent Events stream per tab
// (/notifications/stream), not a second websocket hub: the server only ever says "your
// unread count is now N", so a plain HTTP response that stays open is enough, and the
// browser's EventSource reconnects by itself. The notifier is fed by the store's change
// feed (ChangeNotification), so every writer that notifies reaches the bell without
// knowing about it.
type notifier struct {
	mu   sync.Mutex
	subs map[int64]map[chan struct{}]struct{} // user id -> one wake-up channel per stream
	// ends is closed for a user when their session or account changed: streams re-check.
	ends map[int64]map[chan struct{}]struct{}
}

func newNotifier() *notifier {
	return &notifier{subs: map[int64]map[chan struct{}]struct{}{}, ends: map[int64]map[chan struct{}]struct{}{}}
}

// subscribe registers a stream of userID; wake rings when their notifications change, end
// when their sessions or account changed.
func (n *notifier) subscribe(userID int64) (wake, end chan struct{}, cancel func()) {
	wake, end = make(chan struct{}, 1), make(chan struct{}, 1)
	n.mu.Lock()
	if n.subs[userID] == nil {
		n.subs[userID], n.ends[userID] = map[chan struct{}]struct{}{}, map[chan struct{}]struct{}{}
	}
	n.subs[userID][wake], n.ends[userID][end] = struct{}{}, struct{}{}
	n.mu.Unlock()
	return wake, end, func() {
		n.mu.Lock()
		delete(n.subs[userID], wake)
		delete(n.ends[userID], end)
		if len(n.subs[userID]) == 0 {
			delete(n.subs, userID)
			delete(n.ends, userID)
		}
		n.mu.Unlock()
	}
}

// follow is the change feed listener: it only rings, never blocks.
func (n *notifier) follow(changes []store.Change) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, ch := range changes {
		var set map[int64]map[chan struct{}]struct{}
		switch ch.Kind {
		case store.ChangeNotification, store.ChangeMembership, store.ChangeGroup:
			set = n.subs
			if ch.Kind != store.ChangeNotification {
				ch.UserID = 0 // may hide notifications of anyone
			}
		case store.ChangeSession, store.ChangeUser:
			set = n.ends
		default:
			continue
		}
		for uid, chans := range set {
			if ch.UserID != 0 && uid != ch.UserID {
				continue
			}
			for c := range chans {
				select {
				case c <- struct{}{}:
				default: // already rung
				}
			}
		}
	}
}

// notifyHeartbeat keeps proxies from closing an idle stream.
const notifyHeartbeat = 25 * time.Second

// NotificationStream is the live bell: an event "unread" with the member's unread count,
// at once and whenever it changes. It ends when the member's session ends.
func (h *Handler) NotificationStream(c echo.Context) error {
	u, sess := currentUser(c), currentSession(c)
	ctx := c.Request().Context()
	wake, end, cancel := h.notes.subscribe(u.ID)
	defer cancel()
	c.Set(ctxLongLived, true)
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set(echo.HeaderCacheControl, "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	last := -1
	send := func() error {
		n, err := h.store.UnreadCount(ctx, u.ID)
		if err != nil {
			return err
		}
		if n != last {
			last = n
			if _, err := fmt.Fprintf(w, "event: unread\ndata: %d\n\n", n); err != nil {
				return err
			}
			w.Flush()
		}
		return nil
	}
	if err := send(); err != nil {
		return nil // the client went away, or the count failed: EventSource retries
	}
	beat := time.NewTicker(notifyHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-h.streamsDone:
			return nil // the server is stopping: EventSource reconnects to the next one
		case <-wake:
			if err := send(); err != nil {
				return nil
			}
		case <-end:
			if alive, err := h.store.SessionsAlive(ctx, []int64{sess.ID}); err != nil || !alive[sess.ID] {
				return nil // logged out or ended: the stream ends with the session
			}
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
			w.Flush()
		}
	}
}
