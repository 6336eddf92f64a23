package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// reportForm is what the report_form partial renders.
type reportForm struct {
	Slug       string
	MessageID  int64
	AuthorName string
	Own        bool // the reporter wrote the message: only "about this message" (a care concern is still possible)
	Reasons    []reasonChoice
	Reason     string
	Note       string
	Error      string
}

type reasonChoice struct{ Value, Label string }

func newReportForm(slug string, m store.Message, own bool) reportForm {
	f := reportForm{Slug: slug, MessageID: m.ID, AuthorName: m.AuthorName, Own: own, Reason: string(store.ReasonCare)}
	for _, r := range store.ReportReasons {
		f.Reasons = append(f.Reasons, reasonChoice{Value: string(r), Label: views.ReasonLabel(r)})
	}
	return f
}

// loadReportable loads a message a member may report: authz.Report on its group, and the
// message still shown.
func (h *Handler) loadReportable(c echo.Context) (groupCtx, store.Message, error) {
	gc, m, err := h.loadMessage(c, authz.Report, false)
	if err != nil {
		return gc, m, err
	}
	if m.Deleted() || m.Hidden() {
		return gc, m, &Error{Code: http.StatusNotFound, Message: "That message has been removed, so there is nothing left to report."}
	}
	return gc, m, nil
}

// ReportForm is the report dialog for one message, fetched into the message by its
// "Report" action.
func (h *Handler) ReportForm(c echo.Context) error {
	gc, m, err := h.loadReportable(c)
	if err != nil {
		return err
	}
	return h.fragment(c, http.StatusOK, "report_form", newReportForm(gc.g.Slug, m, m.AuthorID == gc.user.ID))
}

// ReportCreate files a report about a message, or about its author as a member. The
// reported member is never told who reported; only moderators see reports.
func (h *Handler) ReportCreate(c echo.Context) error {
	gc, m, err := h.loadReportable(c)
	if err != nil {
		return err
	}
	f := newReportForm(gc.g.Slug, m, m.AuthorID == gc.user.ID)
	f.Reason, f.Note = c.FormValue("reason"), c.FormValue("note")
	again := func(msg string) error {
		f.Error = msg
		return h.fragment(c, http.StatusBadRequest, "report_form", f)
	}
	if !store.ValidReportReason(f.Reason) {
		return again("Please choose a reason.")
	}
	note, err := readReason(c, "note", false)
	if err != nil {
		return again("Please keep the note to 500 characters or fewer.")
	}
	r := store.NewReport{ReporterID: gc.user.ID, SubjectID: m.AuthorID, GroupID: gc.g.ID, MessageID: m.ID,
		Reason: store.ReportReason(f.Reason), Note: note}
	switch c.FormValue("about") {
	case "member":
		if f.Own {
			return again("You cannot report yourself. If you would like a moderator to check in on you, choose “I'm worried about this person” about this message.")
		}
		r.MessageID = 0
	case "message", "":
	default:
		return again("Please choose whether you report the message or the member.")
	}
	if _, err := h.store.CreateReport(c.Request().Context(), r); err != nil {
		if errors.Is(err, store.ErrAlreadyReported) {
			return h.fragment(c, http.StatusConflict, "report_done", "You have already reported this, and the moderators have it. Thank you.")
		}
		return modError(err)
	}
	return h.fragment(c, http.StatusCreated, "report_done", "Thank you. A moderator will look at it. Nobody else is told who reported it.")
}

// CareCheckIn is the crisis nudge's "ask a moderator to check in on me": a care concern
// about the member themselves, filed by them, with no message and nothing about why. A
// group (its slug, optional) the member cannot read is left out rather than refused, so the
// answer is the same calm confirmation whatever was sent.
func (h *Handler) CareCheckIn(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	r := store.NewReport{ReporterID: u.ID, SubjectID: u.ID, Reason: store.ReasonCare}
	if slug := c.FormValue("group"); slug != "" {
		g, m, member, err := h.store.GroupForMember(ctx, slug, u.ID)
		if err == nil {
			s := authz.Subject{User: u, Approved: m.Approved}
			if member {
				s.Membership = &m
			}
			if authz.ReadGroup(s, g) == nil {
				r.GroupID = g.ID
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return internal(err)
		}
	}
	// An open check-in already waiting is enough: asking again is answered the same way.
	if _, err := h.store.CreateReport(ctx, r); err != nil && !errors.Is(err, store.ErrAlreadyReported) {
		return internal(err)
	}
	return h.fragment(c, http.StatusOK, "checkin_done", nil)
}
