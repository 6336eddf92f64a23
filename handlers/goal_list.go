package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// goalsPage is what /goals renders.
type goalsPage struct {
	Mine   []goalCard
	Shared []goalCard // other members' goals the viewer may see
}

// GoalList is /goals: the member's goals with their progress, and goals others shared with
// them. Logged out, it is the short guide to setting goals.
func (h *Handler) GoalList(c echo.Context) error {
	p := h.page(c, "Goals", "goals")
	var d goalsPage
	if u := currentUser(c); u != nil {
		ctx := c.Request().Context()
		mine, err := h.store.GoalsOf(ctx, u.ID)
		if err != nil {
			return internal(err)
		}
		shared, err := h.store.GoalsSharedWith(ctx, u.ID, 50)
		if err != nil {
			return internal(err)
		}
		now := h.store.Now()
		d = goalsPage{Mine: cards(mine, now), Shared: cards(shared, now)}
	}
	p.Data = d
	return h.respond(c, http.StatusOK, "goals", "", p)
}
