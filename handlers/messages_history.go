package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
)

// MessagesHistory returns the page of messages before ?before=SEQ, with the sentinel that
// loads the page before it when scrolled into view (HTMX "revealed").
func (h *Handler) MessagesHistory(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.ReadGroup)
	if err != nil {
		return err
	}
	before, err := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	if err != nil || before < 1 {
		return &Error{Code: http.StatusBadRequest, Message: "before must be a message sequence number."}
	}
	hd, err := h.history(c, gc, before)
	if err != nil {
		return err
	}
	if hd, err = h.viewerHistory(gc, hd); err != nil {
		return err
	}
	c.Response().Header().Add(echo.HeaderVary, HeaderHXRequest)
	return h.views.WritePartial(c.Response(), http.StatusOK, "chat_history", hd, hd.Messages)
}
