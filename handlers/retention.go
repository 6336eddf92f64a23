package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// Retention: an admin sets, per group, after how many days its chat messages are erased
// (store/retention.go); a background job erases them in batches.

// retentionPage is the admin's retention page of a group.
type retentionPage struct {
	Group store.Group
	// Days is the value in the form; Preview is set when Count was asked for it.
	Days    string
	Preview bool
	Count   int
	Error   string
	Saved   bool
}

// parseRetentionDays reads a number of days: "" and "0" are off.
func parseRetentionDays(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > store.MaxRetentionDays {
		return 0, false
	}
	return n, true
}

const retentionDaysHelp = "Please give a whole number of days from 1 to 3650, or 0 to keep messages."

// GroupRetention shows a group's retention and, with ?days=N, how many messages it would
// erase now (the dry run), before the admin saves it.
func (h *Handler) GroupRetention(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.ManageRetention)
	if err != nil {
		return err
	}
	d := &retentionPage{Group: gc.g, Days: strconv.Itoa(gc.g.RetentionDays), Saved: c.QueryParam("saved") == "1"}
	status := http.StatusOK
	if q, ok := c.QueryParams()["days"]; ok {
		d.Days = q[0]
		days, valid := parseRetentionDays(q[0])
		if !valid {
			d.Error, status = retentionDaysHelp, http.StatusUnprocessableEntity
		} else {
			if d.Count, err = h.store.RetentionCount(c.Request().Context(), gc.g.ID, days); err != nil {
				return internal(err)
			}
			d.Days, d.Preview = strconv.Itoa(days), true
		}
	}
	return h.renderRetention(c, status, d)
}

func (h *Handler) renderRetention(c echo.Context, status int, d *retentionPage) error {
	p := h.page(c, "Message retention: "+d.Group.Name, "groups")
	p.Data = d
	return h.respond(c, status, "group_retention", "", p)
}

// GroupRetentionSave sets a group's retention. The background job does the erasing.
func (h *Handler) GroupRetentionSave(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.ManageRetention)
	if err != nil {
		return err
	}
	days, ok := parseRetentionDays(c.FormValue("days"))
	if !ok {
		return h.renderRetention(c, http.StatusUnprocessableEntity,
			&retentionPage{Group: gc.g, Days: c.FormValue("days"), Error: retentionDaysHelp})
	}
	if err := h.store.SetGroupRetention(c.Request().Context(), gc.g.ID, days); err != nil {
		return internal(err)
	}
	requestLogger(c, h.log).Info("group retention set", "group", gc.g.ID, "days", days)
	h.retention.wake()
	return redirect(c, "/groups/"+gc.g.Slug+"/retention?saved=1")
}

// defaultRetentionEvery is how often the retention job runs.
const defaultRetentionEvery = time.Hour

// retentionJob erases messages past their group's retention, at start, every interval,
// and when an admin changes a setting. It logs counts, never text.
type retentionJob struct {
	st    *store.Store
	log   *slog.Logger
	every time.Duration
	ring  chan struct{}
	stop  context.CancelFunc
	done  chan struct{}
	mu    sync.Mutex // one run at a time (the job and RunRetention)
}

func newRetentionJob(st *store.Store, log *slog.Logger, every time.Duration) *retentionJob {
	if every == 0 {
		every = defaultRetentionEvery
	}
	ctx, stop := context.WithCancel(context.Background())
	j := &retentionJob{st: st, log: log, every: every, ring: make(chan struct{}, 1), stop: stop, done: make(chan struct{})}
	go j.loop(ctx)
	return j
}

func (j *retentionJob) wake() {
	select {
	case j.ring <- struct{}{}:
	default:
	}
}

func (j *retentionJob) loop(ctx context.Context) {
	defer close(j.done)
	if j.every < 0 { // switched off (tests run it by hand)
		<-ctx.Done()
		return
	}
	t := time.NewTicker(j.every)
	defer t.Stop()
	for {
		if _, err := j.run(ctx); err != nil && ctx.Err() == nil {
			j.log.Warn("retention: run failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-j.ring:
		}
	}
}

func (j *retentionJob) run(ctx context.Context) (store.RetentionResult, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	res, err := j.st.EraseExpiredMessages(ctx, store.RetentionBatch, func(groupID int64, erased int) {
		j.log.Info("retention: erasing old messages", "group", groupID, "erased", erased)
	})
	if res.Erased > 0 {
		j.log.Info("retention: done", "groups", res.Groups, "erased", res.Erased, "batches", res.Batches)
	}
	return res, err
}

func (j *retentionJob) close() {
	j.stop()
	<-j.done
}

// RunRetention runs the retention job once, now, and returns what it did: for tests and
// for an operator's command.
func (h *Handler) RunRetention(ctx context.Context) (store.RetentionResult, error) {
	return h.retention.run(ctx)
}
