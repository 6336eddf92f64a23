package handlers

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

// startSession creates a fresh server-side session (a new id at every login, so a token
// planted before login is useless), sets its cookie and rotates the CSRF token, so a token
// seen before login is useless after it too.
// logIn starts a session for u, unless u is suspended: then the member is told so (a
// 403 with the suspension's reason and end). Every way of logging in ends here, after
// it has checked who the member is.
func (h *Handler) logIn(c echo.Context, u store.User) error {
	sn, suspended, err := h.store.ActiveSuspension(c.Request().Context(), u.ID)
	if err != nil {
		return internal(err)
	}
	if suspended {
		return &Error{Code: http.StatusForbidden, Message: suspensionMessage(sn)}
	}
	if err := h.startSession(c, u); err != nil {
		return internal(err)
	}
	return nil
}

func (h *Handler) startSession(c echo.Context, u store.User) error {
	token := newToken()
	sum := sha256.Sum256([]byte(token))
	ua := c.Request().UserAgent()
	if len(ua) > 200 {
		ua = ua[:200]
	}
	if _, err := h.store.CreateSession(c.Request().Context(), u.ID, sum[:], h.cfg.SessionTTL, ua, c.RealIP()); err != nil {
		return fmt.Errorf("start session for user %d: %w", u.ID, err)
	}
	h.setSessionCookie(c, token)
	h.rotateCSRF(c)
	return nil
}

// setSessionCookie sets the session cookie to last SessionTTL from now. It is called at
// login and again whenever the session row slides (see loadSession), so the browser keeps
// the login exactly as long as the server does.
func (h *Handler) setSessionCookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: h.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode,
		MaxAge: int(h.cfg.SessionTTL.Seconds()),
	})
}

// clearSessionCookie removes the session cookie from the browser.
func (h *Handler) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: h.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode, MaxAge: -1,
	})
}

// maxNextLen bounds a return path; anything longer is not one of Hearth's own links.
const maxNextLen = 2048

// safeNext returns next if it is a path on this site, or fallback. It stops open
// redirects: browsers forgive a lot in a Location header (a tab or newline is dropped, a
// backslash is a slash, "//host" is another site), so only a plain local path passes: it
// parses with net/url, has no scheme, host or user, starts with exactly one "/", and neither
// it nor its percent-decoded path holds a backslash, a control byte or "//".
func safeNext(next, fallback string) string {
	if next == "" || len(next) > maxNextLen || !localPath(next) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !localPath(u.Path) {
		return fallback
	}
	return next
}

// localPath reports whether p starts with a single "/" and holds no backslash, control
// byte, non-ASCII byte or empty path segment.
func localPath(p string) bool {
	if len(p) == 0 || p[0] != '/' || strings.Contains(p, "//") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if b := p[i]; b < 0x20 || b >= 0x7f || b == '\\' {
			return false
		}
	}
	return true
}
