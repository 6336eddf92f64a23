package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// goalFormPage is what the goal form renders, for a new goal or an edit.
type goalFormPage struct {
	Goal   *store.Goal // nil for a new goal
	Groups []store.GroupSummary
	Peers  []store.Member
}

func (h *Handler) goalForm(c echo.Context, status int, g *store.Goal, f *views.Form) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	groups, err := h.store.ListGroupsFor(ctx, u.ID, false)
	if err != nil {
		return internal(err)
	}
	mine := groups[:0]
	for _, gr := range groups {
		if gr.IsMember {
			mine = append(mine, gr)
		}
	}
	peers, err := h.store.GoalPeers(ctx, u.ID)
	if err != nil {
		return internal(err)
	}
	title := "A new goal"
	if g != nil {
		title = "Change " + g.Title
	}
	p := h.page(c, title, "goals")
	p.Form, p.Data = f, goalFormPage{Goal: g, Groups: mine, Peers: peers}
	return h.respond(c, status, "goal_form", "", p)
}

// GoalNew is the form for a new goal.
func (h *Handler) GoalNew(c echo.Context) error {
	f := views.NewForm()
	f.Values["visibility"] = string(store.GoalPrivate)
	if g := c.QueryParam("group"); g != "" {
		f.Values["visibility"], f.Values["group_id"] = string(store.GoalGroup), g
	}
	return h.goalForm(c, http.StatusOK, nil, f)
}

// GoalCreate writes a new goal with its first steps, all or nothing.
func (h *Handler) GoalCreate(c echo.Context) error {
	f := formFrom(c, "title", "why", "target_date", "visibility", "group_id", "buddy_id", "milestones")
	in, steps := validateGoal(f, h.store.Now(), true)
	if !f.Valid() {
		return h.goalForm(c, http.StatusUnprocessableEntity, nil, f)
	}
	g, err := h.store.CreateGoal(c.Request().Context(), currentUser(c).ID, in, steps)
	if err != nil {
		if goalInputError(f, err) {
			return h.goalForm(c, http.StatusUnprocessableEntity, nil, f)
		}
		return internal(err)
	}
	return redirect(c, "/goals/"+strconv.FormatInt(g.ID, 10))
}

// goalInputError records on the form a refusal of the store about the group or buddy.
func goalInputError(f *views.Form, err error) bool {
	switch {
	case errors.Is(err, store.ErrGoalGroup):
		f.Fail("group_id", "You can share a goal only with a group you belong to.")
	case errors.Is(err, store.ErrGoalBuddy):
		f.Fail("buddy_id", "A buddy is someone from a group you share.")
	default:
		return false
	}
	return true
}

// formFrom copies the named form fields into a Form.
func formFrom(c echo.Context, names ...string) *views.Form {
	f := views.NewForm()
	for _, n := range names {
		f.Values[n] = c.FormValue(n)
	}
	return f
}
