package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// LoginForm shows the login form.
func (h *Handler) LoginForm(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next"), "/groups"))
	}
	p := h.page(c, "Log in", "login")
	p.Form = views.NewForm()
	p.Form.Values["next"] = safeNext(c.QueryParam("next"), "")
	return h.respond(c, http.StatusOK, "login", "", p)
}

// Login checks a username and password and starts a new session. Wrong username and wrong
// password get the same message and take the same time.
func (h *Handler) Login(c echo.Context) error {
	f := views.NewForm()
	f.Values["username"] = strings.TrimSpace(c.FormValue("username"))
	f.Values["next"] = safeNext(c.FormValue("next"), "")
	pw := c.FormValue("password")
	if f.Values["username"] == "" {
		f.Fail("username", "Enter your username.")
	}
	if pw == "" {
		f.Fail("password", "Enter your password.")
	}
	if f.Valid() {
		u, err := h.store.UserByUsername(c.Request().Context(), f.Values["username"])
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return internal(err)
		}
		if h.passwords.verify(pw, u.PasswordHash) && u.ID != 0 {
			if err := h.startSession(c, u); err != nil {
				return internal(err)
			}
			return redirect(c, safeNext(f.Values["next"], "/groups"))
		}
		f.Message = "That username and password do not match. Please try again."
	}
	p := h.page(c, "Log in", "login")
	p.Form = f
	return h.respond(c, http.StatusUnprocessableEntity, "login", "login_form", p)
}
