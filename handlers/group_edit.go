package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// GroupEditForm shows a group's form filled in.
func (h *Handler) GroupEditForm(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.EditGroup)
	if err != nil {
		return err
	}
	return h.renderGroupForm(c, http.StatusOK, &gc.g, groupFormValues(gc))
}

// groupFormValues fills the group form with the group as it is.
func groupFormValues(gc groupCtx) *views.Form {
	f := views.NewForm()
	f.Values = map[string]string{"name": gc.g.Name, "slug": gc.g.Slug, "description": gc.g.Description,
		"guidelines": gc.g.Guidelines, "visibility": string(gc.g.Visibility)}
	return f
}

// GroupEdit saves a group's name, address, description, guidelines and visibility.
func (h *Handler) GroupEdit(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.EditGroup)
	if err != nil {
		return err
	}
	f := groupForm(c)
	in := validateGroup(f)
	if !f.Valid() {
		return h.renderGroupForm(c, http.StatusUnprocessableEntity, &gc.g, f)
	}
	g, err := h.store.UpdateGroup(c.Request().Context(), gc.g.ID, in)
	if errors.Is(err, store.ErrSlugTaken) {
		f.Fail("slug", "Another group already uses this address.")
		return h.renderGroupForm(c, http.StatusUnprocessableEntity, &gc.g, f)
	}
	if err != nil {
		return internal(err)
	}
	return redirect(c, "/groups/"+g.Slug)
}
