package handlers

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// joinData is the page where someone who came back from a provider without a Hearth
// account chooses a display name and accepts the guidelines.
type joinData struct {
	Provider string // the provider's label
}

var errJoinExpired = &Error{Code: http.StatusBadRequest, Message: "Your sign-up has expired or was finished in another tab. No account was created. Please start again from the Join page."}

// socialUsername makes the private login name of an account created through a provider.
// Such an account logs in with its provider, never by username, but users.username is
// unique and required, and admins and `hearth user` address accounts by it. So it is a
// random placeholder, "social-" and 12 base32 characters (60 bits), which says nothing
// about the member, matches the username rules and cannot be mistaken for a chosen name.
// A clash is retried by SocialJoin.
func socialUsername() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return "social-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:12]
}

// pendingFor loads what the browser holds, or errJoinExpired.
func (h *Handler) pendingFor(c echo.Context) (store.PendingIdentity, []byte, error) {
	browser, _ := h.browserHash(c)
	if browser == nil {
		return store.PendingIdentity{}, nil, errJoinExpired
	}
	p, err := h.store.PendingIdentityFor(c.Request().Context(), browser)
	if errors.Is(err, store.ErrNotFound) {
		return store.PendingIdentity{}, nil, errJoinExpired
	}
	if err != nil {
		return store.PendingIdentity{}, nil, internal(err)
	}
	return p, browser, nil
}

// SocialJoinForm shows the choose-a-name step: GET /auth/join.
func (h *Handler) SocialJoinForm(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/groups")
	}
	pending, _, err := h.pendingFor(c)
	if err != nil {
		return err
	}
	return h.renderJoin(c, http.StatusOK, views.NewForm(), pending)
}

func (h *Handler) renderJoin(c echo.Context, status int, f *views.Form, pending store.PendingIdentity) error {
	p := h.page(c, "Choose your name", "register")
	p.Form = f
	label := pending.Provider
	if sp := h.social.get(pending.Provider); sp != nil {
		label = sp.label
	}
	p.Data = joinData{Provider: label}
	return h.respond(c, status, "social_join", "", p)
}

// SocialJoin creates the account of the pending identity once its owner has chosen a
// display name (the same rules and look-alike check as registration) and accepted the
// guidelines: POST /auth/join. Until then no account exists.
func (h *Handler) SocialJoin(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/groups")
	}
	pending, browser, err := h.pendingFor(c)
	if err != nil {
		return err
	}
	f := views.NewForm()
	name := strings.TrimSpace(c.FormValue("display_name"))
	f.Values["display_name"] = name
	if msg := validateDisplayName(name, ""); msg != "" {
		f.Fail("display_name", msg)
	}
	if c.FormValue("accept_guidelines") != "yes" {
		f.Fail("accept_guidelines", "Please read the guidelines and tick the box to join.")
	}
	if !f.Valid() {
		return h.renderJoin(c, http.StatusUnprocessableEntity, f, pending)
	}
	ctx := c.Request().Context()
	var u store.User
	for range 3 {
		u, pending, err = h.store.CreateSocialUser(ctx, browser, store.NewUser{Username: socialUsername(), DisplayName: name})
		if !errors.Is(err, store.ErrUsernameTaken) {
			break
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errJoinExpired
	case errors.Is(err, store.ErrIdentityTaken):
		return &Error{Code: http.StatusConflict, Message: "That account is already linked to a Hearth account. Please log in instead."}
	case errors.Is(err, store.ErrDisplayNameSimilar):
		f.Fail("display_name", msgDisplayNameSimilar)
		return h.renderJoin(c, http.StatusUnprocessableEntity, f, pending)
	case errors.Is(err, store.ErrDisplayNameTaken):
		f.Fail("display_name", "That display name is taken. Please choose another.")
		return h.renderJoin(c, http.StatusUnprocessableEntity, f, pending)
	case err != nil:
		return internal(err)
	}
	if err := h.startSession(c, u); err != nil {
		return internal(err)
	}
	h.setFlowCookie(c, "", -1)
	requestLogger(c, h.log).Info("account created", "user_id", u.ID, "role", u.Role, "provider", pending.Provider)
	landing := "/groups"
	if u.Role == store.RoleAdmin {
		landing = "/welcome"
	}
	return redirect(c, safeNext(pending.Next, landing))
}
