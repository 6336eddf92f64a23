package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
)

// ResourceHelped presses or releases "this helped me" (a toggle, once per member: pressing
// twice changes nothing). The form field "helped" is "1" to mark and "0" to take the mark
// back; a form without it marks. An HTMX press gets the #helped section back, count and
// pressed state updated in place; a plain POST is redirected to the resource's page.
func (h *Handler) ResourceHelped(c echo.Context) error {
	r, err := h.loadResource(c, authz.UseResource)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u := currentUser(c)
	if c.FormValue("helped") == "0" {
		_, err = h.store.UnmarkHelped(ctx, r.ID, u.ID)
	} else {
		_, err = h.store.MarkHelped(ctx, r.ID, u.ID)
	}
	if err != nil {
		return internal(err)
	}
	if !isFragment(c) {
		return redirect(c, "/resources/"+r.Slug+"#helped")
	}
	if r, err = h.store.ResourceByID(ctx, r.ID); err != nil {
		return internal(err)
	}
	d := resourcePage{Resource: r, CanUse: true}
	if d.Helped, err = h.store.HasHelped(ctx, r.ID, u.ID); err != nil {
		return internal(err)
	}
	p := h.page(c, r.Title, "resources")
	p.Data = d
	return h.respond(c, http.StatusOK, "resource", "resource_helped", p)
}
