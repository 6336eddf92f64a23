package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Favicon answers /favicon.ico, which browsers and feed readers ask for whatever the page
// says, by sending them to the SVG icon the pages link to. The redirect itself may be
// cached for a day; the icon under its content-hash URL for a year.
func (h *Handler) Favicon(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Redirect(http.StatusFound, h.assets.URL("img/favicon.svg"))
}
