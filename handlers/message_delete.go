package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
)

// MessageDelete removes a member's own message; everyone sees "message removed" live.
// Removals share the edit rate limit.
func (h *Handler) MessageDelete(c echo.Context) error {
	gc, m, err := h.loadMessage(c, authz.Post, true)
	if err != nil {
		return err
	}
	if !h.chat.AllowEdit(gc.user.ID) {
		return errEditSlowDown
	}
	m, err = h.store.DeleteMessage(c.Request().Context(), m.ID, gc.user.ID)
	if err != nil {
		return messageError(err)
	}
	h.chat.MessageChanged(m)
	return h.writeMessage(c, m, gc.g.Slug)
}
