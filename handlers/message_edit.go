package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/store"
)

// loadMessage resolves :id within the group of :slug for a member.
func (h *Handler) loadMessage(c echo.Context) (groupCtx, store.Message, error) {
	gc, err := h.loadMemberGroup(c)
	if err != nil {
		return gc, store.Message{}, err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return gc, store.Message{}, errNotFound
	}
	m, err := h.store.MessageByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.GroupID != gc.g.ID) {
		return gc, store.Message{}, errNotFound
	}
	if err != nil {
		return gc, store.Message{}, internal(err)
	}
	return gc, m, nil
}

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
	gc, m, err := h.loadMessage(c)
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
	gc, m, err := h.loadMessage(c)
	if err != nil {
		return err
	}
	if m.AuthorID != gc.user.ID {
		return messageError(store.ErrNotAuthor)
	}
	if m.Deleted() {
		return errNotFound
	}
	return h.renderMessage(c, http.StatusOK, "chat_message_edit",
		messageEditView{chatMessageView: chatMessageView{M: m, Slug: gc.g.Slug}, Body: m.Body})
}

// MessageEdit saves a member's change to their own message and shows it to everyone live.
func (h *Handler) MessageEdit(c echo.Context) error {
	gc, m, err := h.loadMessage(c)
	if err != nil {
		return err
	}
	body, verr := chat.CheckBody(c.FormValue("body"))
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
