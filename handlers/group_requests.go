package handlers

import (
	"errors"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// GroupRequestDecide approves or declines a join request (group moderators).
func (h *Handler) GroupRequestDecide(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.ManageInvites)
	if err != nil {
		return err
	}
	userID, err := strconv.ParseInt(c.Param("user"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	switch c.Param("decision") {
	case "approve":
		err = h.store.ApproveJoinRequest(ctx, gc.g.ID, userID)
	case "deny":
		err = h.store.DenyJoinRequest(ctx, gc.g.ID, userID)
	default:
		return errNotFound
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return internal(err)
	}
	return redirect(c, "/groups/"+gc.g.Slug+"/manage")
}
