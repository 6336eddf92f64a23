package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

type accountData struct {
	User      *store.User
	Sessions  []store.Session
	CurrentID int64
}

func (h *Handler) accountData(c echo.Context) (*accountData, error) {
	u := currentUser(c)
	sessions, err := h.store.ListSessions(c.Request().Context(), u.ID)
	if err != nil {
		return nil, err
	}
	return &accountData{User: u, Sessions: sessions, CurrentID: currentSession(c).ID}, nil
}

// Account shows the member's profile and active sessions.
func (h *Handler) Account(c echo.Context) error {
	d, err := h.accountData(c)
	if err != nil {
		return internal(err)
	}
	p := h.page(c, "Your account", "account")
	p.Data = d
	return h.respond(c, http.StatusOK, "account", "", p)
}

// EndSession revokes one of the member's own sessions. Ending the current one logs out.
func (h *Handler) EndSession(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	u := currentUser(c)
	switch err := h.store.DeleteSession(c.Request().Context(), u.ID, id); {
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case err != nil:
		return internal(err)
	}
	h.sessionEnded(u.ID, id)
	if id == currentSession(c).ID {
		h.clearSessionCookie(c)
		return redirect(c, "/")
	}
	d, err := h.accountData(c)
	if err != nil {
		return internal(err)
	}
	p := h.page(c, "Your account", "account")
	p.Data = d
	return h.respond(c, http.StatusOK, "account", "session_list", p)
}
