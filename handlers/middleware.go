package handlers

import (
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/hearth-community/hearth/store"
)

// Keys of values the middleware puts on the echo context.
const (
	ctxUser    = "hearth.user"
	ctxSession = "hearth.session"
	ctxLogger  = "hearth.logger"
	ctxCSRF    = "hearth.csrf"
)

// sessionCookie is the name of the cookie holding the opaque session token.
const sessionCookie = "hearth_session"

// touchEvery bounds how often a session's last-seen time is written, so reading pages
// does not turn into a database write per request.
const touchEvery = 5 * time.Minute

// slowRequest is how long a request may take before it is logged as slow.
const slowRequest = time.Second

// requestLog puts a request-scoped logger (with the request id) on the context and logs
// one line per request. It never logs bodies, query strings or cookies.
//
// Hearth keeps no access log by default: which pages a member opens is theirs. A request is
// logged at info when it failed (4xx, 5xx; a 5xx is also logged with its cause by the error
// handler), at warn when it took longer than slowRequest, and otherwise only at debug
// (HEARTH_LOG_LEVEL=debug).
func (h *Handler) requestLog() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			id := c.Response().Header().Get(echo.HeaderXRequestID)
			log := h.log.With("request_id", id)
			c.Set(ctxLogger, log)
			err := next(c)
			if err != nil {
				c.Error(err) // renders and logs the error through ErrorHandler
			}
			if u := currentUser(c); u != nil {
				log = log.With("user_id", u.ID)
			}
			status, took := c.Response().Status, time.Since(start)
			lvl := slog.LevelDebug
			switch {
			case took >= slowRequest:
				lvl = slog.LevelWarn
			case status >= http.StatusBadRequest:
				lvl = slog.LevelInfo
			}
			if !h.log.Enabled(c.Request().Context(), lvl) {
				return nil
			}
			log.Log(c.Request().Context(), lvl, "request",
				"method", c.Request().Method, "path", c.Request().URL.Path, "route", c.Path(),
				"status", status, "bytes", c.Response().Size, "ip", c.RealIP(),
				"duration_ms", float64(took.Microseconds())/1000)
			return nil
		}
	}
}

// securityHeaders sets a strict CSP and friends on every response, and no-store on every
// non-asset response: Hearth's pages carry private data by default.
func (h *Handler) securityHeaders() echo.MiddlewareFunc {
	ws := "ws://" + h.cfg.BaseURL.Host
	if h.cfg.BaseURL.Scheme == "https" {
		ws = "wss://" + h.cfg.BaseURL.Host
	}
	csp := strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"font-src 'self'",
		"connect-src 'self' " + ws,
		"form-action 'self'",
		"frame-ancestors 'none'",
		"base-uri 'none'",
		"object-src 'none'",
	}, "; ")
	hsts := h.cfg.SecureCookies()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			hd := c.Response().Header()
			hd.Set("Content-Security-Policy", csp)
			hd.Set("X-Content-Type-Options", "nosniff")
			hd.Set("X-Frame-Options", "DENY")
			hd.Set("Referrer-Policy", "same-origin")
			hd.Set("Cross-Origin-Opener-Policy", "same-origin")
			hd.Set("Cross-Origin-Resource-Policy", "same-origin")
			hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()")
			if hsts {
				hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			if !strings.HasPrefix(c.Request().URL.Path, "/static/") {
				hd.Set("Cache-Control", "no-store")
			}
			return next(c)
		}
	}
}

// bodyLimit caps request bodies.
func (h *Handler) bodyLimit() echo.MiddlewareFunc {
	return middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit: strconv.FormatInt(h.cfg.MaxBodyBytes, 10) + "B",
	})
}

// loadSession resolves the session cookie to a member. An unknown or expired token is
// simply ignored (the member is logged out) and its cookie cleared.
func (h *Handler) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		sum := sha256.Sum256([]byte(ck.Value))
		sess, user, err := h.store.SessionByToken(c.Request().Context(), sum[:])
		if errors.Is(err, store.ErrNotFound) {
			h.clearSessionCookie(c)
			return next(c)
		}
		if err != nil {
			return internal(err)
		}
		if h.store.Now().Sub(sess.LastSeenAt) > touchEvery {
			if err := h.store.TouchSession(c.Request().Context(), sess.ID, h.cfg.SessionTTL); err != nil {
				requestLogger(c, h.log).Warn("touch session", "err", err)
			}
		}
		c.Set(ctxUser, &user)
		c.Set(ctxSession, &sess)
		if l, ok := c.Get(ctxLogger).(*slog.Logger); ok {
			c.Set(ctxLogger, l.With("user_id", user.ID))
		}
		return next(c)
	}
}

// requireUser sends visitors who are not logged in to the login page.
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return next(c)
		}
		r := c.Request()
		if r.Method != http.MethodGet {
			return &Error{Code: http.StatusUnauthorized, Message: "Please log in to do that."}
		}
		return redirect(c, "/login?next="+url.QueryEscape(r.URL.RequestURI()))
	}
}

// requireRole refuses members below the given site role with 403. It implies requireUser.
func requireRole(min store.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return requireUser(func(c echo.Context) error {
			if !currentUser(c).Role.AtLeast(min) {
				return errForbidden
			}
			return next(c)
		})
	}
}
