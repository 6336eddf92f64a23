package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// The moderators' queue at /mod. It is live by polling, not by a socket: the page holds a
// small element that asks /mod/queue/new?after=N every few seconds and gets either 204
// (nothing new) or the new entries, put at the top of the queue, and a poller that
// remembers the newest id. Polling was chosen over an SSE stream because the queue is open
// on few screens, a 204 costs one indexed query, and it needs no connection bookkeeping,
// no extra htmx extension and no second change-feed listener; a report filed by the
// committer's peers on another node reaches it the same way. A new report about something
// already in the queue raises its count on the next full load.

// modQueueData is what /mod renders.
type modQueueData struct {
	Items        []store.QueueItem
	Total        int
	After        int64 // the newest report id when the page was rendered
	Appeals      []store.OpenAppeal
	HandledToday int
	SuggestBreak bool
}

// ModQueue is the moderators' queue: open reports in the viewer's scope (care concerns
// first, then the newest), open appeals, and how much they handled today.
func (h *Handler) ModQueue(c echo.Context) error {
	sc, err := h.modScope(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u := currentUser(c)
	// Read the newest id first: a report filed while the page renders is then "new".
	after, err := h.store.LastReportID(ctx)
	if err != nil {
		return internal(err)
	}
	items, total, err := h.store.Queue(ctx, sc, 0, modQueueLen, modContext)
	if err != nil {
		return internal(err)
	}
	if err := h.commentTitles(ctx, u, items); err != nil {
		return err
	}
	appeals, err := h.store.OpenAppeals(ctx, sc)
	if err != nil {
		return internal(err)
	}
	now := h.store.Now()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	handled, err := h.store.HandledSince(ctx, u.ID, day)
	if err != nil {
		return internal(err)
	}
	p := h.page(c, "Moderation", "mod")
	p.Data = modQueueData{Items: items, Total: total, After: after, Appeals: appeals, HandledToday: handled,
		SuggestBreak: handled >= h.modBreakAfter()}
	return h.respond(c, http.StatusOK, "mod", "", p)
}

// ModQueueNew answers the queue's poller: 204 when nothing is new since after, else the
// new entries (put at the top of #mod-queue) and a poller that starts from the newest.
func (h *Handler) ModQueueNew(c echo.Context) error {
	sc, err := h.modScope(c)
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(c.QueryParam("after"), 10, 64)
	ctx := c.Request().Context()
	last, err := h.store.LastReportID(ctx)
	if err != nil {
		return internal(err)
	}
	if last <= after {
		return c.NoContent(http.StatusNoContent)
	}
	items, _, err := h.store.Queue(ctx, sc, after, modQueueLen, modContext)
	if err != nil {
		return internal(err)
	}
	if err := h.commentTitles(ctx, currentUser(c), items); err != nil {
		return err
	}
	var b strings.Builder
	if len(items) > 0 {
		b.WriteString(`<div hx-swap-oob="afterbegin:#mod-queue">`)
		for _, it := range items {
			if err := h.views.Partial(&b, "mod_item", it); err != nil {
				return internal(err)
			}
		}
		b.WriteString(`</div>`)
	}
	if err := h.views.Partial(&b, "mod_poll_oob", last); err != nil {
		return internal(err)
	}
	c.Response().Header().Add(echo.HeaderVary, HeaderHXRequest)
	return c.HTML(http.StatusOK, b.String())
}

// reportInScope loads :id and checks the viewer reviews its group.
func (h *Handler) reportInScope(c echo.Context) (store.Report, error) {
	sc, err := h.modScope(c)
	if err != nil {
		return store.Report{}, err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return store.Report{}, errNotFound
	}
	r, err := h.store.ReportByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return r, errNotFound
	}
	if err != nil {
		return r, internal(err)
	}
	if err := authz.InScope(sc, r.GroupID); err != nil {
		return r, authzError(err)
	}
	return r, nil
}

// ModClaim claims a report (and the other open reports about the same thing).
func (h *Handler) ModClaim(c echo.Context) error {
	r, err := h.reportInScope(c)
	if err != nil {
		return err
	}
	if err := h.store.ClaimReport(c.Request().Context(), r.ID, currentUser(c).ID); err != nil {
		return modError(err)
	}
	return h.modDone(c, "Claimed: this report is yours to handle.", "/mod")
}

// ModResolve resolves a report with an outcome and a note.
func (h *Handler) ModResolve(c echo.Context) error {
	r, err := h.reportInScope(c)
	if err != nil {
		return err
	}
	outcome := c.FormValue("outcome")
	if outcome != store.OutcomeNoAction && outcome != store.OutcomeActionTaken {
		return &Error{Code: http.StatusBadRequest, Message: "Please choose an outcome: no action, or action taken."}
	}
	note, err := readReason(c, "note", false)
	if err != nil {
		return err
	}
	if err := h.store.ResolveReport(c.Request().Context(), r.ID, currentUser(c).ID, outcome, note); err != nil {
		return modError(err)
	}
	return h.modDone(c, "Resolved. Thank you.", "/mod")
}

func (h *Handler) modBreakAfter() int {
	if h.cfg.ModBreakAfter > 0 {
		return h.cfg.ModBreakAfter
	}
	return defaultModBreakAfter
}

func (h *Handler) careConcernWait() time.Duration {
	if h.cfg.CareConcernWait > 0 {
		return h.cfg.CareConcernWait
	}
	return defaultCareConcernWait
}

// careAlerts counts the care concerns nobody claimed within the configured wait, for the
// alert admins see at the top of /mod and the admin pages, and raises each newly stale one
// once (raiseCareConcern).
func (h *Handler) careAlerts(ctx context.Context) int {
	all, raised, err := h.store.StaleCareConcerns(ctx, h.careConcernWait())
	if err != nil {
		h.log.Warn("load unclaimed care concerns", "err", err)
		return 0
	}
	for _, a := range raised {
		h.raiseCareConcern(ctx, a)
	}
	return len(all)
}

// raiseCareConcern logs an unclaimed care concern once (the report id, never its content).
// Every admin's notification was written by StaleCareConcerns in the transaction that
// marked the concern raised, so it, too, happens once per concern.
func (h *Handler) raiseCareConcern(ctx context.Context, a store.CareAlert) {
	h.log.WarnContext(ctx, "care concern unclaimed", "report", a.ReportID, "waiting", h.store.Now().Sub(a.CreatedAt).Round(time.Second).String())
}
