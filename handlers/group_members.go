package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// groupMembersPage is what a group's member list renders.
type groupMembersPage struct {
	Group   store.Group
	Members []groupMemberRow
	// CanAppoint: the viewer may make members group moderators (admins).
	CanAppoint bool
}

// groupMemberRow is one member with what the viewer may do about them.
type groupMemberRow struct {
	store.Member
	CanRemove bool
	Self      bool
}

// GroupMembers lists a group's members for its moderators, site moderators and admins,
// with the controls each may use.
func (h *Handler) GroupMembers(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.ListMembers)
	if err != nil {
		return err
	}
	members, err := h.store.ListMembers(c.Request().Context(), gc.g.ID)
	if err != nil {
		return internal(err)
	}
	data := groupMembersPage{Group: gc.g, CanAppoint: gc.may(authz.AppointModerators)}
	for _, m := range members {
		target := store.Membership{GroupID: gc.g.ID, UserID: m.UserID, IsModerator: m.IsModerator}
		data.Members = append(data.Members, groupMemberRow{Member: m, Self: m.UserID == gc.user.ID,
			CanRemove: m.UserID != gc.user.ID && authz.RemoveMember(gc.subject(), gc.g, target) == nil})
	}
	p := h.page(c, "Members · "+gc.g.Name, "groups")
	p.Data = data
	return h.respond(c, http.StatusOK, "group_members", "", p)
}

// memberTarget resolves :user to a member of the group, or errNotFound.
func (h *Handler) memberTarget(c echo.Context, gc groupCtx) (store.Membership, error) {
	id, err := strconv.ParseInt(c.Param("user"), 10, 64)
	if err != nil {
		return store.Membership{}, errNotFound
	}
	m, err := h.store.MembershipOf(c.Request().Context(), gc.g.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Membership{}, &Error{Code: http.StatusNotFound, Message: "That person is not a member of this group (any more)."}
	}
	if err != nil {
		return store.Membership{}, internal(err)
	}
	return m, nil
}

// GroupMemberRemove takes a member out of the group; their open chat closes at once.
func (h *Handler) GroupMemberRemove(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.ListMembers)
	if err != nil {
		return err
	}
	target, err := h.memberTarget(c, gc)
	if err != nil {
		return err
	}
	if target.UserID == gc.user.ID {
		return &Error{Code: http.StatusConflict, Message: "To leave the group yourself, use “Leave group” on its page."}
	}
	if err := authz.RemoveMember(gc.subject(), gc.g, target); err != nil {
		return authzError(err)
	}
	if err := h.store.Leave(c.Request().Context(), gc.g.ID, target.UserID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return internal(err)
	}
	h.chat.KickMember(gc.g.ID, target.UserID)
	requestLogger(c, h.log).Info("member removed from group", "group", gc.g.ID, "target_user_id", target.UserID)
	return redirect(c, "/groups/"+gc.g.Slug+"/members")
}

// GroupMemberModerator makes a member a group moderator (moderator=on) or takes it back.
func (h *Handler) GroupMemberModerator(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.AppointModerators)
	if err != nil {
		return err
	}
	target, err := h.memberTarget(c, gc)
	if err != nil {
		return err
	}
	var on bool
	switch c.FormValue("moderator") {
	case "on":
		on = true
	case "off":
	default:
		return &Error{Code: http.StatusBadRequest, Message: "Choose whether this member moderates the group."}
	}
	if err := h.store.SetGroupModerator(c.Request().Context(), gc.g.ID, target.UserID, on); err != nil && !errors.Is(err, store.ErrNotFound) {
		return internal(err)
	}
	requestLogger(c, h.log).Info("group moderator changed", "group", gc.g.ID, "target_user_id", target.UserID, "moderator", on)
	return redirect(c, "/groups/"+gc.g.Slug+"/members")
}
