package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// ResourceDelete deletes a resource for good (admins), with its revisions and every
// member's helped marks and toolkit entries for it. A starter resource never comes back.
func (h *Handler) ResourceDelete(c echo.Context) error {
	r, err := h.loadResource(c, authz.DeleteResource)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "yes" {
		return &Error{Code: http.StatusUnprocessableEntity, Message: "Tick the box to confirm that the resource should be deleted for good."}
	}
	if err := h.store.DeleteResource(c.Request().Context(), r.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return internal(err)
	}
	return redirect(c, "/resources")
}
