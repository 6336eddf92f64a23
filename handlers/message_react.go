package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/store"
)

// MessageReact adds or takes back the member's supportive reaction; counts update live, as
// a small frame of that message's counts. Toggles are rate-limited per member.
func (h *Handler) MessageReact(c echo.Context) error {
	gc, m, err := h.loadMessage(c, authz.Post, false)
	if err != nil {
		return err
	}
	kind := c.FormValue("kind")
	if !store.ValidReaction(kind) {
		return &Error{Code: http.StatusBadRequest, Message: "That reaction is not available."}
	}
	if !h.chat.AllowReaction(gc.user.ID) {
		return &Error{Code: http.StatusTooManyRequests, Message: chat.ErrReactSlowDown.Error()}
	}
	m, err = h.store.ToggleReaction(c.Request().Context(), m.ID, gc.user.ID, kind)
	if err != nil {
		return messageError(err)
	}
	h.chat.ReactionsChanged(m)
	return c.NoContent(http.StatusNoContent)
}
