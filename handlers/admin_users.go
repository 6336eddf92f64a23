package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

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
	// NewReset is a password reset link just made without HTMX, shown once above the table.
	NewReset *newResetLink
}

// newResetLink is a reset link just made, and whose it is.
type newResetLink struct {
	DisplayName string
	Link        string
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
	// ResetLink is a password reset link just made for this member, shown once.
	ResetLink string
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
	d := adminUsersPage{Users: users, Pager: pg, CSRF: csrfToken(c)}
	if d.NewReset, err = h.takeNewReset(c); err != nil {
		return internal(err)
	}
	p := h.page(c, "Members and roles", "admin")
	p.Data = d
	return h.respond(c, http.StatusOK, "admin_users", "", p)
}

// newResetCookie carries a reset link made without HTMX from the POST to the page after it
// (redirect after post), as newInviteCookie does for invites: the link is never in a URL
// the browser keeps, and the page shows it once.
const newResetCookie = "hearth_new_reset"

func (h *Handler) setNewReset(c echo.Context, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: newResetCookie, Value: value, Path: "/admin/users", MaxAge: maxAge,
		HttpOnly: true, Secure: h.cfg.SecureCookies(), SameSite: http.SameSiteStrictMode})
}

// takeNewReset reads and clears the just-made reset link, if there is one.
func (h *Handler) takeNewReset(c echo.Context) (*newResetLink, error) {
	ck, err := c.Cookie(newResetCookie)
	if err != nil {
		return nil, nil
	}
	h.setNewReset(c, "", -1)
	idStr, path, ok := strings.Cut(ck.Value, ":")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if !ok || err != nil || !strings.HasPrefix(path, "/reset/") {
		return nil, nil
	}
	u, err := h.store.UserByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &newResetLink{DisplayName: u.DisplayName, Link: strings.TrimRight(h.cfg.BaseURL.String(), "/") + path}, nil
}

// UserResetLink makes a one-time password reset link for a member who forgot their
// password, and shows it once to the admin, who hands it over. Hearth sends no e-mail.
func (h *Handler) UserResetLink(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	u, err := h.store.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	} else if err != nil {
		return internal(err)
	}
	path, err := newPasswordReset(ctx, h.store, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound // deleted a moment ago
	} else if err != nil {
		return internal(err)
	}
	requestLogger(c, h.log).Info("password reset link made", "target_user_id", id)
	if !isFragment(c) {
		h.setNewReset(c, strconv.FormatInt(id, 10)+":"+path, 300)
		return redirect(c, "/admin/users")
	}
	c.Response().Header().Add(echo.HeaderVary, HeaderHXRequest)
	row := adminUserRow{User: &u, CSRF: csrfToken(c), ResetLink: strings.TrimRight(h.cfg.BaseURL.String(), "/") + path}
	if err := h.views.WritePartial(c.Response(), http.StatusOK, "admin_user_row", row, ""); err != nil {
		return internal(err)
	}
	return nil
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
