package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// Moderator actions. Each needs a reason, writes its audit entry in the same transaction
// (store), and takes effect live: a hidden message is re-published to its room, a removed,
// banned or suspended member's sockets close through the change feed, and a room's new
// state reaches everyone in it with the next presence update.

// modMessage loads :id with its group and asks authz.Hide; a site moderator reaches a
// message of a private group they cannot see only when it was reported.
func (h *Handler) modMessage(c echo.Context) (groupCtx, store.Message, int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return groupCtx{}, store.Message{}, 0, errNotFound
	}
	ctx := c.Request().Context()
	m, err := h.store.MessageByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return groupCtx{}, m, 0, errNotFound
	}
	if err != nil {
		return groupCtx{}, m, 0, internal(err)
	}
	gc, err := h.modGroupByID(c, m.GroupID)
	if err != nil {
		return gc, m, 0, err
	}
	reportID, reported := h.reported(c, m.GroupID, m.ID, 0)
	if !reported {
		if reported, err = h.store.MessageReported(ctx, m.ID); err != nil {
			return gc, m, 0, internal(err)
		}
	}
	if err := authz.Hide(gc.subject(), gc.g, reported); err != nil {
		return gc, m, 0, authzError(err)
	}
	return gc, m, reportID, nil
}

// modMessagePage is what mod_message renders: the original of a message for moderators.
type modMessagePage struct {
	Group store.Group
	M     store.Message
}

// ModMessage shows a message's original text to its group's moderators, marked hidden if
// it is, with a way to hide or restore it.
func (h *Handler) ModMessage(c echo.Context) error {
	gc, m, _, err := h.modMessage(c)
	if err != nil {
		return err
	}
	p := h.page(c, "Message · moderation", "mod")
	p.Data = modMessagePage{Group: gc.g, M: m}
	return h.respond(c, http.StatusOK, "mod_message", "", p)
}

// messageDecision is one moderator decision about a message: the store write, how its
// refusals read, and what the room is told afterwards.
type messageDecision struct {
	reasonRequired bool
	write          func(ctx context.Context, a store.Action, id int64) (store.Message, error)
	refusal        func(error) error
	live           func(store.Message) // nil: nothing to publish
	done, next     string              // the confirmation, and where it leads ("" : the message)
}

// decideMessage runs a decision on :id for a moderator who may hide it: the reason is
// read, the write is audited in the store, the room follows live.
func (h *Handler) decideMessage(c echo.Context, d messageDecision) error {
	_, m, reportID, err := h.modMessage(c)
	if err != nil {
		return err
	}
	reason, err := readReason(c, "reason", d.reasonRequired)
	if err != nil {
		return err
	}
	m, err = d.write(c.Request().Context(), store.Action{ModeratorID: currentUser(c).ID, Reason: reason, ReportID: reportID}, m.ID)
	if err != nil {
		return d.refusal(err)
	}
	if d.live != nil {
		d.live(m)
	}
	next := d.next
	if next == "" {
		next = "/mod/messages/" + strconv.FormatInt(m.ID, 10)
	}
	return h.modDone(c, d.done, next)
}

// ModHide hides a message for everyone at once: its room receives the placeholder, and
// history shows it from now on. The author sees the reason on their notices page.
func (h *Handler) ModHide(c echo.Context) error {
	return h.decideMessage(c, messageDecision{reasonRequired: true, write: h.store.HideMessage, refusal: modError,
		live: h.chat.MessageChanged, done: "Hidden for everyone. The author sees that it was hidden, and why."})
}

// ModRestore shows a hidden message again, live.
func (h *Handler) ModRestore(c echo.Context) error {
	return h.decideMessage(c, messageDecision{reasonRequired: true, write: h.store.RestoreMessage, refusal: modError,
		live: h.chat.MessageChanged, done: "Restored for everyone."})
}

// ModSanction warns, mutes, removes or bans a member of the group (form field action).
func (h *Handler) ModSanction(c echo.Context) error {
	gc, err := h.modGroupBySlug(c)
	if err != nil {
		return err
	}
	uid, err := strconv.ParseInt(c.Param("user"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	reportID, reported := h.reported(c, gc.g.ID, 0, uid)
	var target *store.Membership
	tm, err := h.store.MembershipOf(ctx, gc.g.ID, uid)
	switch {
	case err == nil:
		target = &tm
	case !errors.Is(err, store.ErrNotFound):
		return internal(err)
	}
	action := c.FormValue("action")
	var rule func(authz.Subject, store.Group, bool, *store.Membership) error
	switch action {
	case "warn":
		rule = authz.Warn
	case "mute":
		rule = authz.Mute
	case "remove":
		rule = authz.Remove
	case "ban":
		rule = authz.Ban
	default:
		// Decide access first, so an outsider learns nothing from the answer.
		if err := authz.ActOn(gc.subject(), gc.g, reported, target); err != nil {
			return authzError(err)
		}
		return &Error{Code: http.StatusBadRequest, Message: "Please choose an action: warn, mute, remove or ban."}
	}
	if err := rule(gc.subject(), gc.g, reported, target); err != nil {
		return authzError(err)
	}
	if uid == gc.user.ID {
		return &Error{Code: http.StatusConflict, Message: "You cannot take that action on yourself."}
	}
	reason, err := readReason(c, "reason", true)
	if err != nil {
		return err
	}
	a := store.Action{ModeratorID: gc.user.ID, Reason: reason, ReportID: reportID}
	var until time.Time
	if action == "mute" || action == "ban" {
		if until, err = parseUntil(c.FormValue("duration"), h.store.Now()); err != nil {
			return err
		}
	}
	var msg string
	switch action {
	case "warn":
		err, msg = h.store.Warn(ctx, a, uid, gc.g.ID), "Warned. They see it privately on their notices page."
	case "mute":
		if target == nil {
			return modError(store.ErrNotMember)
		}
		err, msg = h.store.Mute(ctx, a, uid, gc.g.ID, until), "Muted. Their messages are refused, with why and until when."
	case "remove":
		err, msg = h.store.RemoveMember(ctx, a, uid, gc.g.ID), "Removed from the group. Their open chat closed."
	case "ban":
		err, msg = h.store.Ban(ctx, a, uid, gc.g.ID, until), "Banned from the group. Their open chat closed, and they cannot rejoin."
	}
	if err != nil {
		return modError(err)
	}
	return h.modDone(c, msg, "/mod")
}

// ModSuspend suspends an account site-wide (admins): all its sessions end and its sockets
// close at once.
func (h *Handler) ModSuspend(c echo.Context) error {
	u := currentUser(c)
	if err := authz.Administer(u); err != nil {
		return authzError(err)
	}
	uid, err := strconv.ParseInt(c.Param("user"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	target, err := h.store.UserByID(ctx, uid)
	if errors.Is(err, store.ErrNotFound) {
		return modError(err)
	}
	if err != nil {
		return internal(err)
	}
	if err := authz.Suspend(u, target); err != nil {
		return &Error{Code: http.StatusForbidden, Message: "Admins cannot be suspended. Change their role first.", Err: err}
	}
	reason, err := readReason(c, "reason", true)
	if err != nil {
		return err
	}
	until, err := parseUntil(c.FormValue("duration"), h.store.Now())
	if err != nil {
		return err
	}
	if err := h.store.Suspend(ctx, store.Action{ModeratorID: u.ID, Reason: reason}, uid, until); err != nil {
		return modError(err)
	}
	return h.modDone(c, "Suspended. Every session of theirs has ended.", "/admin/users")
}

// ModLift lifts a sanction early (a mute, ban, suspension or hide). Who may: whoever may
// impose it in its group; suspensions, admins.
func (h *Handler) ModLift(c echo.Context) error {
	if _, err := h.modScope(c); err != nil {
		return err
	}
	u := currentUser(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	sn, err := h.store.SanctionByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return internal(err)
	}
	if sn.Kind == store.SanctionSuspend || sn.GroupID == 0 {
		if err := authz.Administer(u); err != nil {
			return authzError(err)
		}
	} else {
		gc, err := h.modGroupByID(c, sn.GroupID)
		if err != nil {
			return err
		}
		if err := authz.ActOn(gc.subject(), gc.g, false, nil); err != nil {
			return authzError(err)
		}
	}
	reason, err := readReason(c, "reason", true)
	if err != nil {
		return err
	}
	sn, err = h.store.LiftSanction(ctx, store.Action{ModeratorID: u.ID, Reason: reason}, id)
	if err != nil {
		return modError(err)
	}
	if sn.Kind == store.SanctionHide {
		if m, err := h.store.MessageByID(ctx, sn.MessageID); err == nil {
			h.chat.MessageChanged(m)
		}
	}
	return h.modDone(c, "Lifted.", "/mod")
}

// modGroupPage is what mod_group renders: a room's settings.
type modGroupPage struct {
	Group       store.Group
	State       string
	SlowChoices []int
	Active      []store.Sanction // mutes and bans in force, to lift
}

// slowChoices are the slow mode intervals offered, in seconds (0: off).
var slowChoices = []int{0, 10, 30, 60, 120, 300}

// ModGroup shows a room's settings (lock, slow mode, facilitated) to its moderators.
func (h *Handler) ModGroup(c echo.Context) error {
	gc, err := h.modGroupBySlug(c)
	if err != nil {
		return err
	}
	if err := authz.Lock(gc.subject(), gc.g); err != nil {
		return authzError(err)
	}
	active, err := h.store.ActiveInGroup(c.Request().Context(), gc.g.ID)
	if err != nil {
		return internal(err)
	}
	p := h.page(c, "Room settings · "+gc.g.Name, "mod")
	p.Data = modGroupPage{Group: gc.g, State: roomStateText(gc.g, h.chat.FacilitatorHere(gc.g.ID)), SlowChoices: slowChoices, Active: active}
	return h.respond(c, http.StatusOK, "mod_group", "", p)
}

// roomChange applies one change of the room's state, decided by rule.
func (h *Handler) roomChange(c echo.Context, rule groupRule, read func() (store.RoomState, string, error)) error {
	gc, err := h.modGroupBySlug(c)
	if err != nil {
		return err
	}
	if err := rule(gc.subject(), gc.g); err != nil {
		return authzError(err)
	}
	rs, msg, err := read()
	if err != nil {
		return err
	}
	reason, err := readReason(c, "reason", true)
	if err != nil {
		return err
	}
	if err := h.store.SetRoomState(c.Request().Context(), store.Action{ModeratorID: gc.user.ID, Reason: reason}, gc.g.ID, rs); err != nil {
		return modError(err)
	}
	h.chat.RoomChanged(gc.g.ID)
	return h.modDone(c, msg, "/mod/groups/"+gc.g.Slug)
}

func onOff(c echo.Context, field string) (bool, error) {
	switch c.FormValue(field) {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, &Error{Code: http.StatusBadRequest, Message: "Please choose on or off."}
}

// ModLock locks the room (read-only for members) or opens it again.
func (h *Handler) ModLock(c echo.Context) error {
	return h.roomChange(c, authz.Lock, func() (store.RoomState, string, error) {
		on, err := onOff(c, "locked")
		msg := "The room is open again."
		if on {
			msg = "The room is locked: members read but do not post."
		}
		return store.RoomState{Locked: &on}, msg, err
	})
}

// ModSlowMode sets the room's slow mode (one message per member every N seconds; 0: off).
func (h *Handler) ModSlowMode(c echo.Context) error {
	return h.roomChange(c, authz.SlowMode, func() (store.RoomState, string, error) {
		n, err := strconv.Atoi(c.FormValue("seconds"))
		if err != nil || n < 0 || n > 3600 {
			return store.RoomState{}, "", &Error{Code: http.StatusBadRequest, Message: "Please choose a slow mode interval between 0 (off) and 3600 seconds."}
		}
		msg := "Slow mode is off."
		if n > 0 {
			msg = "Slow mode: one message every " + strconv.Itoa(n) + " s."
		}
		return store.RoomState{SlowSeconds: &n}, msg, nil
	})
}

// ModFacilitated makes the room facilitated (members post only while one of its
// moderators is here) or not.
func (h *Handler) ModFacilitated(c echo.Context) error {
	return h.roomChange(c, authz.Facilitate, func() (store.RoomState, string, error) {
		on, err := onOff(c, "facilitated")
		msg := "The room is no longer facilitated."
		if on {
			msg = "The room is facilitated: members post while a moderator is here."
		}
		return store.RoomState{Facilitated: &on}, msg, err
	})
}

// compose decides what the viewer's group page shows in place of the send box (nil: the
// send box): authz.Compose on the membership the request loaded, with the mute's reason.
// The page and the chat socket's upgrade both ask it, so the socket knows what the page
// shows and tells it when that changes.
func (h *Handler) compose(c echo.Context, gc groupCtx) (*authz.Restriction, error) {
	if gc.user == nil || gc.m == nil {
		return nil, nil
	}
	st := store.Standing{User: gc.user, Group: &gc.g, Membership: gc.m, Muted: gc.m.Muted, MutedUntil: gc.m.MutedUntil}
	if r := authz.Compose(st); r == nil || r.Kind != authz.RestrictMuted {
		return r, nil
	}
	sn, ok, err := h.store.ActiveMute(c.Request().Context(), gc.g.ID, gc.user.ID)
	if err != nil {
		return nil, internal(err)
	}
	if !ok {
		st.Muted = false // ended between the two reads
	} else {
		st.MutedUntil, st.MuteReason = sn.ExpiresAt, sn.Reason
	}
	return authz.Compose(st), nil
}

// ModHideComment hides a reported goal comment (site moderators and admins,
// authz.ModerateComments), with a reason its author reads on their notices page. Done from
// the queue (form field report), it resolves the comment's open reports as action taken.
func (h *Handler) ModHideComment(c echo.Context) error {
	u := currentUser(c)
	if err := authz.ModerateComments(u); err != nil {
		return authzError(err)
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	reason, err := readReason(c, "reason", true)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var reportID int64
	if rid, err := strconv.ParseInt(c.FormValue("report"), 10, 64); err == nil && rid > 0 {
		if r, err := h.store.ReportByID(ctx, rid); err == nil && r.CommentID == id && !r.Resolved {
			reportID = rid
		}
	}
	err = h.store.HideGoalComment(ctx, store.Action{ModeratorID: u.ID, Reason: reason, ReportID: reportID}, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Code: http.StatusNotFound, Message: "That comment is gone."}
	case errors.Is(err, store.ErrAlreadyHidden):
		return &Error{Code: http.StatusConflict, Message: "This comment is already hidden.", Err: err}
	case err != nil:
		return internal(err)
	}
	return h.modDone(c, "Hidden. Its author sees that it was hidden, and why.", "/mod")
}

// commentTitles blanks the goal title of each reported comment whose goal the moderator
// may not see (authz.SeeGoal): the queue shows them the comment, not a private goal.
func (h *Handler) commentTitles(ctx context.Context, u *store.User, items []store.QueueItem) error {
	for i := range items {
		cm := items[i].Comment
		if cm == nil {
			continue
		}
		g, err := h.store.GoalFor(ctx, cm.GoalID, u.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return internal(err)
		}
		if err != nil || authz.SeeGoal(u, g) != nil {
			cm.GoalTitle = ""
		}
	}
	return nil
}
