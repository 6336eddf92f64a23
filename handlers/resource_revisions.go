package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// revisionsPage is what a resource's revision history renders, newest first.
type revisionsPage struct {
	Resource  store.Resource
	Revisions []store.Revision
}

// ResourceRevisions lists a resource's revisions for moderators: who saved, when, what
// changed, and the text of each.
func (h *Handler) ResourceRevisions(c echo.Context) error {
	r, err := h.loadResource(c, authz.ReviewResource)
	if err != nil {
		return err
	}
	revs, err := h.store.ResourceRevisions(c.Request().Context(), r.ID)
	if err != nil {
		return internal(err)
	}
	p := h.page(c, "Revisions of "+r.Title, "resources")
	p.Data = revisionsPage{Resource: r, Revisions: revs}
	return h.respond(c, http.StatusOK, "resource_revisions", "", p)
}

// ResourceRestore makes an earlier revision current again, as a new revision.
func (h *Handler) ResourceRestore(c echo.Context) error {
	r, err := h.loadResource(c, authz.ReviewResource)
	if err != nil {
		return err
	}
	id, ok := paramID(c, "id")
	if !ok {
		return errNotFound
	}
	saved, err := h.store.RestoreRevision(c.Request().Context(), r.ID, id, currentUser(c).ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case errSlugTaken(err):
		return &Error{Code: http.StatusConflict, Message: "That revision's address is now used by another resource. Edit the resource instead."}
	case err != nil:
		return internal(err)
	}
	return redirect(c, "/resources/"+saved.Slug+"/revisions")
}
