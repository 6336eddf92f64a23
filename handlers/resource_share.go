package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/store"
)

// shareGroup is one group a resource can be shared into, for the resource page's select.
type shareGroup struct {
	Slug, Name string
}

// shareGroups lists the groups userID may post to, as the policy says.
func (h *Handler) shareGroups(c echo.Context, u *store.User) ([]shareGroup, error) {
	ctx := c.Request().Context()
	gs, err := h.store.ListGroupsFor(ctx, u.ID, false)
	if err != nil {
		return nil, fmt.Errorf("list groups to share into: %w", err)
	}
	var out []shareGroup
	for _, g := range gs {
		if !g.IsMember {
			continue
		}
		m, err := h.store.MembershipOf(ctx, g.ID, u.ID)
		if err != nil {
			continue // left meanwhile
		}
		if authz.Post(authz.Subject{User: u, Membership: &m}, g.Group) == nil {
			out = append(out, shareGroup{Slug: g.Slug, Name: g.Name})
		}
	}
	return out, nil
}

// ResourceShare shares a published resource into one of the member's groups: a message
// carrying the resource goes through the chat's durable path (hub.Post: rate limit, word
// filter, the committer's authz.LivePost), so it is sequenced, in history and fanned out
// live, where it shows as the resource's card. The group is chosen by its slug in the
// form field "group"; a private group the member is not in is a 404 like one that does
// not exist, a public one a 403 that asks them to join first.
func (h *Handler) ResourceShare(c echo.Context) error {
	r, err := h.loadResource(c, authz.UseResource)
	if err != nil {
		return err
	}
	if !r.Published() {
		return &Error{Code: http.StatusUnprocessableEntity, Message: "Only a published resource can be shared into a group."}
	}
	u := currentUser(c)
	ctx := c.Request().Context()
	slug := strings.TrimSpace(c.FormValue("group"))
	if slug == "" {
		return &Error{Code: http.StatusUnprocessableEntity, Message: "Choose a group to share it into."}
	}
	g, m, member, err := h.store.GroupForMember(ctx, slug, u.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case err != nil:
		return internal(err)
	}
	s := authz.Subject{User: u, Approved: m.Approved}
	if member {
		s.Membership = &m
	}
	if err := authz.Post(s, g); err != nil {
		return authzError(err)
	}
	sess := currentSession(c)
	if sess == nil {
		return authzError(authz.ErrNoSession)
	}
	nm := store.NewMessage{GroupID: g.ID, SessionID: sess.ID, AuthorID: u.ID, AuthorName: u.DisplayName,
		ClientID: shareClientID(c.FormValue("share_token"), g.ID), Body: r.Title, ResourceID: r.ID}
	if _, err := h.chat.Post(ctx, nm); err != nil {
		if chat.IsRefusal(err) {
			return &Error{Code: http.StatusUnprocessableEntity, Message: err.Error()}
		}
		return internal(fmt.Errorf("share resource into group: %w", err))
	}
	return redirect(c, "/groups/"+g.Slug)
}

// newShareToken is the idempotency token the resource page puts in its share form, one per
// rendering of the page: a double click, a resubmission or a retry of that form posts one
// card, while sharing again from a freshly loaded page posts another, as the member meant.
func newShareToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// shareClientID is the shared card's idempotency key in the chat's durable path (the
// client_id a browser makes for a chat message, unique per author): derived from the
// form's token and the group, so one form shared into two groups posts two cards, and the
// same submission twice posts one (the store answers the second with the first). A form
// without a valid token (a page from before tokens) gets a fresh key.
func shareClientID(token string, groupID int64) string {
	if !chat.ValidClientID(token) {
		token = newShareToken()
	}
	sum := sha256.Sum256([]byte("share\x00" + token + "\x00" + strconv.FormatInt(groupID, 10)))
	return "share-" + base64.RawURLEncoding.EncodeToString(sum[:18])
}
