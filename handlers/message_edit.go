package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/store"
)

// errEditSlowDown answers a member who edits or removes messages too quickly.
var errEditSlowDown = &Error{Code: http.StatusTooManyRequests, Message: chat.ErrEditSlowDown.Error()}

// messageError maps the store's refusals for changing a message.
func messageError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotAuthor):
		return &Error{Code: http.StatusForbidden, Message: "You can only change your own messages."}
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	}
	return internal(err)
}

func (h *Handler) renderMessage(c echo.Context, status int, name string, data any) error {
	c.Response().Header().Add(echo.HeaderVary, HeaderHXRequest)
	return h.views.WritePartial(c.Response(), status, name, data, "")
}

// writeMessage answers with one message's shared, cached HTML.
func (h *Handler) writeMessage(c echo.Context, m store.Message, slug string) error {
	html, err := h.frames.Message(m, slug)
	if err != nil {
		return internal(err)
	}
	c.Response().Header().Add(echo.HeaderVary, HeaderHXRequest)
	return c.HTML(http.StatusOK, string(html))
}

// MessageShow renders one message (the edit form's Cancel swaps it back).
func (h *Handler) MessageShow(c echo.Context) error {
	gc, m, err := h.loadMessage(c, authz.ReadGroup, false)
	if err != nil {
		return err
	}
	return h.writeMessage(c, m, gc.g.Slug)
}

type messageEditView struct {
	chatMessageView
	Body  string
	Error string
}

// MessageEditForm swaps a member's own message for an edit form.
func (h *Handler) MessageEditForm(c echo.Context) error {
	gc, m, err := h.loadMessage(c, authz.Post, true)
	if err != nil {
		return err
	}
	if m.Deleted() {
		return errNotFound
	}
	return h.renderMessage(c, http.StatusOK, "chat_message_edit",
		messageEditView{chatMessageView: chatMessageView{M: m, Slug: gc.g.Slug}, Body: m.Body})
}

// MessageEdit saves a member's change to their own message and shows it to everyone live.
func (h *Handler) MessageEdit(c echo.Context) error {
	gc, m, err := h.loadMessage(c, authz.Post, true)
	if err != nil {
		return err
	}
	body, verr := chat.CheckBody(c.FormValue("body"))
	if verr == nil {
		// The word filter's "block" holds for edits too, or it would be one edit away.
		if verr = h.chat.Blocked(c.Request().Context(), body); verr != nil && !chat.IsBlocked(verr) {
			return internal(verr)
		}
	}
	if verr != nil {
		return h.renderMessage(c, http.StatusUnprocessableEntity, "chat_message_edit",
			messageEditView{chatMessageView: chatMessageView{M: m, Slug: gc.g.Slug}, Body: c.FormValue("body"), Error: verr.Error()})
	}
	if !h.chat.AllowEdit(gc.user.ID) {
		return errEditSlowDown
	}
	m, err = h.store.EditMessage(c.Request().Context(), m.ID, gc.user.ID, body)
	if err != nil {
		return messageError(err)
	}
	h.chat.MessageChanged(m)
	return h.writeMessage(c, m, gc.g.Slug)
}
