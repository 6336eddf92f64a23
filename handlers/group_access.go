package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// groupCtx is a group as the current member may see it, with their membership.
type groupCtx struct {
	g    store.Group
	user *store.User
	m    *store.Membership // nil when the member does not belong to the group
	// approved: not a member, but the group's moderators approved their request to join.
	approved bool
}

// member reports whether the current member belongs to the group.
func (gc groupCtx) member() bool { return gc.m != nil }

// subject is who is asking, as the authorization policy sees them.
func (gc groupCtx) subject() authz.Subject {
	return authz.Subject{User: gc.user, Membership: gc.m, Approved: gc.approved}
}

// may asks the policy whether the current member may do what rule decides.
func (gc groupCtx) may(rule groupRule) bool { return rule(gc.subject(), gc.g) == nil }

// groupRule is one decision of the authorization policy about a group.
type groupRule func(authz.Subject, store.Group) error

// loadGroup resolves :slug for the current member and asks the policy whether they may do
// what rule decides. A private group they do not belong to is the same errNotFound as a
// group that does not exist, on every route, so its existence leaks nowhere.
func (h *Handler) loadGroup(c echo.Context, rule groupRule) (groupCtx, error) {
	gc := groupCtx{user: currentUser(c)}
	if gc.user == nil {
		return gc, authzError(authz.ErrNoAccount)
	}
	ctx := c.Request().Context()
	slug := c.Param("slug")
	g, m, member, err := h.store.GroupForMember(ctx, slug, gc.user.ID)
	moved := false
	if errors.Is(err, store.ErrNotFound) {
		// An address the group had before still leads to it.
		if cur, lerr := h.store.CurrentSlug(ctx, slug); lerr == nil {
			g, m, member, err = h.store.GroupForMember(ctx, cur, gc.user.ID)
			moved = true
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return gc, errNotFound
	case err != nil:
		return gc, internal(err)
	}
	gc.g = g
	if member {
		gc.m = &m
	}
	gc.approved = m.Approved
	if err := rule(gc.subject(), g); err != nil {
		return gc, authzError(err)
	}
	if moved && c.Request().Method == http.MethodGet && !websocket.IsWebSocketUpgrade(c.Request()) {
		// Pages move to the new address; posts and open sockets keep working at the old one.
		r := c.Request()
		to := "/groups/" + g.Slug + strings.TrimPrefix(r.URL.Path, "/groups/"+slug)
		if r.URL.RawQuery != "" {
			to += "?" + r.URL.RawQuery
		}
		return gc, errMoved{to: to}
	}
	return gc, nil
}

// errMoved answers a page asked for at a group's earlier address with a redirect to the
// current one; followMoves sends it.
type errMoved struct{ to string }

func (e errMoved) Error() string { return "group moved to " + e.to }

// followMoves turns errMoved into a permanent redirect, for every group route.
func followMoves(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		var mv errMoved
		if errors.As(err, &mv) {
			return c.Redirect(http.StatusMovedPermanently, mv.to)
		}
		return err
	}
}

// loadMessage resolves :id within the group of :slug and asks the policy about it: rule
// for the group, and, when author is set, that the member wrote the message.
func (h *Handler) loadMessage(c echo.Context, rule groupRule, author bool) (groupCtx, store.Message, error) {
	gc, err := h.loadGroup(c, rule)
	if err != nil {
		return gc, store.Message{}, err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return gc, store.Message{}, errNotFound
	}
	m, err := h.store.MessageByID(c.Request().Context(), id)
	// A message the word filter holds is nobody's to read, react to, report or change
	// here until a moderator approves it (its author sees it in their held list, the
	// moderators on /mod): an edit or reaction would publish it to the room.
	if errors.Is(err, store.ErrNotFound) || (err == nil && (m.GroupID != gc.g.ID || m.Held)) {
		return gc, store.Message{}, errNotFound
	}
	if err != nil {
		return gc, store.Message{}, internal(err)
	}
	if author {
		if err := authz.ChangeMessage(gc.subject(), gc.g, m); err != nil {
			return gc, store.Message{}, authzError(err)
		}
	}
	return gc, m, nil
}

// requireSite guards a route with a site-wide decision of the policy (creating groups,
// the admin pages). It implies requireUser.
func requireSite(rule func(*store.User) error) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return requireUser(func(c echo.Context) error {
			if err := rule(currentUser(c)); err != nil {
				return authzError(err)
			}
			return next(c)
		})
	}
}

// authzError turns the policy's refusal into what the member sees.
func authzError(err error) error {
	switch {
	case errors.Is(err, authz.ErrNotFound):
		return errNotFound
	case errors.Is(err, authz.ErrNoAccount), errors.Is(err, authz.ErrNoSession):
		return &Error{Code: http.StatusUnauthorized, Message: "Please log in to do that."}
	case errors.Is(err, authz.ErrNotMember), errors.Is(err, authz.ErrMemberGone):
		return &Error{Code: http.StatusForbidden, Message: "Join this group to read and take part in its chat."}
	case errors.Is(err, authz.ErrNotAuthor):
		return &Error{Code: http.StatusForbidden, Message: "You can only change your own messages."}
	case errors.Is(err, authz.ErrArchived):
		return &Error{Code: http.StatusForbidden, Message: "This group is archived: its conversation can still be read, but it takes no new messages or members."}
	case errors.Is(err, authz.ErrForbidden):
		return errForbidden
	case errors.Is(err, authz.ErrRestricted):
		return &Error{Code: http.StatusForbidden, Message: err.Error()} // the room's state or a mute, in words
	}
	return internal(err)
}
