package handlers

import (
	"crypto/sha256"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

// startSession creates a fresh server-side session (a new id at every login, so a token
// planted before login is useless) and sets its cookie.
func (h *Handler) startSession(c echo.Context, u store.User) error {
	token := newToken()
	sum := sha256.Sum256([]byte(token))
	ua := c.Request().UserAgent()
	if len(ua) > 200 {
		ua = ua[:200]
	}
	if _, err := h.store.CreateSession(c.Request().Context(), u.ID, sum[:], h.cfg.SessionTTL, ua, c.RealIP()); err != nil {
		return fmt.Errorf("start session for user %d: %w", u.ID, err)
	}
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: h.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode,
		MaxAge: int(h.cfg.SessionTTL.Seconds()),
	})
	return nil
}

// clearSessionCookie removes the session cookie from the browser.
func (h *Handler) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: h.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode, MaxAge: -1,
	})
}

// safeNext returns next if it is a local path, or fallback. It stops open redirects.
func safeNext(next, fallback string) string {
	if len(next) > 1 && next[0] == '/' && next[1] != '/' && next[1] != '\\' {
		return next
	}
	if next == "/" {
		return next
	}
	return fallback
}
