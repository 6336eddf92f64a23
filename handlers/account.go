package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// accountData is what the account page renders.
type accountData struct {
	User      *store.User
	Sessions  []sessionRow
	CurrentID int64
	// NameForm and PasswordForm carry each form's values and messages after a post.
	NameForm     *views.Form
	PasswordForm *views.Form
	// Saved says which change was just saved ("name", "password").
	Saved string
	// TTLDays is how long an unused session lasts.
	TTLDays int
	// Prefs are the member's display preferences (content warnings open or collapsed).
	Prefs store.MemberPrefs
	// Logins is the "Ways to log in" section; nil when no login provider is configured
	// (auth_social_account.go).
	Logins *loginMethods
}

// sessionRow is a session with a device name a member recognises.
type sessionRow struct {
	store.Session
	Device string
}

func (h *Handler) accountData(c echo.Context) (*accountData, error) {
	u := currentUser(c)
	sessions, err := h.store.ListSessions(c.Request().Context(), u.ID)
	if err != nil {
		return nil, err
	}
	rows := make([]sessionRow, len(sessions))
	for i, s := range sessions {
		rows[i] = sessionRow{Session: s, Device: h.devices.name(s.UserAgent)}
	}
	prefs, err := h.store.MemberPrefs(c.Request().Context(), u.ID)
	if err != nil {
		return nil, err
	}
	logins, err := h.loginMethodsOf(c.Request().Context(), u)
	if err != nil {
		return nil, err
	}
	return &accountData{User: u, Sessions: rows, CurrentID: currentSession(c).ID, Prefs: prefs, Logins: logins,
		NameForm: views.NewForm(), PasswordForm: views.NewForm(), TTLDays: int(h.cfg.SessionTTL.Hours() / 24)}, nil
}

// Account shows the member's profile, the forms to change their name and password, and
// their active sessions.
func (h *Handler) Account(c echo.Context) error {
	d, err := h.accountData(c)
	if err != nil {
		return internal(err)
	}
	switch c.QueryParam("saved") {
	case "password": // arriving from a password reset link
		d.Saved = "password"
	case "cw":
		d.Saved = "cw"
	case "linked", "unlinked": // back from adding or removing a login provider
		d.Saved = c.QueryParam("saved")
	}
	return h.renderAccount(c, http.StatusOK, d)
}

func (h *Handler) renderAccount(c echo.Context, status int, d *accountData) error {
	p := h.page(c, "Your account", "account")
	p.Data = d
	return h.respond(c, status, "account", "", p)
}

// AccountName changes the member's display name. Old messages show the new name at once.
func (h *Handler) AccountName(c echo.Context) error {
	d, err := h.accountData(c)
	if err != nil {
		return internal(err)
	}
	name := strings.TrimSpace(c.FormValue("display_name"))
	d.NameForm.Values["display_name"] = name
	if msg := validateDisplayName(name, d.User.Username); msg != "" {
		d.NameForm.Fail("display_name", msg)
		return h.renderAccount(c, http.StatusUnprocessableEntity, d)
	}
	switch err := h.store.SetDisplayName(c.Request().Context(), d.User.ID, name); {
	case errors.Is(err, store.ErrDisplayNameSimilar):
		d.NameForm.Fail("display_name", msgDisplayNameSimilar)
		return h.renderAccount(c, http.StatusUnprocessableEntity, d)
	case errors.Is(err, store.ErrDisplayNameTaken):
		d.NameForm.Fail("display_name", "That display name is taken. Please choose another.")
		return h.renderAccount(c, http.StatusUnprocessableEntity, d)
	case err != nil:
		return internal(err)
	}
	u := *d.User
	u.DisplayName = name
	d.User, d.Saved = &u, "name"
	d.NameForm = views.NewForm()
	return h.renderAccount(c, http.StatusOK, d)
}

// AccountPassword changes the member's password after checking the current one, and ends
// every other session (their sockets close too): whoever knew the old password is out.
func (h *Handler) AccountPassword(c echo.Context) error {
	d, err := h.accountData(c)
	if err != nil {
		return internal(err)
	}
	cur, next, again := c.FormValue("current_password"), c.FormValue("new_password"), c.FormValue("new_password_again")
	f := d.PasswordForm
	if !h.passwords.verify(cur, d.User.PasswordHash) {
		f.Fail("current_password", "That is not your current password.")
	} else if msg := validatePassword(next, d.User.Username, d.User.DisplayName, h.passwords.isCommon); msg != "" {
		f.Fail("new_password", msg)
	} else if next != again {
		f.Fail("new_password_again", "The two new passwords differ. Please type it twice the same.")
	}
	if !f.Valid() {
		return h.renderAccount(c, http.StatusUnprocessableEntity, d)
	}
	hash, err := h.passwords.hash(next)
	if err != nil {
		return internal(err)
	}
	ended, err := h.store.SetPassword(c.Request().Context(), d.User.ID, hash, currentSession(c).ID)
	if err != nil {
		return internal(err)
	}
	for _, id := range ended {
		h.sessionEnded(d.User.ID, id)
	}
	requestLogger(c, h.log).Info("password changed", "other_sessions_ended", len(ended))
	if d, err = h.accountData(c); err != nil {
		return internal(err)
	}
	d.Saved = "password"
	return h.renderAccount(c, http.StatusOK, d)
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
