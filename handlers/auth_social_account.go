package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

// providerButton is one configured provider as the pages offer it.
type providerButton struct {
	Name  string // in URLs: /auth/{Name}/login
	Label string // "GitHub"
}

// providerButtons lists the configured providers in their fixed order (none: nil, and the
// pages show nothing about social login).
func (h *Handler) providerButtons() []providerButton {
	if !h.social.any() {
		return nil
	}
	out := make([]providerButton, 0, len(h.social.ordered))
	for _, p := range h.social.ordered {
		out = append(out, providerButton{Name: p.name, Label: p.label})
	}
	return out
}

// localRegistrationOpen reports whether people may register with a username and password.
// An admin can close it only while a provider is configured; with none configured it is
// open whatever the stored setting says, so a community can never lock out newcomers.
func (h *Handler) localRegistrationOpen(ctx context.Context) (bool, error) {
	if !h.social.any() {
		return true, nil
	}
	closed, err := h.store.LocalRegistrationClosed(ctx)
	return !closed, err
}

// loginMethods is the account page's "Ways to log in" section (shown only when a provider
// is configured).
type loginMethods struct {
	HasPassword bool
	Linked      []linkedLogin
	Available   []providerButton // configured and not linked yet
	// Error is a refusal to show in the section (the last way to log in).
	Error string
}

type linkedLogin struct {
	ID        int64
	Provider  string
	Label     string
	Since     time.Time
	CanRemove bool
}

// loginMethodsOf builds the section for u, or nil when no provider is configured.
func (h *Handler) loginMethodsOf(ctx context.Context, u *store.User) (*loginMethods, error) {
	if !h.social.any() {
		return nil, nil
	}
	ids, err := h.store.Identities(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	m := &loginMethods{HasPassword: u.PasswordHash != ""}
	linked := map[string]bool{}
	for _, i := range ids {
		label := i.Provider
		if p := h.social.get(i.Provider); p != nil {
			label = p.label
		}
		linked[i.Provider] = true
		m.Linked = append(m.Linked, linkedLogin{ID: i.ID, Provider: i.Provider, Label: label, Since: i.CreatedAt, CanRemove: m.HasPassword || len(ids) > 1})
	}
	for _, b := range h.providerButtons() {
		if !linked[b.Name] {
			m.Available = append(m.Available, b)
		}
	}
	return m, nil
}

// SocialUnlink removes one of the member's provider logins: POST /account/logins/:id/unlink.
// The store refuses to remove the last way to log in (ErrLastLoginMethod), whatever the
// page showed.
func (h *Handler) SocialUnlink(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if !h.recentLogin(c) {
		return errStaleLogin
	}
	u := currentUser(c)
	switch err := h.store.UnlinkIdentity(c.Request().Context(), u.ID, id); {
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case errors.Is(err, store.ErrLastLoginMethod):
		d, err := h.accountData(c)
		if err != nil {
			return internal(err)
		}
		if d.Logins != nil {
			d.Logins.Error = "This is your only way to log in, so it cannot be removed. Link another provider first."
		}
		return h.renderAccount(c, http.StatusConflict, d)
	case err != nil:
		return internal(err)
	}
	requestLogger(c, h.log).Info("login provider unlinked")
	return redirect(c, "/account?saved=unlinked#logins")
}

// linkedProviderButtons lists the configured providers linked to u: the buttons with which
// a member without a password confirms who they are (a provider login while logged in
// gives a fresh session and returns to next; the partial "social_buttons" renders them).
func (h *Handler) linkedProviderButtons(ctx context.Context, u *store.User) ([]providerButton, error) {
	m, err := h.loginMethodsOf(ctx, u)
	if err != nil || m == nil {
		return nil, err
	}
	var out []providerButton
	for _, b := range h.providerButtons() {
		for _, l := range m.Linked {
			if l.Provider == b.Name {
				out = append(out, b)
			}
		}
	}
	return out, nil
}
