package handlers

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// ResetLinkTTL is how long a password reset link works.
const ResetLinkTTL = time.Hour

// NewPasswordResetLink makes a one-time link, valid for ResetLinkTTL, with which the member
// userID sets a new password, and returns it as a full URL on base. Hearth sends no e-mail:
// an admin makes the link on the members page, or the operator runs
// `hearth user password NAME`, and hands it over. Only the token's SHA-256 is stored; the
// link is shown once and never logged. Earlier unused links of the member stop working.
func NewPasswordResetLink(ctx context.Context, st *store.Store, base *url.URL, userID int64) (string, error) {
	path, err := newPasswordReset(ctx, st, userID)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(base.String(), "/") + path, nil
}

// newPasswordReset stores a new reset link for userID and returns its path, /reset/TOKEN.
func newPasswordReset(ctx context.Context, st *store.Store, userID int64) (string, error) {
	token := newToken()
	sum := sha256.Sum256([]byte(token))
	if _, err := st.CreatePasswordReset(ctx, userID, sum[:], ResetLinkTTL); err != nil {
		return "", fmt.Errorf("make password reset link for user %d: %w", userID, err)
	}
	return "/reset/" + token, nil
}

// passwordResetPage is what the reset form renders.
type passwordResetPage struct {
	DisplayName string
}

// errResetGone is a link that was used, replaced or has expired. It is answered with the
// password_reset_gone page (410), which says what to do next.
var errResetGone = errors.New("password reset link used or expired")

// resetGone renders the page for a spent link.
func (h *Handler) resetGone(c echo.Context) error {
	return h.respond(c, http.StatusGone, "password_reset_gone", "", h.page(c, "This link no longer works", ""))
}

// errResetUnknown answers a link that never existed, or a mistyped one.
var errResetUnknown = &Error{Code: http.StatusNotFound,
	Message: "This password reset link is not valid. Check that you copied all of it, or ask an admin for a new one."}

// loadReset looks up the link in the request's path, answering a spent or unknown one.
func (h *Handler) loadReset(c echo.Context) ([]byte, store.User, error) {
	sum := sha256.Sum256([]byte(c.Param("token")))
	_, u, err := h.store.PasswordResetByToken(c.Request().Context(), sum[:])
	switch {
	case errors.Is(err, store.ErrResetUsed), errors.Is(err, store.ErrResetExpired):
		return nil, store.User{}, errResetGone
	case errors.Is(err, store.ErrNotFound):
		return nil, store.User{}, errResetUnknown
	case err != nil:
		return nil, store.User{}, internal(err)
	}
	return sum[:], u, nil
}

// PasswordResetForm shows the form to choose a new password through a reset link.
func (h *Handler) PasswordResetForm(c echo.Context) error {
	_, u, err := h.loadReset(c)
	if errors.Is(err, errResetGone) {
		return h.resetGone(c)
	} else if err != nil {
		return err
	}
	return h.renderReset(c, http.StatusOK, u, views.NewForm())
}

func (h *Handler) renderReset(c echo.Context, status int, u store.User, f *views.Form) error {
	p := h.page(c, "Choose a new password", "")
	p.Form = f
	p.Data = passwordResetPage{DisplayName: u.DisplayName}
	return h.respond(c, status, "password_reset", "", p)
}

// PasswordReset sets the new password through a reset link: the link is spent, every
// session of the member ends (their sockets close too), and this browser is logged in as
// the member with a fresh session.
func (h *Handler) PasswordReset(c echo.Context) error {
	sum, u, err := h.loadReset(c)
	if errors.Is(err, errResetGone) {
		return h.resetGone(c)
	} else if err != nil {
		return err
	}
	pw, again := c.FormValue("new_password"), c.FormValue("new_password_again")
	f := views.NewForm()
	if msg := validatePassword(pw, u.Username, u.DisplayName, h.passwords.isCommon); msg != "" {
		f.Fail("new_password", msg)
	} else if pw != again {
		f.Fail("new_password_again", "The two passwords differ. Please type it twice the same.")
	}
	if !f.Valid() {
		return h.renderReset(c, http.StatusUnprocessableEntity, u, f)
	}
	hash, err := h.passwords.hash(pw)
	if err != nil {
		return internal(err)
	}
	ctx := c.Request().Context()
	u, ended, err := h.store.UsePasswordReset(ctx, sum, hash)
	switch {
	case errors.Is(err, store.ErrResetUsed), errors.Is(err, store.ErrResetExpired):
		return h.resetGone(c) // spent between the form and now
	case errors.Is(err, store.ErrNotFound):
		return errResetUnknown
	case err != nil:
		return internal(err)
	}
	for _, id := range ended {
		h.sessionEnded(u.ID, id)
	}
	// Whoever was logged in in this browser before (someone else, perhaps) is logged out.
	if s, cur := currentSession(c), currentUser(c); s != nil && cur != nil && cur.ID != u.ID {
		if err := h.store.DeleteSession(ctx, cur.ID, s.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return internal(err)
		}
		h.sessionEnded(cur.ID, s.ID)
	}
	if err := h.startSession(c, u); err != nil {
		return internal(err)
	}
	requestLogger(c, h.log).Info("password reset through a link", "target_user_id", u.ID, "sessions_ended", len(ended))
	return redirect(c, "/account?saved=password")
}
