package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// The owner's changes to a goal's steps: add, rename, remove, move up or down (buttons, so
// the keyboard does everything a pointer can), check off and uncheck.

func goalPath(g store.Goal) string { return "/goals/" + strconv.FormatInt(g.ID, 10) }

// MilestoneAdd appends a step.
func (h *Handler) MilestoneAdd(c echo.Context) error {
	g, err := h.loadGoal(c, authz.EditGoal)
	if err != nil {
		return err
	}
	title := strings.TrimSpace(c.FormValue("title"))
	if msg := validateStep(title); msg != "" {
		f := views.NewForm()
		f.Values["title"] = title
		f.Fail("step", msg)
		return h.renderGoal(c, http.StatusUnprocessableEntity, g, f)
	}
	if g.Milestones >= maxMilestones {
		f := views.NewForm()
		f.Fail("step", "A goal holds thirty steps at most. Check some off or remove one first.")
		return h.renderGoal(c, http.StatusUnprocessableEntity, g, f)
	}
	if err := h.store.AddMilestone(c.Request().Context(), g, title); err != nil {
		return internal(err)
	}
	return redirect(c, goalPath(g))
}

// milestoneID reads :mid.
func milestoneID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("mid"), 10, 64)
	if err != nil {
		return 0, goalStoreError(store.ErrNotFound)
	}
	return id, nil
}

// loadMilestone resolves :id to a goal the member may edit and :mid to a step id; the
// store checks that the step belongs to the goal.
func (h *Handler) loadMilestone(c echo.Context) (store.Goal, int64, error) {
	g, err := h.loadGoal(c, authz.EditGoal)
	if err != nil {
		return g, 0, err
	}
	id, err := milestoneID(c)
	return g, id, err
}

// MilestoneEdit renames a step.
func (h *Handler) MilestoneEdit(c echo.Context) error {
	g, id, err := h.loadMilestone(c)
	if err != nil {
		return err
	}
	title := strings.TrimSpace(c.FormValue("title"))
	if msg := validateStep(title); msg != "" {
		f := views.NewForm()
		f.Fail("step-"+c.Param("mid"), msg)
		return h.renderGoal(c, http.StatusUnprocessableEntity, g, f)
	}
	if err := h.store.EditMilestone(c.Request().Context(), g, id, title); err != nil {
		return goalStoreError(err)
	}
	return redirect(c, goalPath(g))
}

// MilestoneDelete removes a step.
func (h *Handler) MilestoneDelete(c echo.Context) error {
	g, id, err := h.loadMilestone(c)
	if err != nil {
		return err
	}
	if err := h.store.DeleteMilestone(c.Request().Context(), g, id); err != nil {
		return goalStoreError(err)
	}
	return redirect(c, goalPath(g))
}

// MilestoneMove moves a step one place up or down. The form carries the order the member
// saw; if the steps changed since (another window), nothing moves and they are told.
func (h *Handler) MilestoneMove(c echo.Context) error {
	g, id, err := h.loadMilestone(c)
	if err != nil {
		return err
	}
	delta := 0
	switch c.FormValue("dir") {
	case "up":
		delta = -1
	case "down":
		delta = 1
	default:
		return &Error{Code: http.StatusBadRequest, Message: "Choose up or down."}
	}
	var seen []int64
	for _, s := range strings.Split(c.FormValue("order"), ",") {
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return goalStoreError(store.ErrStaleOrder)
		}
		seen = append(seen, n)
	}
	if err := h.store.MoveMilestone(c.Request().Context(), g, id, delta, seen); err != nil {
		return goalStoreError(err)
	}
	return redirect(c, goalPath(g))
}

// MilestoneCheck checks a step off, or back on (done=no). Reaching one is news for the
// goal's board and its buddy.
func (h *Handler) MilestoneCheck(c echo.Context) error {
	g, id, err := h.loadMilestone(c)
	if err != nil {
		return err
	}
	p := store.GoalProgress{MilestoneID: id, Undo: c.FormValue("done") == "no"}
	if err := h.store.RecordProgress(c.Request().Context(), g, p); err != nil {
		return goalStoreError(err)
	}
	return redirect(c, goalPath(g))
}
