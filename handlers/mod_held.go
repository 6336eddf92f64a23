package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

// The word filter's "hold": a held message waits in the /mod queue (the filter filed a
// report on it) and on its author's group page, and nowhere else, until a moderator
// approves it (it joins the room live) or rejects it (its text is deleted). Who may decide
// is who may hide it (authz.Hide through modMessage); both decisions are audited.

// ModApprove releases a held message to its room, live.
func (h *Handler) ModApprove(c echo.Context) error {
	_, m, reportID, err := h.modMessage(c)
	if err != nil {
		return err
	}
	reason, err := readReason(c, "reason", false)
	if err != nil {
		return err
	}
	m, err = h.store.ApproveHeld(c.Request().Context(), store.Action{ModeratorID: currentUser(c).ID, Reason: reason, ReportID: reportID}, m.ID)
	if err != nil {
		return heldError(err)
	}
	h.chat.MessageApproved(m)
	return h.modDone(c, "Approved. The message is in the room now.", "/mod/messages/"+strconv.FormatInt(m.ID, 10))
}

// ModReject deletes a held message's text; the room never sees it, and the author is told.
func (h *Handler) ModReject(c echo.Context) error {
	_, m, reportID, err := h.modMessage(c)
	if err != nil {
		return err
	}
	reason, err := readReason(c, "reason", true)
	if err != nil {
		return err
	}
	if _, err = h.store.RejectHeld(c.Request().Context(), store.Action{ModeratorID: currentUser(c).ID, Reason: reason, ReportID: reportID}, m.ID); err != nil {
		return heldError(err)
	}
	return h.modDone(c, "Rejected. The text is deleted; the author sees why.", "/mod")
}

func heldError(err error) error {
	if errors.Is(err, store.ErrNotHeld) {
		return &Error{Code: http.StatusConflict, Message: "This message is not waiting for review (any more).", Err: err}
	}
	return modError(err)
}
