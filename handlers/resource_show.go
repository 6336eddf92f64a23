package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// resourcePage is what a resource's page renders.
type resourcePage struct {
	Resource store.Resource
	// Helped: the viewer marked it as helpful. Saved is the viewer's toolkit item for it.
	Helped bool
	Saved  *store.ToolkitItem
	// What the viewer may do here, as the policy says.
	CanUse, CanEdit, CanReview, CanDelete bool
	// Reviews are the moderators' decisions, for its author and moderators while it is not
	// published.
	Reviews []store.Review
	// ShareGroups are the viewer's groups they may post to, for "share into a group";
	// ShareToken makes that form's submissions idempotent (newShareToken).
	ShareGroups []shareGroup
	ShareToken  string
}

// ResourceShow is a resource's page: its content warning first, then the text, "this
// helped me" and the toolkit form.
func (h *Handler) ResourceShow(c echo.Context) error {
	r, err := h.loadResource(c, authz.ReadResource)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u := currentUser(c)
	d := resourcePage{Resource: r, CanUse: authz.UseResource(u, r) == nil, CanEdit: authz.EditResource(u, r) == nil,
		CanReview: authz.ReviewResource(u, r) == nil, CanDelete: authz.DeleteResource(u, r) == nil}
	if u != nil {
		if d.Helped, err = h.store.HasHelped(ctx, r.ID, u.ID); err != nil {
			return internal(err)
		}
		it, err := h.store.ToolkitItemFor(ctx, u.ID, r.ID)
		switch {
		case err == nil:
			d.Saved = &it
		case !errors.Is(err, store.ErrNotFound):
			return internal(err)
		}
		if r.Published() && d.CanUse {
			if d.ShareGroups, err = h.shareGroups(c, u); err != nil {
				return internal(err)
			}
			d.ShareToken = newShareToken()
		}
		if !r.Published() {
			if d.Reviews, err = h.store.ResourceReviews(ctx, r.ID); err != nil {
				return internal(err)
			}
		}
	}
	p := h.page(c, r.Title, "resources")
	p.Data = d
	return h.respond(c, http.StatusOK, "resource", "", p)
}
