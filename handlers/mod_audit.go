package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// modAuditPage is what mod_audit renders.
type modAuditPage struct {
	Entries []store.AuditEntry
	Filter  store.AuditFilter
}

// ModAudit is the audit log: who did what, to whom, where, when and why, newest first,
// filtered by group, moderator and member. Group moderators read their groups' entries;
// site moderators and admins all of them (authz.ReadAudit).
func (h *Handler) ModAudit(c echo.Context) error {
	u := currentUser(c)
	if u == nil {
		return authzError(authz.ErrNoAccount)
	}
	var mods []int64
	if !u.Role.AtLeast(store.RoleModerator) {
		var err error
		if mods, err = h.store.ModeratedGroups(c.Request().Context(), u.ID); err != nil {
			return internal(err)
		}
	}
	sc, err := authz.ReadAudit(u, mods)
	if err != nil {
		return authzError(err)
	}
	num := func(name string) int64 {
		v, _ := strconv.ParseInt(c.QueryParam(name), 10, 64)
		return v
	}
	f := store.AuditFilter{Scope: sc, GroupID: num("group"), ModeratorID: num("moderator"), TargetID: num("member"), Limit: 200}
	entries, err := h.store.Audit(c.Request().Context(), f)
	if err != nil {
		return internal(err)
	}
	p := h.page(c, "Audit log", "mod")
	p.Data = modAuditPage{Entries: entries, Filter: f}
	return h.respond(c, http.StatusOK, "mod_audit", "", p)
}
