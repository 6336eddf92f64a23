package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

// The actions on one toolkit item. Each loads the item through loadToolkitItem, so another
// member's item is a 404 whoever asks.

// ToolkitNote replaces the private note of a toolkit item.
func (h *Handler) ToolkitNote(c echo.Context) error {
	it, err := h.loadToolkitItem(c)
	if err != nil {
		return err
	}
	note, err := toolkitNote(c)
	if err != nil {
		return err
	}
	if err := h.store.SetToolkitNote(c.Request().Context(), it.UserID, it.ID, note); err != nil {
		return toolkitStoreError(err)
	}
	return redirect(c, "/resources/toolkit#item-"+strconv.FormatInt(it.ID, 10))
}

// ToolkitMove moves a toolkit item one place up or down.
func (h *Handler) ToolkitMove(c echo.Context) error {
	it, err := h.loadToolkitItem(c)
	if err != nil {
		return err
	}
	dir := c.FormValue("dir")
	delta := map[string]int{"up": -1, "down": 1}[dir]
	if delta == 0 {
		return &Error{Code: http.StatusBadRequest, Message: "Choose up or down."}
	}
	if err := h.store.MoveToolkitItem(c.Request().Context(), it.UserID, it.ID, delta); err != nil {
		return toolkitStoreError(err)
	}
	return redirect(c, "/resources/toolkit?moved="+strconv.FormatInt(it.ID, 10)+"&dir="+dir)
}

// ToolkitRemove takes an item out of the toolkit.
func (h *Handler) ToolkitRemove(c echo.Context) error {
	it, err := h.loadToolkitItem(c)
	if err != nil {
		return err
	}
	if err := h.store.RemoveToolkitItem(c.Request().Context(), it.UserID, it.ID); err != nil {
		return toolkitStoreError(err)
	}
	return redirect(c, "/resources/toolkit")
}

func toolkitStoreError(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	return internal(err)
}
