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
	"github.com/hearth-community/hearth/views"
)

// Limits of what a member writes on a goal.
const (
	maxGoalTitle     = 120
	maxGoalWhy       = 1000
	maxMilestone     = 120
	maxMilestones    = 30
	maxGoalNote      = 1000
	maxGoalComment   = 500
	goalBoardFeedLen = 30
)

// goalRule is one decision of the policy about a goal.
type goalRule func(*store.User, store.Goal) error

// loadGoal resolves :id for the current member and asks the policy rule about it. A goal
// they may not see is the same 404 as a goal that does not exist.
func (h *Handler) loadGoal(c echo.Context, rule goalRule) (store.Goal, error) {
	u := currentUser(c)
	if u == nil {
		return store.Goal{}, authzError(authz.ErrNoAccount)
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return store.Goal{}, errNotFound
	}
	g, err := h.store.GoalFor(c.Request().Context(), id, u.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return g, errNotFound
	case err != nil:
		return g, internal(err)
	}
	if err := authz.SeeGoal(u, g); err != nil {
		return g, authzError(err)
	}
	if err := rule(u, g); err != nil {
		return g, goalAuthzError(err)
	}
	return g, nil
}

// goalAuthzError turns a refusal about a goal into what the member sees.
func goalAuthzError(err error) error {
	switch {
	case errors.Is(err, authz.ErrCommentsOff):
		return &Error{Code: http.StatusForbidden, Message: "The owner of this goal has turned comments off. A reaction is always welcome."}
	case errors.Is(err, authz.ErrForbidden):
		return &Error{Code: http.StatusForbidden, Message: "Only the member who set this goal can change it."}
	}
	return authzError(err)
}

// goalStoreError turns a refusal of a goal writer into what the member sees.
func goalStoreError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Code: http.StatusNotFound, Message: "That step is not part of this goal (it may have been removed). Reload the page to see the goal as it is now."}
	case errors.Is(err, store.ErrStaleOrder):
		return &Error{Code: http.StatusConflict, Message: "The steps changed in another window, so nothing was moved. Reload the page to see them as they are now."}
	case errors.Is(err, store.ErrGoalState):
		return &Error{Code: http.StatusConflict, Message: "That is not possible for this goal as it stands now. Reload the page to see it."}
	}
	return internal(err)
}

// goalCard is a goal in a list, with its progress.
type goalCard struct {
	Goal    store.Goal
	Days    int
	Percent int
}

func cards(gs []store.Goal, now time.Time) []goalCard {
	out := make([]goalCard, len(gs))
	for i, g := range gs {
		out[i] = goalCard{Goal: g, Days: g.DaysOfProgress(now), Percent: g.Percent()}
	}
	return out
}

// validateGoal checks a submitted goal form. milestones is read only when creating.
func validateGoal(f *views.Form, now time.Time, withMilestones bool) (store.GoalInput, []string) {
	in := store.GoalInput{
		Title:      strings.TrimSpace(f.Value("title")),
		Why:        strings.TrimSpace(f.Value("why")),
		Visibility: store.GoalVisibility(f.Value("visibility")),
	}
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		f.Fail("title", "Give your goal a short title, such as \"Walk every morning\".")
	case n > maxGoalTitle:
		f.Fail("title", "Keep the title under 120 characters; the why can say more.")
	}
	if utf8.RuneCountInString(in.Why) > maxGoalWhy {
		f.Fail("why", "Keep this under 1,000 characters.")
	}
	td, err := store.ParseTargetDate(f.Value("target_date"), now)
	switch {
	case err == nil:
		in.TargetDate = td
	case err.Error() == "past":
		f.Fail("target_date", "That date has passed. Choose today or a later day, or leave it empty.")
	default:
		f.Fail("target_date", "Write the date as year-month-day, for example 2026-09-30, or leave it empty.")
	}
	switch in.Visibility {
	case store.GoalPrivate, store.GoalMembers:
	case store.GoalGroup:
		in.GroupID, _ = strconv.ParseInt(f.Value("group_id"), 10, 64)
		if in.GroupID == 0 {
			f.Fail("group_id", "Choose the group to share it with.")
		}
	default:
		f.Fail("visibility", "Choose who can see this goal.")
	}
	if b := f.Value("buddy_id"); b != "" && b != "0" {
		in.BuddyID, _ = strconv.ParseInt(b, 10, 64)
	}
	var steps []string
	if withMilestones {
		for _, line := range strings.Split(f.Value("milestones"), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				steps = append(steps, line)
			}
		}
		if len(steps) > maxMilestones {
			f.Fail("milestones", "Thirty steps at most; small steps can be added as you go.")
		}
		for _, s := range steps {
			if utf8.RuneCountInString(s) > maxMilestone {
				f.Fail("milestones", "Keep each step under 120 characters.")
			}
		}
	}
	return in, steps
}

// validateStep checks one milestone's text and returns the message for the member, or "".
func validateStep(s string) string {
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "Write the step, for example \"Walk to the corner and back\"."
	case n > maxMilestone:
		return "Keep each step under 120 characters."
	}
	return ""
}
