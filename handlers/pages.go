package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// staticPage serves a page that needs no data beyond the common frame.
func (h *Handler) staticPage(page, title, nav string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return h.respond(c, http.StatusOK, page, "", h.page(c, title, nav))
	}
}
