package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
)

// ResourceHelped records that a resource helped the member; once per member, so a second
// press changes nothing.
func (h *Handler) ResourceHelped(c echo.Context) error {
	r, err := h.loadResource(c, authz.UseResource)
	if err != nil {
		return err
	}
	if _, err := h.store.MarkHelped(c.Request().Context(), r.ID, currentUser(c).ID); err != nil {
		return internal(err)
	}
	return redirect(c, "/resources/"+r.Slug+"#helped")
}
