package handlers

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// page builds the data every template receives: title, navigation, CSRF token, viewer.
func (h *Handler) page(c echo.Context, title, nav string) *views.Page {
	p := &views.Page{Title: title, Nav: nav, CSRF: csrfToken(c)}
	if u := currentUser(c); u != nil {
		p.Viewer = &views.Viewer{ID: u.ID, DisplayName: u.DisplayName, Role: string(u.Role)}
		// The member's choice for content-warned messages, a class on <body> the page
		// script reads: message HTML is shared by every viewer and cannot carry it. It
		// comes with the (cached) session lookup: no read of its own per page.
		p.Viewer.CWOpen = u.Prefs.CWOpen
		// From memory (store.UnreadCount): no database round trip on a page view unless the
		// member's notifications changed since their last page.
		n, err := h.store.UnreadCount(c.Request().Context(), u.ID)
		if err != nil {
			requestLogger(c, h.log).Warn("count unread notifications", "err", err)
		}
		p.Viewer.Unread = n
		// A moderator's notice waits for the member: a banner on their next page. Fragments
		// (the chat's swaps) do not ask.
		// It comes with the (cached) session lookup: no read of its own per page.
		if !isFragment(c) && c.Request().URL.Path != "/notices" {
			p.NewNotices = u.UnseenSanctions
		}
		// Admins see unclaimed care concerns at the top of the moderation and admin pages.
		if path := c.Request().URL.Path; u.Role == store.RoleAdmin && (strings.HasPrefix(path, "/mod") || strings.HasPrefix(path, "/admin")) {
			p.CareAlerts = h.careAlerts(c.Request().Context())
		}
	}
	return p
}

// currentUser returns the logged-in member, or nil.
func currentUser(c echo.Context) *store.User {
	u, _ := c.Get(ctxUser).(*store.User)
	return u
}

// currentSession returns the session of the logged-in member, or nil.
func currentSession(c echo.Context) *store.Session {
	s, _ := c.Get(ctxSession).(*store.Session)
	return s
}
