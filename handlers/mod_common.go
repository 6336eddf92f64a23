package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// Moderation defaults (handlers.Config overrides them).
const (
	defaultCareConcernWait = 15 * time.Minute
	defaultModBreakAfter   = 20
	// modQueueLen is how many queue entries /mod shows with their context; the rest are
	// counted. 1,000 open reports render as fast as 50.
	modQueueLen = 50
	// modContext is how many messages either side of a reported one the queue shows.
	modContext = 2
)

// readReason reads a required reason (or note, with required false) of at most
// store.MaxReasonLen characters. Bad input is a 400 with a clear message; nothing is
// written.
func readReason(c echo.Context, field string, required bool) (string, error) {
	v := strings.TrimSpace(c.FormValue(field))
	switch {
	case v == "" && required:
		return "", &Error{Code: http.StatusBadRequest, Message: "Please give a reason. It is kept in the audit log, and the member concerned sees it."}
	case utf8.RuneCountInString(v) > store.MaxReasonLen:
		return "", &Error{Code: http.StatusBadRequest, Message: "Please keep it to 500 characters or fewer."}
	}
	return v, nil
}

// modScope is which reports and audit entries the current member reviews (authz).
func (h *Handler) modScope(c echo.Context) (store.ReportScope, error) {
	u := currentUser(c)
	if u == nil {
		return store.ReportScope{}, authzError(authz.ErrNoAccount)
	}
	var mods []int64
	if !u.Role.AtLeast(store.RoleModerator) {
		var err error
		if mods, err = h.store.ModeratedGroups(c.Request().Context(), u.ID); err != nil {
			return store.ReportScope{}, internal(err)
		}
	}
	sc, err := authz.ReviewReports(u, mods)
	if err != nil {
		return sc, authzError(err)
	}
	return sc, nil
}

// modGroupBySlug loads :slug with the current member's membership, without deciding
// anything: each moderation route asks its own authz decision (which answers 404 for a
// private group the member cannot see, unless a report they review lets them act).
func (h *Handler) modGroupBySlug(c echo.Context) (groupCtx, error) {
	gc := groupCtx{user: currentUser(c)}
	if gc.user == nil {
		return gc, authzError(authz.ErrNoAccount)
	}
	g, m, member, err := h.store.GroupForMember(c.Request().Context(), c.Param("slug"), gc.user.ID)
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
	return gc, nil
}

// modGroupByID is modGroupBySlug for a group known by its id (a message's).
func (h *Handler) modGroupByID(c echo.Context, id int64) (groupCtx, error) {
	g, err := h.store.GroupByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return groupCtx{}, errNotFound
	}
	if err != nil {
		return groupCtx{}, internal(err)
	}
	c.SetParamNames("slug")
	c.SetParamValues(g.Slug)
	return h.modGroupBySlug(c)
}

// reported reports whether the form's "report" names an open report about this group (and
// this message or member, where given): then a site moderator may act in a private group
// they are not a member of (authz.ActOn).
func (h *Handler) reported(c echo.Context, groupID, messageID, subjectID int64) (int64, bool) {
	id, err := strconv.ParseInt(c.FormValue("report"), 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	r, err := h.store.ReportByID(c.Request().Context(), id)
	if err != nil || r.Resolved || r.GroupID != groupID {
		return 0, false
	}
	if (messageID != 0 && r.MessageID != messageID) || (subjectID != 0 && r.SubjectID != subjectID) {
		return 0, false
	}
	return id, true
}

// parseUntil reads a duration choice: 15m, 1h, 1d, 1w, 30d, or "" (until lifted).
func parseUntil(v string, now time.Time) (time.Time, error) {
	d := map[string]time.Duration{"15m": 15 * time.Minute, "1h": time.Hour, "1d": 24 * time.Hour,
		"1w": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}
	if v == "" {
		return time.Time{}, nil
	}
	if x, ok := d[v]; ok {
		return now.Add(x), nil
	}
	return time.Time{}, &Error{Code: http.StatusBadRequest, Message: "Please choose how long: 15 minutes, 1 hour, 1 day, 1 week, or until lifted."}
}

// modError turns the store's moderation refusals into what the moderator or member sees.
func modError(err error) error {
	conflict := func(msg string) error { return &Error{Code: http.StatusConflict, Message: msg, Err: err} }
	switch {
	case errors.Is(err, store.ErrAlreadyReported):
		return conflict("You have already reported this, and the moderators have it. Thank you.")
	case errors.Is(err, store.ErrAlreadyClaimed):
		return conflict("Another moderator has already claimed this report.")
	case errors.Is(err, store.ErrResolved):
		return conflict("This report has already been resolved.")
	case errors.Is(err, store.ErrAlreadyHidden):
		return conflict("This message is already hidden.")
	case errors.Is(err, store.ErrNotHidden):
		return conflict("This message is not hidden.")
	case errors.Is(err, store.ErrNotMember):
		return conflict("That member is not in the group (any more).")
	case errors.Is(err, store.ErrAlreadyAppealed):
		return conflict("You have already appealed this. A moderator will decide.")
	case errors.Is(err, store.ErrSanctionOver):
		return conflict("That is no longer in force.")
	case errors.Is(err, store.ErrDecided):
		return conflict("This appeal has already been decided.")
	case errors.Is(err, store.ErrBanned):
		return &Error{Code: http.StatusForbidden, Message: "A moderator has banned you from this group, so you cannot join it. You can appeal on your notices page.", Err: err}
	case errors.Is(err, authz.ErrOwnAction):
		return &Error{Code: http.StatusForbidden, Message: "Another moderator decides the appeal of your own action.", Err: err}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Code: http.StatusNotFound, Message: "That message or member is gone: it was removed, or the account was deleted.", Err: err}
	}
	return internal(err)
}

// modDone answers a moderation POST: a short confirmation fragment for HTMX (swapped
// where the form said), or back to the page it came from.
func (h *Handler) modDone(c echo.Context, msg, back string) error {
	if c.Request().Header.Get(HeaderHXRequest) == "true" {
		return h.fragment(c, http.StatusOK, "mod_done", msg)
	}
	if back == "" {
		back = "/mod"
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// fragment writes one partial with the Vary header every answer carries.
func (h *Handler) fragment(c echo.Context, status int, name string, data any) error {
	c.Response().Header().Add(echo.HeaderVary, HeaderHXRequest)
	if err := h.views.WritePartial(c.Response(), status, name, data, ""); err != nil {
		return internal(err)
	}
	return nil
}
