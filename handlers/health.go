package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// Healthz answers 200 when the database answers reads and its latest write committed, 503
// otherwise. A full disk leaves reads working while every message is refused, so a check
// that only read would keep a broken instance in the load balancer. It is for load
// balancers and the container HEALTHCHECK, so it reveals nothing else.
func (h *Handler) Healthz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		requestLogger(c, h.log).Error("health check failed", "err", err)
		return c.String(http.StatusServiceUnavailable, "unavailable\n")
	}
	if err := h.store.WriteHealth(ctx); err != nil {
		requestLogger(c, h.log).Error("health check failed", "err", err)
		return c.String(http.StatusServiceUnavailable, "database not writable\n")
	}
	return c.String(http.StatusOK, "ok\n")
}
