package handlers

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

// Logout ends the current session on the server (not just in the browser), clears the
// cookie and rotates the CSRF token, so the next person at a shared computer starts with
// nothing of the last one's.
func (h *Handler) Logout(c echo.Context) error {
	if s := currentSession(c); s != nil {
		err := h.store.DeleteSession(c.Request().Context(), s.UserID, s.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return internal(err)
		}
		h.sessionEnded(s.UserID, s.ID)
	}
	h.clearSessionCookie(c)
	h.rotateCSRF(c)
	return redirect(c, "/")
}

// sessionEnded is called after a session is deleted, so live connections that belong to it
// can be closed at once. The live chat hooks in here.
func (h *Handler) sessionEnded(userID, sessionID int64) { h.chat.KickSession(sessionID) }
