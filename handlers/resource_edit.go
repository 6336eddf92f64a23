package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// ResourceEditForm shows a resource's form filled in, to its author (while it is a draft
// or pending) and to moderators.
func (h *Handler) ResourceEditForm(c echo.Context) error {
	r, err := h.loadResource(c, authz.EditResource)
	if err != nil {
		return err
	}
	return h.renderResourceForm(c, http.StatusOK, &r, resourceFormValues(r))
}

// ResourceEdit saves a resource as a new revision. The author's edit sends it (back) to
// review; a moderator's keeps its status.
func (h *Handler) ResourceEdit(c echo.Context) error {
	r, err := h.loadResource(c, authz.EditResource)
	if err != nil {
		return err
	}
	u := currentUser(c)
	f := resourceForm(c)
	in := validateResource(f)
	if !f.Valid() {
		return h.renderResourceForm(c, statusUnprocessable, &r, f)
	}
	status, note := r.Status, "edited"
	if authz.ReviewResources(u) != nil {
		status, note = store.ResourcePending, "submitted for review"
	}
	saved, err := h.store.UpdateResource(c.Request().Context(), r.ID, in, status, u.ID, note)
	if errSlugTaken(err) {
		f.Fail("slug", slugTakenMessage)
		return h.renderResourceForm(c, statusUnprocessable, &r, f)
	}
	if err != nil {
		return internal(err)
	}
	return redirect(c, "/resources/"+saved.Slug)
}
