package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// RegisterForm shows the sign-up form.
func (h *Handler) RegisterForm(c echo.Context) error {
	next := safeNext(c.QueryParam("next"), "")
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(next, "/account"))
	}
	p := h.page(c, "Join Hearth", "register")
	p.Form = views.NewForm()
	p.Form.Values["next"] = next
	d, err := h.newAuthPage(c, next)
	if err != nil {
		return internal(err)
	}
	p.Data = d
	return h.respond(c, http.StatusOK, "register", "", p)
}

// Register creates a local account, logs it in and sends the member where they were going
// (an invite link, say), or to the groups. The first account on a fresh install becomes
// admin.
func (h *Handler) Register(c echo.Context) error {
	switch open, err := h.localRegistrationOpen(c.Request().Context()); {
	case err != nil:
		return internal(err)
	case !open:
		return &Error{Code: http.StatusForbidden, Message: "Registering with a username and password is turned off here. Please join with one of the accounts offered on the Join page."}
	}
	f := views.NewForm()
	for _, k := range []string{"username", "display_name", "email"} {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	f.Values["next"] = safeNext(c.FormValue("next"), "")
	pw := c.FormValue("password")
	if msg := validateUsername(f.Values["username"]); msg != "" {
		f.Fail("username", msg)
	}
	if msg := validateDisplayName(f.Values["display_name"], f.Values["username"]); msg != "" {
		f.Fail("display_name", msg)
	}
	if msg := validateEmail(f.Values["email"]); msg != "" {
		f.Fail("email", msg)
	}
	if msg := validatePassword(pw, f.Values["username"], f.Values["display_name"], h.passwords.isCommon); msg != "" {
		f.Fail("password", msg)
	}
	if f.Valid() {
		hash, err := h.passwords.hash(pw)
		if err != nil {
			return internal(err)
		}
		u, err := h.store.CreateUser(c.Request().Context(), store.NewUser{
			Username: f.Values["username"], DisplayName: f.Values["display_name"],
			Email: f.Values["email"], PasswordHash: hash,
		})
		switch {
		case errors.Is(err, store.ErrUsernameTaken):
			f.Fail("username", "That username is taken. Please choose another.")
		case errors.Is(err, store.ErrDisplayNameSimilar):
			f.Fail("display_name", msgDisplayNameSimilar)
		case errors.Is(err, store.ErrDisplayNameTaken):
			f.Fail("display_name", "That display name is taken. Please choose another.")
		case err != nil:
			return internal(err)
		default:
			if err := h.startSession(c, u); err != nil {
				return internal(err)
			}
			requestLogger(c, h.log).Info("account created", "user_id", u.ID, "role", u.Role)
			// The first account founds the community and becomes its admin: it lands on the
			// next steps instead of an empty group list.
			landing := "/groups"
			if u.Role == store.RoleAdmin {
				landing = "/welcome"
			}
			return redirect(c, safeNext(f.Values["next"], landing))
		}
	}
	p := h.page(c, "Join Hearth", "register")
	p.Form = f
	d, err := h.newAuthPage(c, f.Values["next"])
	if err != nil {
		return internal(err)
	}
	p.Data = d
	return h.respond(c, http.StatusUnprocessableEntity, "register", "register_form", p)
}
