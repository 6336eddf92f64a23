package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// CSRF protection, two layers deep for every state-changing request:
//
//  1. Fetch metadata and Origin: a browser's Sec-Fetch-Site of cross-site or same-site, or
//     an Origin header other than Hearth's own, is refused outright.
//  2. A synchronizer token: a random per-browser token lives in an HttpOnly SameSite=Lax
//     cookie and must come back in the X-CSRF-Token header (HTMX sends it from hx-headers)
//     or the _csrf field of the form body (plain forms). The query string is never read: a
//     token in a URL leaks through logs, history and Referer.
//
// The token is replaced at login and at logout, so one seen by someone else before either
// is useless after it. Behind https the cookie is named with the __Host- prefix, which
// browsers accept only from a secure origin, with Path=/ and without Domain: a sibling
// subdomain cannot plant its own token.
//
// echo's CSRF middleware was considered; it skips the token entirely whenever a browser
// sends Sec-Fetch-Site: same-origin, and Hearth wants the token checked every time.
const (
	csrfCookie       = "hearth_csrf"
	csrfCookieSecure = "__Host-hearth_csrf" // the name behind https
	csrfHeader       = "X-CSRF-Token"
	csrfField        = "_csrf"
)

var errCSRF = &Error{Code: http.StatusForbidden, Message: "This page has expired or the request came from somewhere else. Please reload the page and try again."}

func (h *Handler) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	self := h.cfg.BaseURL.Scheme + "://" + h.cfg.BaseURL.Host
	name := h.csrfCookieName()
	return func(c echo.Context) error {
		r := c.Request()
		token := ""
		if ck, err := c.Cookie(name); err == nil && len(ck.Value) >= 32 {
			token = ck.Value
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			if token == "" {
				h.rotateCSRF(c)
			} else {
				c.Set(ctxCSRF, token)
			}
			return next(c)
		}
		if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
			return errCSRF
		}
		if origin := r.Header.Get(echo.HeaderOrigin); origin != "" && origin != self && !h.sameHostOrigin(origin, r) {
			return errCSRF
		}
		sent := r.Header.Get(csrfHeader)
		if sent == "" {
			sent = r.PostFormValue(csrfField) // the body only, never the query string
		}
		if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(sent)) != 1 {
			return errCSRF
		}
		c.Set(ctxCSRF, token)
		return next(c)
	}
}

// csrfCookieName is the CSRF cookie's name: __Host- prefixed behind https.
func (h *Handler) csrfCookieName() string {
	if h.cfg.SecureCookies() {
		return csrfCookieSecure
	}
	return csrfCookie
}

// rotateCSRF gives the browser a new CSRF token and makes it the one this response's page
// embeds. Pages rendered earlier carry the old token and must be reloaded, which the
// redirects after login and logout do.
func (h *Handler) rotateCSRF(c echo.Context) {
	token := newToken()
	c.SetCookie(&http.Cookie{
		Name: h.csrfCookieName(), Value: token, Path: "/", HttpOnly: true,
		Secure: h.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600,
	})
	c.Set(ctxCSRF, token)
}

// sameHostOrigin accepts an Origin naming the request's own Host, but only when no base URL
// was configured (see Config.BaseURLExplicit).
func (h *Handler) sameHostOrigin(origin string, r *http.Request) bool {
	if h.cfg.BaseURLExplicit {
		return false
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host && (u.Scheme == "http" || u.Scheme == "https")
}

// csrfToken returns the token to embed in forms and hx-headers.
func csrfToken(c echo.Context) string {
	t, _ := c.Get(ctxCSRF).(string)
	return t
}

// newToken returns 32 random bytes, base64url-encoded.
func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
