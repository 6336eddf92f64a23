package handlers

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// GroupLeave removes the member from a group and closes their open chat sockets at once.
func (h *Handler) GroupLeave(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.SeeGroup)
	if err != nil {
		return err
	}
	err = h.store.Leave(c.Request().Context(), gc.g.ID, gc.user.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return internal(err)
	}
	h.chat.KickMember(gc.g.ID, gc.user.ID)
	return redirect(c, "/groups")
}
