package handlers

import (
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/static"
)

// Router builds the echo instance with every middleware and route. The order of the
// middleware matters: request id and logging first, so every later refusal is logged with
// its id; then headers, body limit, session and CSRF.
func (h *Handler) Router() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = h.ErrorHandler
	e.IPExtractor = h.ipExtractor()

	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(h.requestLog()) // also gives every request its server-made id
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, DisablePrintStack: true}))
	e.Use(h.securityHeaders())
	e.Use(h.bodyLimit())

	e.GET("/healthz", h.Healthz)
	e.GET(static.Prefix+"*", echo.WrapHandler(h.assets))
	e.GET("/favicon.ico", h.Favicon)

	app := e.Group("", h.loadSession, h.csrf)
	authLimit := h.rateLimit(h.cfg.AuthPerMinute)

	app.GET("/", h.Home)
	app.GET("/welcome", h.Welcome, requireUser)
	app.GET("/help", h.staticPage("help", "Get help now", "help"))
	app.GET("/resources", h.staticPage("resources", "Resources", "resources"))
	app.GET("/goals", h.staticPage("goals", "Goals", "goals"))

	app.GET("/register", h.RegisterForm)
	app.POST("/register", h.Register, authLimit,
		h.globalLimit(h.cfg.RegisterPerMinute, "Many people are joining Hearth right now. Please wait a minute and try again."))
	app.GET("/login", h.LoginForm)
	app.POST("/login", h.Login, authLimit)
	app.POST("/logout", h.Logout)
	app.GET("/reset/:token", h.PasswordResetForm)
	app.POST("/reset/:token", h.PasswordReset, authLimit)

	app.GET("/account", h.Account, requireUser)
	app.POST("/account/sessions/:id/end", h.EndSession, requireUser)
	app.POST("/account/name", h.AccountName, requireUser)
	app.POST("/account/password", h.AccountPassword, requireUser, authLimit)

	groups := app.Group("/groups", requireUser, followMoves)
	groups.GET("", h.GroupList)
	groups.GET("/new", h.GroupNew, requireSite(authz.CreateGroup))
	groups.POST("/new", h.GroupCreate, requireSite(authz.CreateGroup))
	groups.GET("/:slug", h.GroupShow)
	groups.POST("/:slug/join", h.GroupJoin)
	groups.POST("/:slug/leave", h.GroupLeave)
	groups.GET("/:slug/edit", h.GroupEditForm)
	groups.POST("/:slug/edit", h.GroupEdit)
	groups.GET("/:slug/manage", h.GroupManage)
	groups.POST("/:slug/invites", h.GroupInviteCreate)
	groups.POST("/:slug/invites/:id/revoke", h.GroupInviteRevoke)
	groups.GET("/:slug/members", h.GroupMembers)
	groups.POST("/:slug/members/:user/remove", h.GroupMemberRemove)
	groups.POST("/:slug/members/:user/moderator", h.GroupMemberModerator)
	groups.POST("/:slug/archive", h.GroupArchive)
	groups.POST("/:slug/delete", h.GroupDelete)
	groups.POST("/:slug/requests/:user/:decision", h.GroupRequestDecide)
	groups.GET("/:slug/messages", h.MessagesHistory)
	groups.GET("/:slug/messages/:id", h.MessageShow)
	groups.GET("/:slug/messages/:id/edit", h.MessageEditForm)
	groups.POST("/:slug/messages/:id/edit", h.MessageEdit)
	groups.POST("/:slug/messages/:id/delete", h.MessageDelete)
	groups.POST("/:slug/messages/:id/react", h.MessageReact)
	groups.GET("/:slug/messages/:id/report", h.ReportForm)
	groups.POST("/:slug/messages/:id/report", h.ReportCreate)
	// The socket is a GET: CSRF does not apply; ChatSocket checks the Origin itself.
	groups.GET("/:slug/ws", h.ChatSocket)
	app.GET("/invites/:token", h.InviteShow, requireUser)
	app.POST("/invites/:token", h.InviteAccept, requireUser)
	app.POST("/invites/:token/request", h.InviteRequest, requireUser)

	app.POST("/care/check-in", h.CareCheckIn, requireUser)
	app.GET("/notices", h.Notices, requireUser)
	app.POST("/notices/:id/appeal", h.NoticeAppeal, requireUser)

	// Moderation. Each handler asks its own authz decision (the queue's scope, or the
	// action's rule for the group).
	mod := app.Group("/mod", requireUser)
	mod.GET("", h.ModQueue)
	mod.GET("/queue/new", h.ModQueueNew)
	mod.GET("/audit", h.ModAudit)
	mod.POST("/reports/:id/claim", h.ModClaim)
	mod.POST("/reports/:id/resolve", h.ModResolve)
	mod.GET("/messages/:id", h.ModMessage)
	mod.POST("/messages/:id/hide", h.ModHide)
	mod.POST("/messages/:id/restore", h.ModRestore)
	mod.POST("/groups/:slug/members/:user/sanction", h.ModSanction)
	mod.GET("/groups/:slug", h.ModGroup)
	mod.POST("/groups/:slug/lock", h.ModLock)
	mod.POST("/groups/:slug/slow-mode", h.ModSlowMode)
	mod.POST("/groups/:slug/facilitated", h.ModFacilitated)
	mod.POST("/users/:user/suspend", h.ModSuspend)
	mod.POST("/sanctions/:id/lift", h.ModLift)
	mod.POST("/appeals/:id/decide", h.ModDecideAppeal)

	admin := app.Group("/admin", requireSite(authz.Administer))
	admin.GET("/users", h.AdminUsers)
	admin.POST("/users/:id/role", h.SetUserRole)
	admin.POST("/users/:id/reset", h.UserResetLink)
	return e
}

// ipExtractor decides the client IP used for rate limits and logs. Without trusted proxies
// it is the TCP peer, so a spoofed X-Forwarded-For changes nothing.
func (h *Handler) ipExtractor() echo.IPExtractor {
	if len(h.cfg.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range h.cfg.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(prefixToIPNet(p)))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// rateLimit allows perMinute requests per client per minute, with a burst of the same size,
// and answers 429 with a friendly message beyond that. A client is an IPv4 address or an
// IPv6 /64 (clientNet).
func (h *Handler) rateLimit(perMinute int) echo.MiddlewareFunc {
	limiterStore := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(float64(perMinute) / 60), Burst: perMinute, ExpiresIn: 10 * time.Minute,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: limiterStore,
		IdentifierExtractor: func(c echo.Context) (string, error) {
			return clientNet(c.RealIP()), nil
		},
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return &Error{Code: http.StatusTooManyRequests, Message: "Too many attempts from your connection. Please wait a minute and try again."}
		},
		ErrorHandler: func(c echo.Context, err error) error { return internal(err) },
	})
}

func prefixToIPNet(p netip.Prefix) *net.IPNet {
	p = p.Masked()
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}
