package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

// Social login, hardened rather than goth's defaults (auth_social_providers.go drives the
// providers):
//   - Hearth's own server-side sessions; gothic and its cookie store are not used at all.
//   - The OAuth state is made here (32 random bytes), stored only as a hash with the flow,
//     bound to this browser by the flow cookie (HttpOnly, SameSite=Lax, __Host- behind
//     https), good once (taken from the database on the first callback, whatever happens
//     next) and for flowTTL. The state a client sends back is only ever compared.
//   - PKCE (S256) where the provider takes it, and for OpenID Connect a nonce; both are
//     derived from the flow cookie and the state (flowSecrets), so the database alone
//     cannot finish a login.
//   - OpenID Connect ID tokens are verified (signature, issuer, audience, expiry, nonce).
//   - A new session id after every login, through startSession like a password login.
//   - Codes, states, tokens and nonces never reach the log: errors carry the provider's
//     name and which check failed.
const (
	// flowTTL is how long a member has at the provider before the flow expires.
	flowTTL = 10 * time.Minute
	// pendingTTL is how long a new member has to choose a display name.
	pendingTTL = 30 * time.Minute
	// flowCookie holds the browser's random flow id; its SHA-256 is stored with each flow.
	flowCookie       = "hearth_oauth"
	flowCookieSecure = "__Host-hearth_oauth"
	// Flow purposes.
	purposeLogin = "login"
	purposeLink  = "link"
)

// The refusals of a callback. None of them has written anything.
var (
	errFlowNoBrowser = &Error{Code: http.StatusBadRequest, Message: "This login did not start in this browser, or it was too long ago. Nothing was changed. Please start again from the login page."}
	errFlowState     = &Error{Code: http.StatusBadRequest, Message: "This login link has expired or was already used. Nothing was changed. Please start again from the login page."}
	errFlowMismatch  = &Error{Code: http.StatusForbidden, Message: "This login was started somewhere else, so Hearth did not complete it. Nothing was changed. Please start again from the login page."}
)

// SocialLogin starts logging in (or joining) with a provider: POST /auth/:provider/login.
// A member who is already logged in may use it too, to confirm who they are with a fresh
// session (account deletion asks for that when there is no password).
func (h *Handler) SocialLogin(c echo.Context) error { return h.beginSocial(c, purposeLogin) }

// SocialLink starts adding a provider to the logged-in member's account:
// POST /auth/:provider/link.
func (h *Handler) SocialLink(c echo.Context) error { return h.beginSocial(c, purposeLink) }

func (h *Handler) beginSocial(c echo.Context, purpose string) error {
	p := h.social.get(c.Param("provider"))
	if p == nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	var uid int64
	if u := currentUser(c); u != nil {
		uid = u.ID
	}
	next := safeNext(c.FormValue("next"), "")
	if purpose == purposeLink {
		if !h.recentLogin(c) {
			return errStaleLogin
		}
		ids, err := h.store.Identities(ctx, uid)
		if err != nil {
			return internal(err)
		}
		if slices.ContainsFunc(ids, func(i store.Identity) bool { return i.Provider == p.name }) {
			return &Error{Code: http.StatusConflict, Message: "Your account already has a " + p.label + " login. Remove it first to link a different " + p.label + " account."}
		}
		next = "/account"
	}
	cookie := h.flowCookieValue(c)
	state := newToken()
	verifier, nonce := flowSecrets(cookie, state)
	dest, origin, err := p.authURL(ctx, state, verifier, nonce)
	if errors.Is(err, errProviderUnavailable) {
		return httpError(http.StatusBadGateway, p.label+" is not answering right now. Please try again in a few minutes, or log in another way.", err)
	}
	if err != nil {
		return internal(err)
	}
	stateSum, browserSum := sha256.Sum256([]byte(state)), sha256.Sum256([]byte(cookie))
	if err := h.store.CreateOAuthFlow(ctx, stateSum[:], store.OAuthFlow{BrowserHash: browserSum[:], Provider: p.name,
		Purpose: purpose, UserID: uid, Next: next}, flowTTL); err != nil {
		return internal(err)
	}
	// A page without htmx posts the form and follows this redirect, which the browser
	// checks against the form-action of the page the form was on. An issuer whose login
	// page turned out (at discovery) to be on another origin is allowed from now on; this
	// once, such a browser gets a link to follow instead, which form-action does not govern.
	if !h.social.formActionAllows(origin) {
		h.social.allowFormAction(origin)
		if c.Request().Header.Get(HeaderHXRequest) != "true" {
			pg := h.page(c, "Continue to "+p.label, "login")
			pg.Data = continueData{Provider: p.label, URL: dest}
			return h.respond(c, http.StatusOK, "social_continue", "", pg)
		}
	}
	return redirect(c, dest)
}

// continueData is the page with a link to the provider (see beginSocial).
type continueData struct {
	Provider string
	// URL is the provider's authorization URL Hearth built (https, or http on loopback).
	URL string
}

// flowCookieName is the flow cookie's name: __Host- prefixed behind https, so a sibling
// subdomain cannot plant a flow id of its own.
func (h *Handler) flowCookieName() string {
	if h.cfg.SecureCookies() {
		return flowCookieSecure
	}
	return flowCookie
}

// flowCookieValue returns the browser's flow id, making one if it has none, and (re)sets
// the cookie to last pendingTTL. One id serves every flow of the browser, so two tabs may
// log in at once.
func (h *Handler) flowCookieValue(c echo.Context) string {
	v := ""
	if ck, err := c.Cookie(h.flowCookieName()); err == nil && len(ck.Value) >= 43 && len(ck.Value) <= 64 {
		v = ck.Value
	} else {
		v = newToken()
	}
	h.setFlowCookie(c, v, int(pendingTTL.Seconds()))
	return v
}

func (h *Handler) setFlowCookie(c echo.Context, value string, maxAge int) {
	c.SetCookie(&http.Cookie{
		Name: h.flowCookieName(), Value: value, Path: "/", HttpOnly: true,
		Secure: h.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode, MaxAge: maxAge,
	})
}

// browserHash is the SHA-256 of the browser's flow cookie, or nil without one.
func (h *Handler) browserHash(c echo.Context) ([]byte, string) {
	ck, err := c.Cookie(h.flowCookieName())
	if err != nil || len(ck.Value) < 43 || len(ck.Value) > 64 {
		return nil, ""
	}
	sum := sha256.Sum256([]byte(ck.Value))
	return sum[:], ck.Value
}

// SocialCallback is where a provider sends the member back: GET /auth/:provider/callback.
// The checks, in order: a known provider, this browser's flow cookie, a state that names a
// live flow (which is used up by looking), started by this browser for this provider and by
// whoever is logged in now; then the provider's own error, then the code exchange and
// the verification of who the person is.
func (h *Handler) SocialCallback(c echo.Context) error {
	p := h.social.get(c.Param("provider"))
	if p == nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	browser, cookie := h.browserHash(c)
	if browser == nil {
		return errFlowNoBrowser
	}
	state := c.QueryParam("state")
	if state == "" || len(state) > 128 {
		return errFlowState
	}
	stateSum := sha256.Sum256([]byte(state))
	flow, err := h.store.TakeOAuthFlow(ctx, stateSum[:])
	if errors.Is(err, store.ErrNotFound) {
		return errFlowState
	}
	if err != nil {
		return internal(err)
	}
	if subtle.ConstantTimeCompare(flow.BrowserHash, browser) != 1 {
		return errFlowMismatch
	}
	if flow.Provider != p.name {
		return errFlowState
	}
	var uid int64
	if u := currentUser(c); u != nil {
		uid = u.ID
	}
	if flow.UserID != uid {
		return &Error{Code: http.StatusForbidden, Message: "You logged in or out while this was under way, so Hearth did not complete it. Nothing was changed. Please start again."}
	}
	if perr := c.QueryParam("error"); perr != "" {
		msg := p.label + " did not confirm your login, so nothing was changed. You can try again, or log in another way."
		if perr == "access_denied" {
			msg = "You chose not to continue with " + p.label + ", so nothing was changed. You can try again, or log in another way."
		}
		return &Error{Code: http.StatusForbidden, Message: msg}
	}
	code := c.QueryParam("code")
	if code == "" || len(code) > 2048 {
		return errFlowState
	}
	verifier, nonce := flowSecrets(cookie, state)
	subject, err := p.subject(ctx, code, verifier, nonce)
	switch {
	case errors.Is(err, errProviderUnverified):
		return httpError(http.StatusForbidden, "Hearth could not verify your "+p.label+" login, so nothing was changed. Please start again from the login page.", err)
	case err != nil:
		return httpError(http.StatusBadGateway, p.label+" did not complete the login. Nothing was changed. Please try again in a moment.", err)
	}
	if flow.Purpose == purposeLink {
		return h.socialLinked(c, p, flow, subject)
	}
	return h.socialLoggedIn(c, p, flow, subject, browser)
}

// socialLinked finishes adding a provider to the logged-in member's account.
func (h *Handler) socialLinked(c echo.Context, p *socialProvider, flow store.OAuthFlow, subject string) error {
	_, err := h.store.LinkIdentity(c.Request().Context(), flow.UserID, p.name, subject)
	switch {
	case errors.Is(err, store.ErrIdentityTaken):
		return &Error{Code: http.StatusConflict, Message: "That " + p.label + " account is already linked to another Hearth account, so it was not added to yours."}
	case errors.Is(err, store.ErrProviderLinked):
		return &Error{Code: http.StatusConflict, Message: "Your account already has a " + p.label + " login. Remove it first to link a different one."}
	case err != nil:
		return internal(err)
	}
	requestLogger(c, h.log).Info("login provider linked", "provider", p.name)
	return c.Redirect(http.StatusSeeOther, "/account?saved=linked#logins")
}

// socialLoggedIn finishes a login: a known identity gets a fresh session; an unknown one,
// for a visitor, waits while its owner chooses a name (SocialJoin).
func (h *Handler) socialLoggedIn(c echo.Context, p *socialProvider, flow store.OAuthFlow, subject string, browser []byte) error {
	ctx := c.Request().Context()
	u, err := h.store.UserByIdentity(ctx, p.name, subject)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return internal(err)
	}
	current := currentSession(c)
	if errors.Is(err, store.ErrNotFound) {
		if current != nil {
			return &Error{Code: http.StatusConflict, Message: "That " + p.label + " account is not linked to your Hearth account. To add it, use “Ways to log in” on your account page."}
		}
		if err := h.store.SetPendingIdentity(ctx, browser, store.PendingIdentity{Provider: p.name, Subject: subject, Next: flow.Next}, pendingTTL); err != nil {
			return internal(err)
		}
		return c.Redirect(http.StatusSeeOther, "/auth/join")
	}
	if current != nil && current.UserID != u.ID {
		return &Error{Code: http.StatusConflict, Message: "That " + p.label + " account belongs to another Hearth account. Log out first to use it."}
	}
	if err := h.logIn(c, u); err != nil {
		return err
	}
	if current != nil {
		// The member confirmed who they are: the fresh session replaces the old one.
		if err := h.store.DeleteSession(ctx, current.UserID, current.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return internal(err)
		}
		h.sessionEnded(current.UserID, current.ID)
	}
	requestLogger(c, h.log).Info("logged in with provider", "provider", p.name, "user_id", u.ID)
	return c.Redirect(http.StatusSeeOther, safeNext(flow.Next, "/groups"))
}
