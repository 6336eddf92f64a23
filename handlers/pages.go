package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
)

// staticPage serves a page that needs no data beyond the common frame.
func (h *Handler) staticPage(page, title, nav string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return h.respond(c, http.StatusOK, page, "", h.page(c, title, nav))
	}
}

// homePage is what the home page renders beyond the common frame.
type homePage struct {
	// GettingStarted shows the admin of a fresh Hearth, while nobody else has joined, the
	// way back to the welcome steps.
	GettingStarted bool
}

// Home is the front page.
func (h *Handler) Home(c echo.Context) error {
	var d homePage
	if authz.Administer(currentUser(c)) == nil {
		n, err := h.store.CountUsers(c.Request().Context())
		if err != nil {
			return internal(err)
		}
		d.GettingStarted = n == 1
	}
	p := h.page(c, "Welcome", "home")
	p.Data = d
	return h.respond(c, http.StatusOK, "home", "", p)
}

// Welcome greets the first admin after they register, with the next steps for a new
// Hearth: a first group, the crisis lines, invitations. Anyone else is sent to the groups.
func (h *Handler) Welcome(c echo.Context) error {
	if authz.Administer(currentUser(c)) != nil {
		return c.Redirect(http.StatusSeeOther, "/groups")
	}
	return h.respond(c, http.StatusOK, "welcome", "", h.page(c, "Welcome to your Hearth", ""))
}
