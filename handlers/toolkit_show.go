package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

// toolkitPage is what the member's toolkit renders. Moved and Dir name the button that
// was just pressed, so the page comes back with keyboard focus on it.
type toolkitPage struct {
	Entries []store.ToolkitEntry
	Moved   int64
	Dir     string
}

// Toolkit is the member's private toolkit: only ever their own.
func (h *Handler) Toolkit(c echo.Context) error {
	entries, err := h.store.Toolkit(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return internal(err)
	}
	d := toolkitPage{Entries: entries}
	if id, err := strconv.ParseInt(c.QueryParam("moved"), 10, 64); err == nil {
		d.Moved, d.Dir = id, c.QueryParam("dir")
		// At either end the button pressed is gone: focus goes to the other one.
		for i, e := range entries {
			switch {
			case e.ID != id:
			case d.Dir == "up" && i == 0:
				d.Dir = "down"
			case d.Dir == "down" && i == len(entries)-1:
				d.Dir = "up"
			}
		}
	}
	p := h.page(c, "My toolkit", "resources")
	p.Data = d
	return h.respond(c, http.StatusOK, "toolkit", "", p)
}
