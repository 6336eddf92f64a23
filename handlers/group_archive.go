package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
)

// GroupArchive archives a group (archived=yes: read-only, out of the list) or brings it
// back (archived=no).
func (h *Handler) GroupArchive(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.ArchiveGroup)
	if err != nil {
		return err
	}
	var archived bool
	switch c.FormValue("archived") {
	case "yes":
		archived = true
	case "no":
	default:
		return &Error{Code: http.StatusBadRequest, Message: "Choose whether to archive the group."}
	}
	if err := h.store.SetArchived(c.Request().Context(), gc.g.ID, archived); err != nil {
		return internal(err)
	}
	requestLogger(c, h.log).Info("group archived", "group", gc.g.ID, "archived", archived)
	return redirect(c, "/groups/"+gc.g.Slug)
}

// GroupDelete deletes a group and its whole conversation, once the admin has typed the
// group's name to confirm. Its members' open chats close.
func (h *Handler) GroupDelete(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.DeleteGroup)
	if err != nil {
		return err
	}
	if strings.TrimSpace(c.FormValue("confirm_name")) != gc.g.Name {
		f := groupFormValues(gc)
		f.Fail("confirm_name", "Type the group's name exactly to confirm. Nothing was deleted.")
		return h.renderGroupForm(c, http.StatusUnprocessableEntity, &gc.g, f)
	}
	members, err := h.store.ListMembers(c.Request().Context(), gc.g.ID)
	if err != nil {
		return internal(err)
	}
	if err := h.store.DeleteGroup(c.Request().Context(), gc.g.ID); err != nil {
		return internal(err)
	}
	for _, m := range members {
		h.chat.KickMember(gc.g.ID, m.UserID)
	}
	requestLogger(c, h.log).Info("group deleted", "group", gc.g.ID)
	return redirect(c, "/groups")
}
