package handlers

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
)

// maxToolkitNote bounds a toolkit note.
const maxToolkitNote = 500

// toolkitNote reads and checks the private note of a toolkit form.
func toolkitNote(c echo.Context) (string, error) {
	note := strings.TrimSpace(cleanText(c.FormValue("note")))
	if utf8.RuneCountInString(note) > maxToolkitNote {
		return "", &Error{Code: http.StatusUnprocessableEntity, Message: "Keep the note under 500 characters."}
	}
	return note, nil
}

// ToolkitSave saves a resource to the member's private toolkit with an optional note (or
// replaces the note of one already there).
func (h *Handler) ToolkitSave(c echo.Context) error {
	r, err := h.loadResource(c, authz.UseResource)
	if err != nil {
		return err
	}
	note, err := toolkitNote(c)
	if err != nil {
		return err
	}
	if _, err := h.store.SaveToToolkit(c.Request().Context(), currentUser(c).ID, r.ID, note); err != nil {
		return internal(err)
	}
	return redirect(c, "/resources/"+r.Slug+"#toolkit")
}
