package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// maxFilterEntries bounds the word filter: every message is checked against all of it.
const maxFilterEntries = 500

// adminFilterPage is what /admin/filter renders.
type adminFilterPage struct {
	Entries []store.FilterEntry
	Form    *views.Form
	Saved   string // a notice after a change
}

// AdminFilter shows the community's word filter and the form to add an entry.
func (h *Handler) AdminFilter(c echo.Context) error {
	d := adminFilterPage{Form: views.NewForm()}
	d.Form.Values["action"] = string(store.FilterFlag)
	switch c.QueryParam("saved") {
	case "added":
		d.Saved = "The entry is added. It applies to the next message sent."
	case "removed":
		d.Saved = "The entry is removed."
	}
	return h.renderAdminFilter(c, http.StatusOK, d)
}

func (h *Handler) renderAdminFilter(c echo.Context, status int, d adminFilterPage) error {
	entries, err := h.store.FilterEntries(c.Request().Context())
	if err != nil {
		return internal(err)
	}
	d.Entries = entries
	p := h.page(c, "Word filter", "admin")
	p.Data = d
	return h.respond(c, status, "admin_filter", "", p)
}

// AdminFilterAdd adds a word or phrase to the filter.
func (h *Handler) AdminFilterAdd(c echo.Context) error {
	d := adminFilterPage{Form: views.NewForm()}
	phrase := strings.ToLower(strings.Join(strings.Fields(c.FormValue("phrase")), " "))
	action := store.FilterAction(c.FormValue("action"))
	d.Form.Values["phrase"], d.Form.Values["action"] = phrase, string(action)
	switch {
	case phrase == "":
		d.Form.Fail("phrase", "Enter a word or phrase.")
	case utf8.RuneCountInString(phrase) > maxPhraseChars:
		d.Form.Fail("phrase", "A word or phrase can be at most 60 characters.")
	}
	if !action.Valid() {
		d.Form.Fail("action", "Choose what happens to a message that contains it.")
	}
	if d.Form.Valid() {
		n, err := h.store.FilterEntries(c.Request().Context())
		if err != nil {
			return internal(err)
		}
		if len(n) >= maxFilterEntries {
			d.Form.Fail("phrase", "The filter holds at most 500 entries. Remove some first.")
		}
	}
	if !d.Form.Valid() {
		return h.renderAdminFilter(c, http.StatusUnprocessableEntity, d)
	}
	switch _, err := h.store.AddFilterEntry(c.Request().Context(), phrase, action); {
	case errors.Is(err, store.ErrFilterEntryExists):
		d.Form.Fail("phrase", "The filter already has “"+phrase+"”. Remove it first to change what it does.")
		return h.renderAdminFilter(c, http.StatusUnprocessableEntity, d)
	case err != nil:
		return internal(err)
	}
	return redirect(c, "/admin/filter?saved=added")
}

// AdminFilterDelete removes an entry from the filter.
func (h *Handler) AdminFilterDelete(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return &Error{Code: http.StatusNotFound, Message: "That filter entry does not exist (any more)."}
	}
	switch err := h.store.DeleteFilterEntry(c.Request().Context(), id); {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Code: http.StatusNotFound, Message: "That filter entry does not exist (any more)."}
	case err != nil:
		return internal(err)
	}
	return redirect(c, "/admin/filter?saved=removed")
}
