package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// noticesPage is what /notices renders: the member's own record.
type noticesPage struct {
	Sanctions []store.Sanction
	Now       time.Time
}

// Notices shows a member what moderators did concerning them, with the reasons: hidden
// messages, warnings, mutes, bans, suspensions; each can be appealed once. Only the member
// reads their own notices.
func (h *Handler) Notices(c echo.Context) error {
	u := currentUser(c)
	list, err := h.store.SanctionsOf(c.Request().Context(), u.ID)
	if err != nil {
		return internal(err)
	}
	if err := h.store.MarkSanctionsSeen(c.Request().Context(), u.ID); err != nil {
		return internal(err)
	}
	p := h.page(c, "Your notices", "account")
	p.Data = noticesPage{Sanctions: list, Now: h.store.Now()}
	return h.respond(c, http.StatusOK, "notices", "", p)
}

// NoticeAppeal files the member's one appeal of one of their sanctions; it enters the
// moderators' queue.
func (h *Handler) NoticeAppeal(c echo.Context) error {
	u := currentUser(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	note, err := readReason(c, "note", true)
	if err != nil {
		return &Error{Code: http.StatusBadRequest, Message: "Please write a short note (up to 500 characters) saying why a moderator should look again."}
	}
	if err := h.store.FileAppeal(c.Request().Context(), u.ID, id, note); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound // another member's sanction does not exist for this one
		}
		return modError(err)
	}
	if c.Request().Header.Get(HeaderHXRequest) == "true" {
		return h.fragment(c, http.StatusCreated, "mod_done", "Your appeal is with the moderators. A moderator other than the one who acted will decide.")
	}
	return c.Redirect(http.StatusSeeOther, "/notices")
}

// ModDecideAppeal upholds or lifts an appealed sanction. The moderator who acted does not
// decide it (authz.DecideAppeal says when an admin alone may).
func (h *Handler) ModDecideAppeal(c echo.Context) error {
	sc, err := h.modScope(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	ap, err := h.store.AppealByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return internal(err)
	}
	others, err := h.store.CountDeciders(ctx, u.ID)
	if err != nil {
		return internal(err)
	}
	if err := authz.DecideAppeal(u, sc, ap.Sanction, others); err != nil {
		if errors.Is(err, authz.ErrOwnAction) {
			return modError(err)
		}
		return authzError(err)
	}
	var lift bool
	switch c.FormValue("outcome") {
	case "upheld":
	case "lifted":
		lift = true
	default:
		return &Error{Code: http.StatusBadRequest, Message: "Please choose: uphold, or lift the sanction."}
	}
	reason, err := readReason(c, "reason", true)
	if err != nil {
		return err
	}
	if err := h.store.DecideAppeal(ctx, store.Action{ModeratorID: u.ID, Reason: reason}, id, lift); err != nil {
		return modError(err)
	}
	if lift && ap.Sanction.Kind == store.SanctionHide {
		if m, err := h.store.MessageByID(ctx, ap.Sanction.MessageID); err == nil {
			h.chat.MessageChanged(m)
		}
	}
	return h.modDone(c, "Decided. The member sees the outcome on their notices page.", "/mod")
}
