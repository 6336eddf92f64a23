package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

const msgAcceptGuidelines = "Please read the guidelines and tick the box to accept them."

// GroupJoin makes the member part of a public group once they accept its guidelines.
// Private groups are joined through an invite link or an approved request instead.
func (h *Handler) GroupJoin(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.SeeGroup)
	if err != nil {
		return err
	}
	if gc.member() {
		return redirect(c, "/groups/"+gc.g.Slug)
	}
	if err := authz.Join(gc.subject(), gc.g); err != nil {
		return authzError(err)
	}
	if c.FormValue("accept_guidelines") != "yes" {
		f := views.NewForm()
		f.Fail("accept_guidelines", msgAcceptGuidelines)
		return h.renderGroup(c, gc, http.StatusUnprocessableEntity, f)
	}
	if err := h.store.Join(c.Request().Context(), gc.g.ID, gc.user.ID); err != nil {
		if errors.Is(err, store.ErrBanned) {
			return modError(err)
		}
		return internal(err)
	}
	return redirect(c, "/groups/"+gc.g.Slug)
}
