package handlers

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// GroupManage lists a group's invite links and pending join requests.
func (h *Handler) GroupManage(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.ManageInvites)
	if err != nil {
		return err
	}
	// A link just created arrives once, in a short-lived cookie only this page reads, so
	// the page that shows it can be reloaded (redirect after post) without the link ever
	// being in a URL or a log.
	link := ""
	if ck, err := c.Cookie(newInviteCookie); err == nil && strings.HasPrefix(ck.Value, "/invites/") {
		link = strings.TrimRight(h.cfg.BaseURL.String(), "/") + ck.Value
		h.setNewInvite(c, gc.g.Slug, "", -1)
	}
	return h.renderManage(c, gc, http.StatusOK, link, nil)
}

// newInviteCookie carries a just-created invite link from the POST to the page after it.
const newInviteCookie = "hearth_new_invite"

func (h *Handler) setNewInvite(c echo.Context, slug, path string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: newInviteCookie, Value: path, Path: "/groups/" + slug + "/manage", MaxAge: maxAge,
		HttpOnly: true, Secure: h.cfg.SecureCookies(), SameSite: http.SameSiteStrictMode})
}

// GroupInviteRevoke ends an invite link at once.
func (h *Handler) GroupInviteRevoke(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.ManageInvites)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := h.store.RevokeInvite(c.Request().Context(), gc.g.ID, id); errors.Is(err, store.ErrNotFound) {
		return &Error{Code: http.StatusNotFound, Message: "That link has already ended."}
	} else if err != nil {
		return internal(err)
	}
	return redirect(c, "/groups/"+gc.g.Slug+"/manage")
}

func (h *Handler) renderManage(c echo.Context, gc groupCtx, status int, newLink string, f *views.Form) error {
	ctx := c.Request().Context()
	invites, err := h.store.ListInvites(ctx, gc.g.ID)
	if err != nil {
		return internal(err)
	}
	reqs, err := h.store.ListJoinRequests(ctx, gc.g.ID)
	if err != nil {
		return internal(err)
	}
	p := h.page(c, "Invites and requests", "groups")
	p.Form = f
	p.Data = groupManagePage{Group: gc.g, Invites: invites, Requests: reqs, NewLink: newLink}
	return h.respond(c, status, "group_manage", "", p)
}

// GroupInviteCreate makes an invite link valid for some days and some uses. The link is
// shown once; only its hash is stored.
func (h *Handler) GroupInviteCreate(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.ManageInvites)
	if err != nil {
		return err
	}
	days, err1 := strconv.Atoi(c.FormValue("days"))
	uses, err2 := strconv.Atoi(c.FormValue("uses"))
	if err1 != nil || err2 != nil || days < 1 || days > 90 || uses < 1 || uses > 500 {
		f := views.NewForm()
		f.Message = "Choose 1 to 90 days and 1 to 500 uses."
		return h.renderManage(c, gc, http.StatusUnprocessableEntity, "", f)
	}
	token := newToken()
	sum := sha256.Sum256([]byte(token))
	if _, err := h.store.CreateInvite(c.Request().Context(), gc.g.ID, gc.user.ID, sum[:], time.Duration(days)*24*time.Hour, uses); err != nil {
		return internal(err)
	}
	h.setNewInvite(c, gc.g.Slug, "/invites/"+token, 300)
	return redirect(c, "/groups/"+gc.g.Slug+"/manage")
}

func inviteHash(c echo.Context) []byte {
	sum := sha256.Sum256([]byte(c.Param("token")))
	return sum[:]
}

// groupManagePage is what a group's invites-and-requests page renders.
type groupManagePage struct {
	Group    store.Group
	Invites  []store.Invite
	Requests []store.JoinRequest
	NewLink  string // a link just created, shown once
}

// invitePage is what an invite link's page renders: the group to join (nil when the link
// can no longer be used), or the confirmation that a request was sent.
type invitePage struct {
	Group     *store.Group
	Requested bool
	Token     string
}

func (h *Handler) renderInvite(c echo.Context, status int, data invitePage, f *views.Form) error {
	p := h.page(c, "Invitation", "groups")
	data.Token = c.Param("token")
	p.Data, p.Form = data, f
	return h.respond(c, status, "invite", "", p)
}

// InviteShow is an invite link's landing page: the group's guidelines and a join form, or,
// for a spent link, a way to ask the moderators instead.
func (h *Handler) InviteShow(c echo.Context) error {
	g, usable, err := h.store.InviteByToken(c.Request().Context(), inviteHash(c))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return internal(err)
	}
	if _, err := h.store.MembershipOf(c.Request().Context(), g.ID, currentUser(c).ID); err == nil {
		return redirect(c, "/groups/"+g.Slug)
	}
	var data invitePage
	if usable {
		data.Group = &g
	}
	return h.renderInvite(c, http.StatusOK, data, nil)
}

// InviteAccept uses one of the invite's uses and joins the group.
func (h *Handler) InviteAccept(c echo.Context) error {
	ctx := c.Request().Context()
	g, usable, err := h.store.InviteByToken(ctx, inviteHash(c))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return internal(err)
	}
	if !usable {
		return h.renderInvite(c, http.StatusGone, invitePage{}, nil)
	}
	if c.FormValue("accept_guidelines") != "yes" {
		f := views.NewForm()
		f.Fail("accept_guidelines", msgAcceptGuidelines)
		return h.renderInvite(c, http.StatusUnprocessableEntity, invitePage{Group: &g}, f)
	}
	g, err = h.store.JoinByInvite(ctx, inviteHash(c), currentUser(c).ID)
	switch {
	case errors.Is(err, store.ErrInviteUsedUp):
		return h.renderInvite(c, http.StatusGone, invitePage{}, nil)
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case errors.Is(err, store.ErrBanned):
		return modError(err)
	case err != nil:
		return internal(err)
	}
	return redirect(c, "/groups/"+g.Slug)
}

// InviteRequest asks a private group's moderators to let the member in, through a link
// that can no longer be used on its own.
func (h *Handler) InviteRequest(c echo.Context) error {
	ctx := c.Request().Context()
	g, _, err := h.store.InviteByToken(ctx, inviteHash(c))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return internal(err)
	}
	note := strings.TrimSpace(c.FormValue("note"))
	if len([]rune(note)) > 500 {
		note = string([]rune(note)[:500])
	}
	if err := h.store.RequestToJoin(ctx, g.ID, currentUser(c).ID, note); err != nil {
		return internal(err)
	}
	return h.renderInvite(c, http.StatusOK, invitePage{Requested: true}, nil)
}
