package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// privacyPage is what the privacy page fills in from the configuration.
type privacyPage struct {
	// SessionDays is how long an unused login lasts.
	SessionDays int
}

// Privacy explains, plainly, what Hearth keeps, who sees it, for how long, and how a member
// takes their data with them or erases it. It is open to everyone, logged in or not.
func (h *Handler) Privacy(c echo.Context) error {
	p := h.page(c, "Privacy", "")
	p.Data = privacyPage{SessionDays: int(h.cfg.SessionTTL.Hours() / 24)}
	return h.respond(c, http.StatusOK, "privacy", "", p)
}
