package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// GoalUpdate posts a progress update: a short note, optionally a step reached and how the
// member feels.
func (h *Handler) GoalUpdate(c echo.Context) error {
	g, err := h.loadGoal(c, authz.EditGoal)
	if err != nil {
		return err
	}
	f := formFrom(c, "note", "milestone_id", "feeling")
	p := store.GoalProgress{Note: strings.TrimSpace(f.Value("note"))}
	switch n := utf8.RuneCountInString(p.Note); {
	case n == 0 && f.Value("milestone_id") == "":
		f.Fail("note", "Write a few words about how it is going, or choose a step you reached.")
	case n > maxGoalNote:
		f.Fail("note", "Keep an update under 1,000 characters.")
	}
	if v := f.Value("milestone_id"); v != "" {
		if p.MilestoneID, err = strconv.ParseInt(v, 10, 64); err != nil {
			f.Fail("milestone_id", "Choose one of this goal's steps.")
		}
	}
	if v := f.Value("feeling"); v != "" {
		if p.Feeling, err = strconv.Atoi(v); err != nil || feelingLabel(p.Feeling) == "" {
			f.Fail("feeling", "Choose how you feel from the list, or leave it out.")
		}
	}
	if !f.Valid() {
		return h.renderGoal(c, http.StatusUnprocessableEntity, g, f)
	}
	if err := h.store.RecordProgress(c.Request().Context(), g, p); err != nil {
		return goalStoreError(err)
	}
	return redirect(c, goalPath(g))
}

// GoalState pauses, restarts, completes or archives a goal.
func (h *Handler) GoalState(c echo.Context) error {
	g, err := h.loadGoal(c, authz.EditGoal)
	if err != nil {
		return err
	}
	a := store.GoalAction(c.FormValue("action"))
	switch a {
	case store.ActionPause, store.ActionRestart, store.ActionComplete, store.ActionArchive:
	default:
		return &Error{Code: http.StatusBadRequest, Message: "Choose pause, start again, complete or archive."}
	}
	note := strings.TrimSpace(c.FormValue("note"))
	if utf8.RuneCountInString(note) > maxGoalNote {
		f := views.NewForm()
		f.Fail("state_note", "Keep the note under 1,000 characters.")
		return h.renderGoal(c, http.StatusUnprocessableEntity, g, f)
	}
	if err := h.store.ChangeGoalState(c.Request().Context(), g, a, note); err != nil {
		return goalStoreError(err)
	}
	to := goalPath(g)
	if a == store.ActionComplete {
		to += "?completed=1"
	}
	return redirect(c, to)
}
