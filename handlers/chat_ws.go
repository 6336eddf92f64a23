package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/handlers/chat"
)

// newUpgrader keeps idle sockets small: small per-connection read buffers, and write
// buffers borrowed from a pool only while a frame is being written. The write buffer holds
// several coalesced messages (a rendered message is 1-3 KB), so a busy connection's queue
// usually goes out in one write(2) rather than one per 4 KB.
func newUpgrader() websocket.Upgrader {
	return websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 16 << 10,
		WriteBufferPool: &sync.Pool{},
		// ChatSocket checks the Origin itself before upgrading.
		CheckOrigin: func(*http.Request) bool { return true },
	}
}

// ChatSocket upgrades a member's request to the group's live chat socket. It checks
// membership (a private group's outsider gets the usual 404) and that the page asking is
// Hearth's own (Origin), hands the socket to the hub and returns.
func (h *Handler) ChatSocket(c echo.Context) error {
	checked := h.chat.AuthGeneration() // before the check: see chat.Client.Checked
	gc, err := h.loadGroup(c, authz.ReadGroup)
	if err != nil {
		return err
	}
	r := c.Request()
	if !h.sameOrigin(r) {
		return &Error{Code: http.StatusForbidden, Message: "The live chat only accepts connections from Hearth's own pages."}
	}
	after, ok := chat.ParseAfter(c.QueryParam("after"))
	if !ok {
		return &Error{Code: http.StatusBadRequest, Message: "after must be a message sequence number."}
	}
	var end int64
	if after < 0 {
		// Where the socket starts if the page sends no resume frame: the end as of now,
		// before the client can see the socket open and expect what it sends next.
		if end, err = h.store.LastSeq(r.Context(), gc.g.ID); err != nil {
			return internal(fmt.Errorf("load the group's last message: %w", err))
		}
	}
	restriction, err := h.compose(c, gc)
	if err != nil {
		return err
	}
	ws, err := h.upgrader.Upgrade(c.Response(), r, nil)
	if err != nil {
		// The upgrader has answered the client already.
		requestLogger(c, h.log).Warn("websocket upgrade", "err", err)
		return nil
	}
	sess := currentSession(c)
	err = h.chat.Attach(ws, chat.Client{UserID: gc.user.ID, SessionID: sess.ID, DisplayName: gc.user.DisplayName,
		GroupID: gc.g.ID, After: after, End: end, IP: c.RealIP(), Checked: checked, Moderator: gc.may(authz.Moderate),
		Compose: chat.ComposeKey(restriction)})
	var tooMany *chat.TooManySocketsError
	if errors.As(err, &tooMany) {
		// Refused after the upgrade with close code 1008 and a reason (handlers/chat/doc.go).
		requestLogger(c, h.log).Warn("chat socket refused", "cap", tooMany.Cap)
	}
	return nil
}

// sameOrigin reports whether the request's Origin is Hearth's base URL (or, with no base
// URL configured, the request's own host). A missing Origin is refused: browsers always
// send one on websocket requests.
func (h *Handler) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get(echo.HeaderOrigin)
	if origin == "" {
		return false
	}
	if u, err := url.Parse(origin); err == nil && u.Scheme == h.cfg.BaseURL.Scheme && u.Host == h.cfg.BaseURL.Host {
		return true
	}
	return h.sameHostOrigin(origin, r)
}
