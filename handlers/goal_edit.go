package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/views"
)

// GoalEditForm is the form to change a goal's title, why, date, visibility and buddy.
func (h *Handler) GoalEditForm(c echo.Context) error {
	g, err := h.loadGoal(c, authz.EditGoal)
	if err != nil {
		return err
	}
	f := views.NewForm()
	f.Values["title"], f.Values["why"], f.Values["target_date"] = g.Title, g.Why, g.TargetDate
	f.Values["visibility"] = string(g.Visibility)
	f.Values["group_id"] = strconv.FormatInt(g.GroupID, 10)
	f.Values["buddy_id"] = strconv.FormatInt(g.BuddyID, 10)
	return h.goalForm(c, http.StatusOK, &g, f)
}

// GoalEdit saves the goal's fields. A new visibility takes effect at once, on the boards
// too (the change feed tells them).
func (h *Handler) GoalEdit(c echo.Context) error {
	g, err := h.loadGoal(c, authz.EditGoal)
	if err != nil {
		return err
	}
	f := formFrom(c, "title", "why", "target_date", "visibility", "group_id", "buddy_id")
	in, _ := validateGoal(f, h.store.Now(), false)
	if in.TargetDate == "" && f.Error("target_date") != "" && f.Value("target_date") == g.TargetDate {
		// A target date set earlier may have passed: keeping it is not an error.
		delete(f.Errors, "target_date")
		in.TargetDate = g.TargetDate
	}
	if !f.Valid() {
		return h.goalForm(c, http.StatusUnprocessableEntity, &g, f)
	}
	if err := h.store.UpdateGoal(c.Request().Context(), g, in); err != nil {
		if goalInputError(f, err) {
			return h.goalForm(c, http.StatusUnprocessableEntity, &g, f)
		}
		return internal(err)
	}
	return redirect(c, "/goals/"+strconv.FormatInt(g.ID, 10))
}
