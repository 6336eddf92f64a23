package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// authPage is the data of the login and register pages.
type authPage struct {
	// Next is where to go afterwards (already checked by safeNext), carried in the forms.
	Next string
	// Invited is set when Next is an invite link. The page says so without naming the
	// group: a logged-out visitor's token is never looked up.
	Invited bool
	// Providers are the configured login providers (auth_social_account.go); none: the
	// pages show nothing about social login.
	Providers []providerButton
	// LocalOpen: registering with a username and password is open (the register page).
	LocalOpen bool
}

// newAuthPage builds the page data for a checked next path.
func (h *Handler) newAuthPage(c echo.Context, next string) (authPage, error) {
	open, err := h.localRegistrationOpen(c.Request().Context())
	return authPage{Next: next, Invited: strings.HasPrefix(next, "/invites/"), Providers: h.providerButtons(), LocalOpen: open}, err
}

// LoginForm shows the login form.
func (h *Handler) LoginForm(c echo.Context) error {
	next := safeNext(c.QueryParam("next"), "")
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(next, "/groups"))
	}
	p := h.page(c, "Log in", "login")
	p.Form = views.NewForm()
	p.Form.Values["next"] = next
	d, err := h.newAuthPage(c, next)
	if err != nil {
		return internal(err)
	}
	p.Data = d
	return h.respond(c, http.StatusOK, "login", "", p)
}

// Login checks a username and password and starts a new session. Wrong username and wrong
// password get the same message and take the same time. A username with too many recent
// failures is refused before anything is looked up (see loginBackoff).
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
		if wait := h.backoff.wait(c.Request().Context(), f.Values["username"]); wait > 0 {
			return errLoginBackoff(c, wait)
		}
		u, err := h.store.UserByUsername(c.Request().Context(), f.Values["username"])
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return internal(err)
		}
		if h.passwords.verify(pw, u.PasswordHash) && u.ID != 0 {
			// A suspended member is told so (only after their password matched).
			if err := h.logIn(c, u); err != nil {
				return err
			}
			h.backoff.succeed(c.Request().Context(), f.Values["username"])
			return redirect(c, safeNext(f.Values["next"], "/groups"))
		}
		h.backoff.fail(c.Request().Context(), f.Values["username"])
		f.Message = "That username and password do not match. Please try again."
	}
	p := h.page(c, "Log in", "login")
	p.Form = f
	d, err := h.newAuthPage(c, f.Values["next"])
	if err != nil {
		return internal(err)
	}
	p.Data = d
	return h.respond(c, http.StatusUnprocessableEntity, "login", "login_form", p)
}

// suspensionMessage tells a suspended member why and until when.
func suspensionMessage(sn store.Sanction) string {
	msg := "Your account is suspended until an admin lifts it."
	if !sn.ExpiresAt.IsZero() {
		msg = "Your account is suspended until " + sn.ExpiresAt.UTC().Format("Mon 2 Jan 2006, 15:04 MST") + "."
	}
	return msg + " Reason: " + sn.Reason
}
