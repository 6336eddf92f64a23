package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

// groupListItem is a row of the group list with its live online count.
type groupListItem struct {
	store.GroupSummary
	Online int
}

// groupsPage is what the group list renders.
type groupsPage struct{ Groups []groupListItem }

// GroupList shows the groups the member may see, with members, who is online and unread.
func (h *Handler) GroupList(c echo.Context) error {
	u := currentUser(c)
	list, err := h.store.ListGroupsFor(c.Request().Context(), u.ID, u.Role == store.RoleAdmin)
	if err != nil {
		return internal(err)
	}
	items := make([]groupListItem, len(list))
	for i, g := range list {
		items[i] = groupListItem{GroupSummary: g, Online: len(h.chat.Online(g.ID))}
	}
	p := h.page(c, "Groups", "groups")
	p.Data = groupsPage{Groups: items}
	return h.respond(c, http.StatusOK, "groups", "", p)
}
