package handlers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
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
	// ctxLongLived marks a response that stays open by design (the notification stream):
	// its duration is not slowness.
	ctxLongLived = "hearth.longlived"
)

// sessionCookie is the name of the cookie holding the opaque session token.
const sessionCookie = "hearth_session"

// touchEvery bounds how often a session's last-seen time is written, so reading pages
// does not turn into a database write per request.
const touchEvery = 5 * time.Minute

// slowRequest is how long a request may take before it is logged as slow.
const slowRequest = time.Second

// requestLog gives the request an id made on the server, puts a request-scoped logger (with
// that id) on the context and logs one line per request.
//
// What a line may hold is decided here, because logs outlive requests and are read by
// people who should not learn who goes to which group:
//   - the route pattern (/invites/:token, /groups/:slug), never the URL path, which carries
//     invite tokens and private group slugs; never bodies, query strings or cookies;
//   - a request id generated here: an X-Request-ID sent by the client is ignored and never
//     echoed, so nobody can plant text in the log or tie their own label to a line;
//   - no client IP at info or warn. At debug (an operator chasing a problem, who opted into
//     an access log) the client's network is logged, truncated to its /24 (IPv4) or /48
//     (IPv6): enough to see that a flood comes from one place, not enough to name a
//     household. Rate limits use the full address and never log it.
//
// Hearth keeps no access log by default: which pages a member opens is theirs. A request is
// logged at info when it failed (4xx, 5xx; a 5xx is also logged with its cause by the error
// handler), at warn when it took longer than slowRequest, and otherwise only at debug
// (HEARTH_LOG_LEVEL=debug). A client that went away (statusClientClosed) is logged at debug.
func (h *Handler) requestLog() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			id := newRequestID()
			c.Response().Header().Set(echo.HeaderXRequestID, id)
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
			case status == statusClientClosed:
			case took >= slowRequest && c.Get(ctxLongLived) == nil:
				lvl = slog.LevelWarn
			case status >= http.StatusBadRequest:
				lvl = slog.LevelInfo
			}
			ctx := context.WithoutCancel(c.Request().Context())
			if !h.log.Enabled(ctx, lvl) {
				return nil
			}
			attrs := []any{"method", c.Request().Method, "route", c.Path(),
				"status", status, "bytes", c.Response().Size,
				"duration_ms", float64(took.Microseconds()) / 1000}
			if lvl == slog.LevelDebug {
				attrs = append(attrs, "net", truncatedNet(c.RealIP()))
			}
			log.Log(ctx, lvl, "request", attrs...)
			return nil
		}
	}
}

// newRequestID returns 16 random bytes in hex.
func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

// truncatedNet is the /24 (IPv4) or /48 (IPv6) holding ip, for debug logs.
func truncatedNet(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "unknown"
	}
	a = a.Unmap()
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p.String()
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
		"form-action 'self'%s", // plus the login providers' origins (socialProviders.formAction)
		"frame-ancestors 'none'",
		"base-uri 'none'",
		"object-src 'none'",
	}, "; ")
	head, tail, _ := strings.Cut(csp, "%s")
	hsts := h.cfg.SecureCookies()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			hd := c.Response().Header()
			hd.Set("Content-Security-Policy", head+*h.social.formAction.Load()+tail)
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
			// The row slides, and so must the cookie: its Max-Age was counted from login.
			if err := h.store.TouchSession(c.Request().Context(), sess.ID, h.cfg.SessionTTL); clientGone(c, err) {
				requestLogger(c, h.log).Debug("touch session: client went away", "err", err)
			} else if err != nil {
				requestLogger(c, h.log).Warn("touch session", "err", err)
			} else {
				h.setSessionCookie(c, ck.Value)
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
