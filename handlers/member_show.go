package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// memberPage is what a member page renders: a display name and what the viewer may see
// beside it, and nothing of the account (no username, no e-mail).
type memberPage struct {
	ID          int64
	DisplayName string
	Since       string // month and year they joined
	Self        bool
	Groups      []store.GroupRef // groups in common with the viewer
	Goals       []goalCard       // the member's goals the viewer may see
}

// MemberShow is /members/{id}: a member's display name, since when they are here, the
// groups the viewer shares with them and the goals of theirs the viewer may see. Whom it is
// shown to is authz.SeeMember's decision; anyone else gets the 404 of a member that does not
// exist.
func (h *Handler) MemberShow(c echo.Context) error {
	u := currentUser(c)
	if u == nil {
		return authzError(authz.ErrNoAccount)
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	m, err := h.store.MemberProfileFor(ctx, id, u.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case err != nil:
		return internal(err)
	}
	if err := authz.SeeMember(u, m); err != nil {
		return authzError(err)
	}
	d := memberPage{ID: m.ID, DisplayName: m.DisplayName, Since: m.Since.UTC().Format("January 2006"), Self: m.ID == u.ID}
	if !d.Self {
		if d.Groups, err = h.store.GroupsInCommon(ctx, m.ID, u.ID); err != nil {
			return internal(err)
		}
	}
	goals, err := h.store.GoalsOfFor(ctx, m.ID, u.ID)
	if err != nil {
		return internal(err)
	}
	visible := goals[:0]
	for _, g := range goals {
		if authz.SeeGoal(u, g) == nil {
			visible = append(visible, g)
		}
	}
	d.Goals = cards(visible, h.store.Now())
	p := h.page(c, m.DisplayName, "")
	p.Data = d
	return h.respond(c, http.StatusOK, "member", "", p)
}
