package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

const usersPerPage = 50

type pager struct{ Prev, Next int }

// adminUsersPage is what the members-and-roles page renders.
type adminUsersPage struct {
	Users []store.User
	Pager pager
	CSRF  string
}

// Rows are the page's rows, each rendered by the same partial as a changed row.
func (p adminUsersPage) Rows() []adminUserRow {
	rows := make([]adminUserRow, len(p.Users))
	for i := range p.Users {
		rows[i] = adminUserRow{User: &p.Users[i], CSRF: p.CSRF}
	}
	return rows
}

// adminUserRow is one member's row, rendered in the page and alone after a change.
type adminUserRow struct {
	User  *store.User
	CSRF  string
	Error string
	Saved bool
}

// AdminUsers lists members with their roles, for admins.
func (h *Handler) AdminUsers(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	users, err := h.store.ListUsers(c.Request().Context(), usersPerPage+1, (page-1)*usersPerPage)
	if err != nil {
		return internal(err)
	}
	pg := pager{}
	if page > 1 {
		pg.Prev = page - 1
	}
	if len(users) > usersPerPage {
		users, pg.Next = users[:usersPerPage], page+1
	}
	p := h.page(c, "Members and roles", "admin")
	p.Data = adminUsersPage{Users: users, Pager: pg, CSRF: csrfToken(c)}
	return h.respond(c, http.StatusOK, "admin_users", "", p)
}

// SetUserRole changes a member's site role. Only admins reach it; the last admin cannot be
// demoted, so a Hearth is never left without one.
func (h *Handler) SetUserRole(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	role, err := store.ParseRole(c.FormValue("role"))
	if err != nil {
		return httpError(http.StatusBadRequest, "Choose member, moderator or admin.", err)
	}
	u, err := h.store.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	} else if err != nil {
		return internal(err)
	}
	row := adminUserRow{User: &u, CSRF: csrfToken(c)}
	status := http.StatusOK
	switch err := h.store.SetRole(ctx, id, role); {
	case errors.Is(err, store.ErrLastAdmin):
		row.Error, status = "Hearth needs at least one admin. Appoint another admin first.", http.StatusConflict
	case err != nil:
		return internal(err)
	default:
		u.Role = role
		row.Saved = true
		requestLogger(c, h.log).Info("role changed", "target_user_id", id, "role", role)
	}
	if !isFragment(c) {
		if status != http.StatusOK {
			return httpError(status, row.Error, nil)
		}
		return redirect(c, "/admin/users")
	}
	c.Response().Header().Add(echo.HeaderVary, HeaderHXRequest)
	if err := h.views.WritePartial(c.Response(), status, "admin_user_row", row, ""); err != nil {
		return internal(err)
	}
	return nil
}
