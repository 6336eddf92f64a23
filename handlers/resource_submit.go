package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// ResourceNew shows the empty resource form, with the member's own submissions below it.
func (h *Handler) ResourceNew(c echo.Context) error {
	return h.renderResourceForm(c, http.StatusOK, nil, views.NewForm())
}

// ResourceCreate saves a new resource. A member's goes to the review queue; a moderator's
// is published at once, or kept as a draft when they ask for one.
func (h *Handler) ResourceCreate(c echo.Context) error {
	u := currentUser(c)
	f := resourceForm(c)
	suggested := strings.TrimSpace(f.Value("slug")) == ""
	in := validateResource(f)
	if !f.Valid() {
		return h.renderResourceForm(c, statusUnprocessable, nil, f)
	}
	status := store.ResourcePending
	if authz.ReviewResources(u) == nil {
		status = store.ResourcePublished
		if c.FormValue("draft") == "yes" {
			status = store.ResourceDraft
		}
	}
	base := in.Slug
	for n := 1; ; n++ {
		r, err := h.store.CreateResource(c.Request().Context(), in, u.ID, status)
		if errSlugTaken(err) && suggested && n < 20 {
			in.Slug = numberedSlug(base, n+1)
			continue
		}
		if errSlugTaken(err) {
			f.Fail("slug", slugTakenMessage)
			return h.renderResourceForm(c, statusUnprocessable, nil, f)
		}
		if err != nil {
			return internal(err)
		}
		return redirect(c, "/resources/"+r.Slug)
	}
}
