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

// commentReportForm is what the comment_report_form partial renders.
type commentReportForm struct {
	GoalID, CommentID int64
	AuthorName        string
	Reasons           []reasonChoice
	Reason, Note      string
	Error             string
}

func newCommentReportForm(g store.Goal, cm store.GoalComment) commentReportForm {
	f := commentReportForm{GoalID: g.ID, CommentID: cm.ID, AuthorName: cm.AuthorName, Reason: string(store.ReasonCare)}
	for _, r := range store.ReportReasons {
		f.Reasons = append(f.Reasons, reasonChoice{Value: string(r), Label: views.ReasonLabel(r)})
	}
	return f
}

// loadReportableComment loads :cid on goal :id for a member who may report it
// (authz.ReportComment): someone else's comment, still shown, on a goal they see.
func (h *Handler) loadReportableComment(c echo.Context) (store.Goal, store.GoalComment, error) {
	g, err := h.loadGoal(c, authz.SeeGoal)
	if err != nil {
		return g, store.GoalComment{}, err
	}
	id, err := strconv.ParseInt(c.Param("cid"), 10, 64)
	if err != nil {
		return g, store.GoalComment{}, errNotFound
	}
	cm, err := h.store.GoalComment(c.Request().Context(), g.ID, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return g, cm, &Error{Code: http.StatusNotFound, Message: "That comment is gone, so there is nothing left to report."}
	case err != nil:
		return g, cm, internal(err)
	case cm.Hidden():
		return g, cm, &Error{Code: http.StatusNotFound, Message: "A moderator has already hidden that comment."}
	}
	if err := authz.ReportComment(currentUser(c), g, cm); err != nil {
		if errors.Is(err, authz.ErrForbidden) {
			return g, cm, &Error{Code: http.StatusForbidden, Message: "You cannot report your own comment. You can delete it instead."}
		}
		return g, cm, goalAuthzError(err)
	}
	return g, cm, nil
}

// GoalCommentReportForm is the report dialog for one comment, fetched into the comment by
// its "Report" action.
func (h *Handler) GoalCommentReportForm(c echo.Context) error {
	g, cm, err := h.loadReportableComment(c)
	if err != nil {
		return err
	}
	return h.fragment(c, http.StatusOK, "comment_report_form", newCommentReportForm(g, cm))
}

// GoalCommentReport files a report about a comment, with the same reasons as a message's.
// One open report per member per comment; the comment's author is never told who reported.
func (h *Handler) GoalCommentReport(c echo.Context) error {
	g, cm, err := h.loadReportableComment(c)
	if err != nil {
		return err
	}
	f := newCommentReportForm(g, cm)
	f.Reason, f.Note = c.FormValue("reason"), c.FormValue("note")
	again := func(msg string) error {
		f.Error = msg
		return h.fragment(c, http.StatusBadRequest, "comment_report_form", f)
	}
	if !store.ValidReportReason(f.Reason) {
		return again("Please choose a reason.")
	}
	note, err := readReason(c, "note", false)
	if err != nil {
		return again("Please keep the note to 500 characters or fewer.")
	}
	_, err = h.store.CreateReport(c.Request().Context(), store.NewReport{ReporterID: currentUser(c).ID, SubjectID: cm.UserID,
		CommentID: cm.ID, Reason: store.ReportReason(f.Reason), Note: note})
	if errors.Is(err, store.ErrAlreadyReported) {
		return h.fragment(c, http.StatusConflict, "report_done", "You have already reported this comment, and the moderators have it. Thank you.")
	}
	if err != nil {
		return modError(err)
	}
	return h.fragment(c, http.StatusCreated, "report_done", "Thank you. A moderator will look at it. Nobody else is told who reported it.")
}
