package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// adminLoginPage is what /admin/login renders: the configured providers (read-only: they
// come from the server's configuration) and whether local registration is open.
type adminLoginPage struct {
	Providers []providerButton
	LocalOpen bool
	Saved     bool
	Error     string
}

// AdminLogin shows how people log in and join.
func (h *Handler) AdminLogin(c echo.Context) error {
	return h.renderAdminLogin(c, http.StatusOK, adminLoginPage{Saved: c.QueryParam("saved") == "1"})
}

func (h *Handler) renderAdminLogin(c echo.Context, status int, d adminLoginPage) error {
	open, err := h.localRegistrationOpen(c.Request().Context())
	if err != nil {
		return internal(err)
	}
	d.Providers, d.LocalOpen = h.providerButtons(), open
	p := h.page(c, "Logging in and joining", "admin")
	p.Data = d
	return h.respond(c, status, "admin_login", "", p)
}

// AdminLoginSave opens or closes registration with a username and password. Closing it
// needs a configured provider, or nobody new could ever join; members who have a password
// keep logging in with it either way.
func (h *Handler) AdminLoginSave(c echo.Context) error {
	closing := c.FormValue("local_registration") != "open"
	if closing && !h.social.any() {
		return h.renderAdminLogin(c, http.StatusUnprocessableEntity, adminLoginPage{
			Error: "Registration with a username and password can only be turned off once a login provider is configured; otherwise nobody new could join."})
	}
	if err := h.store.SetLocalRegistrationClosed(c.Request().Context(), closing); err != nil {
		return internal(err)
	}
	requestLogger(c, h.log).Info("local registration changed", "open", !closing)
	return redirect(c, "/admin/login?saved=1")
}
