package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// backTo is where an encouragement sends the member back: the page they came from (the
// board, say), or the goal.
func backTo(c echo.Context, g store.Goal) string {
	return safeNext(c.FormValue("next"), goalPath(g))
}

// GoalReact gives or takes back a kind reaction (👏 💪 🌱 ❤️).
func (h *Handler) GoalReact(c echo.Context) error {
	g, err := h.loadGoal(c, authz.EncourageGoal)
	if err != nil {
		return err
	}
	kind := c.FormValue("kind")
	if !store.ValidGoalReaction(kind) {
		return &Error{Code: http.StatusBadRequest, Message: "Choose one of the reactions: 👏 💪 🌱 ❤️."}
	}
	if _, err := h.store.ToggleGoalReaction(c.Request().Context(), g, currentUser(c).ID, kind); err != nil {
		return internal(err)
	}
	return redirect(c, backTo(c, g))
}

// GoalComment adds a short encouragement, unless the owner turned comments off.
func (h *Handler) GoalComment(c echo.Context) error {
	g, err := h.loadGoal(c, authz.CommentGoal)
	if err != nil {
		return err
	}
	body := strings.TrimSpace(c.FormValue("body"))
	f := views.NewForm()
	f.Values["body"] = body
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		f.Fail("body", "Write a few kind words first.")
	case n > maxGoalComment:
		f.Fail("body", "Keep encouragement under 500 characters.")
	}
	if !f.Valid() {
		return h.renderGoal(c, http.StatusUnprocessableEntity, g, f)
	}
	err = h.store.AddGoalComment(c.Request().Context(), g, currentUser(c).ID, body)
	if errors.Is(err, store.ErrGoalState) {
		return goalAuthzError(authz.ErrCommentsOff)
	}
	if err != nil {
		return internal(err)
	}
	return redirect(c, goalPath(g))
}

// GoalCommentDelete deletes a comment: the goal's owner deletes any, an author their own.
func (h *Handler) GoalCommentDelete(c echo.Context) error {
	g, err := h.loadGoal(c, authz.SeeGoal)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("cid"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	cm, err := h.store.GoalComment(ctx, g.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Code: http.StatusNotFound, Message: "That comment is already gone."}
	}
	if err != nil {
		return internal(err)
	}
	if err := authz.DeleteGoalComment(currentUser(c), g, cm); err != nil {
		return &Error{Code: http.StatusForbidden, Message: "Only the goal's owner or the comment's author can delete it."}
	}
	if err := h.store.DeleteGoalComment(ctx, g, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return internal(err)
	}
	return redirect(c, goalPath(g))
}

// GoalComments turns comments on the goal on or off (its owner).
func (h *Handler) GoalComments(c echo.Context) error {
	g, err := h.loadGoal(c, authz.EditGoal)
	if err != nil {
		return err
	}
	if err := h.store.SetCommentsOff(c.Request().Context(), g, c.FormValue("comments") == "off"); err != nil {
		return internal(err)
	}
	return redirect(c, goalPath(g))
}
