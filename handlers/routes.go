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
	app.GET("/help", h.Help)
	app.GET("/privacy", h.Privacy)
	app.GET("/crisis/phrases", h.CrisisPhrases, requireUser)
	app.GET("/goals", h.GoalList)
	goals := app.Group("/goals", requireUser)
	goals.GET("/new", h.GoalNew)
	goals.POST("/new", h.GoalCreate)
	goals.GET("/:id", h.GoalShow)
	goals.GET("/:id/edit", h.GoalEditForm)
	goals.POST("/:id/edit", h.GoalEdit)
	goals.POST("/:id/milestones", h.MilestoneAdd)
	goals.POST("/:id/milestones/:mid/edit", h.MilestoneEdit)
	goals.POST("/:id/milestones/:mid/delete", h.MilestoneDelete)
	goals.POST("/:id/milestones/:mid/move", h.MilestoneMove)
	goals.POST("/:id/milestones/:mid/check", h.MilestoneCheck)
	goals.POST("/:id/updates", h.GoalUpdate)
	goals.POST("/:id/state", h.GoalState)
	goals.POST("/:id/react", h.GoalReact)
	goals.POST("/:id/comments", h.GoalComment)
	goals.POST("/:id/comments/:cid/delete", h.GoalCommentDelete)
	goals.POST("/:id/comments/setting", h.GoalComments)
	goals.GET("/:id/comments/:cid/report", h.GoalCommentReportForm)
	goals.POST("/:id/comments/:cid/report", h.GoalCommentReport)
	app.GET("/members/:id", h.MemberShow, requireUser)

	notes := app.Group("/notifications", requireUser)
	notes.GET("", h.Notifications)
	notes.GET("/stream", h.NotificationStream)
	notes.POST("/read", h.NotificationsReadAll)
	notes.POST("/settings", h.NotificationSettings)
	notes.POST("/:id/read", h.NotificationOpen)

	app.GET("/register", h.RegisterForm)
	app.POST("/register", h.Register, authLimit,
		h.globalLimit(h.cfg.RegisterPerMinute, "Many people are joining Hearth right now. Please wait a minute and try again."))
	app.GET("/login", h.LoginForm)
	app.POST("/login", h.Login, authLimit)
	app.POST("/logout", h.Logout)
	// Social login (auth_social*.go). The callback is a GET from the provider: its state,
	// bound to this browser and good once, protects it instead of the CSRF token.
	app.POST("/auth/:provider/login", h.SocialLogin, authLimit)
	app.POST("/auth/:provider/link", h.SocialLink, requireUser, authLimit)
	app.GET("/auth/:provider/callback", h.SocialCallback, authLimit)
	app.GET("/auth/join", h.SocialJoinForm)
	app.POST("/auth/join", h.SocialJoin, authLimit,
		h.globalLimit(h.cfg.RegisterPerMinute, "Many people are joining Hearth right now. Please wait a minute and try again."))
	app.POST("/account/logins/:id/unlink", h.SocialUnlink, requireUser)
	app.GET("/reset/:token", h.PasswordResetForm)
	app.POST("/reset/:token", h.PasswordReset, authLimit)

	app.GET("/account", h.Account, requireUser)
	app.POST("/account/sessions/:id/end", h.EndSession, requireUser)
	app.POST("/account/name", h.AccountName, requireUser)
	app.POST("/account/password", h.AccountPassword, requireUser, authLimit)
	app.POST("/account/content-warnings", h.AccountContentWarnings, requireUser)
	app.POST("/account/export", h.AccountExport, requireUser)
	app.GET("/account/delete", h.AccountDeleteForm, requireUser)
	app.POST("/account/delete", h.AccountDelete, requireUser, authLimit)
	app.GET("/account/deleted", h.AccountDeleted)

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
	groups.GET("/:slug/retention", h.GroupRetention)
	groups.POST("/:slug/retention", h.GroupRetentionSave)
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
	groups.GET("/:slug/goals", h.GoalBoard)
	app.GET("/invites/:token", h.InviteShow, requireUser)
	app.POST("/invites/:token", h.InviteAccept, requireUser)
	app.POST("/invites/:token/request", h.InviteRequest, requireUser)

	// The resource library: published resources are open to everyone; the rest needs a
	// login, and the policy decides per resource (loadResource, loadToolkitItem).
	app.GET("/resources", h.ResourceList)
	app.GET("/resources/new", h.ResourceNew, requireSite(authz.SubmitResource))
	app.POST("/resources/new", h.ResourceCreate, requireSite(authz.SubmitResource))
	app.GET("/resources/toolkit", h.Toolkit, requireUser)
	app.POST("/resources/toolkit/:id/note", h.ToolkitNote, requireUser)
	app.POST("/resources/toolkit/:id/move", h.ToolkitMove, requireUser)
	app.POST("/resources/toolkit/:id/remove", h.ToolkitRemove, requireUser)
	app.GET("/resources/review", h.ResourceReviewQueue, requireSite(authz.ReviewResources))
	app.GET("/resources/:slug", h.ResourceShow)
	app.POST("/resources/:slug/helped", h.ResourceHelped, requireUser)
	app.POST("/resources/:slug/toolkit", h.ToolkitSave, requireUser)
	app.POST("/resources/:slug/share", h.ResourceShare, requireUser)
	app.GET("/resources/:slug/edit", h.ResourceEditForm, requireUser)
	app.POST("/resources/:slug/edit", h.ResourceEdit, requireUser)
	app.POST("/resources/:slug/status", h.ResourceDecide, requireUser)
	app.GET("/resources/:slug/revisions", h.ResourceRevisions, requireUser)
	app.POST("/resources/:slug/revisions/:id/restore", h.ResourceRestore, requireUser)
	app.POST("/resources/:slug/delete", h.ResourceDelete, requireUser)

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
	mod.POST("/messages/:id/approve", h.ModApprove)
	mod.POST("/messages/:id/reject", h.ModReject)
	mod.POST("/comments/:id/hide", h.ModHideComment)
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
	admin.GET("/crisis", h.AdminCrisis)
	admin.POST("/crisis", h.AdminCrisisSave)
	admin.GET("/filter", h.AdminFilter)
	admin.POST("/filter", h.AdminFilterAdd)
	admin.POST("/filter/:id/delete", h.AdminFilterDelete)
	admin.GET("/login", h.AdminLogin)
	admin.POST("/login", h.AdminLoginSave)
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
