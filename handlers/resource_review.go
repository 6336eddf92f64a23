package handlers

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// reviewPage is what the review queue renders.
type reviewPage struct {
	Queue []store.Resource
}

// ResourceReviewQueue lists the resources waiting for review, oldest first, each with its
// text rendered as members would see it.
func (h *Handler) ResourceReviewQueue(c echo.Context) error {
	q, err := h.store.ReviewQueue(c.Request().Context())
	if err != nil {
		return internal(err)
	}
	p := h.page(c, "Review queue", "resources")
	p.Data = reviewPage{Queue: q}
	return h.respond(c, http.StatusOK, "resource_review", "", p)
}

// ResourceDecide takes a moderator's decision on a resource: approve (publish), send back
// to its author with a note, reject with a note, or unpublish.
func (h *Handler) ResourceDecide(c echo.Context) error {
	r, err := h.loadResource(c, authz.ReviewResource)
	if err != nil {
		return err
	}
	decision := c.FormValue("decision")
	note := strings.TrimSpace(cleanText(c.FormValue("note")))
	switch decision {
	case store.DecisionApprove, store.DecisionUnpublish:
	case store.DecisionSendBack, store.DecisionReject:
		if note == "" {
			return &Error{Code: http.StatusUnprocessableEntity, Message: "Write a note for the author: what should change, or why it cannot be published."}
		}
	default:
		return &Error{Code: http.StatusUnprocessableEntity, Message: "Choose approve, send back, reject or unpublish."}
	}
	if utf8.RuneCountInString(note) > 2000 {
		return &Error{Code: http.StatusUnprocessableEntity, Message: "Keep the note under 2,000 characters."}
	}
	if err := h.store.ReviewResource(c.Request().Context(), r.ID, currentUser(c).ID, decision, note); err != nil {
		return internal(err)
	}
	if c.FormValue("from") == "queue" {
		return redirect(c, "/resources/review")
	}
	return redirect(c, "/resources/"+r.Slug)
}
