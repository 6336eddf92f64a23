package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

// The word filter's "hold": a held message waits in the /mod queue (the filter filed a
// report on it) and on its author's group page, and nowhere else, until a moderator
// approves it (it joins the room live) or rejects it (its text is deleted). Who may decide
// is who may hide it (authz.Hide through modMessage); both decisions are audited.

// ModApprove releases a held message to its room, live.
func (h *Handler) ModApprove(c echo.Context) error {
	return h.decideMessage(c, messageDecision{write: h.store.ApproveHeld, refusal: heldError,
		live: h.chat.MessageApproved, done: "Approved. The message is in the room now."})
}

// ModReject deletes a held message's text; the room never sees it, and the author is told.
func (h *Handler) ModReject(c echo.Context) error {
	return h.decideMessage(c, messageDecision{reasonRequired: true, write: h.store.RejectHeld, refusal: heldError,
		done: "Rejected. The text is deleted; the author sees why.", next: "/mod"})
}

func heldError(err error) error {
	if errors.Is(err, store.ErrNotHeld) {
		return &Error{Code: http.StatusConflict, Message: "This message is not waiting for review (any more).", Err: err}
	}
	return modError(err)
}
