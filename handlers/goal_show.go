package handlers

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// goalPage is what a goal's page renders.
type goalPage struct {
	Goal       store.Goal
	Owner      bool
	Days       int
	Percent    int
	Milestones []store.Milestone
	Order      string            // the milestone ids as shown, for the move buttons (stale check)
	Updates    []updateView      // newest first
	History    []store.GoalEvent // oldest first, the chart's data table
	Chart      template.HTML
	Reactions  []reactionView
	Comments   []commentView
	CanComment bool
	Feelings   []feeling
}

type updateView struct {
	store.GoalEvent
	FeelingLabel string
}

type reactionView struct {
	Kind, Emoji, Label string
	Count              int
	Mine               bool
}

type commentView struct {
	store.GoalComment
	CanDelete bool
}

// feeling is one step of the small fixed scale a member may add to an update.
type feeling struct {
	Value int
	Label string
}

var feelings = []feeling{{1, "Struggling"}, {2, "Low"}, {3, "Okay"}, {4, "Good"}, {5, "Great"}}

// feelingLabel names a feeling on the scale, or "".
func feelingLabel(v int) string {
	for _, f := range feelings {
		if f.Value == v {
			return f.Label
		}
	}
	return ""
}

var goalReactionLook = map[string][2]string{
	"clap": {"👏", "Well done"}, "strong": {"💪", "Stay strong"}, "grow": {"🌱", "Keep growing"}, "heart": {"❤️", "Sending love"},
}

func reactionViews(rs []store.GoalReactionCount) []reactionView {
	out := make([]reactionView, len(rs))
	for i, r := range rs {
		look := goalReactionLook[r.Kind]
		out[i] = reactionView{Kind: r.Kind, Emoji: look[0], Label: look[1], Count: r.Count, Mine: r.Mine}
	}
	return out
}

// GoalShow is a goal's page: milestones, updates, the progress chart, encouragement.
func (h *Handler) GoalShow(c echo.Context) error {
	g, err := h.loadGoal(c, authz.SeeGoal)
	if err != nil {
		return err
	}
	return h.renderGoal(c, http.StatusOK, g, nil)
}

func (h *Handler) renderGoal(c echo.Context, status int, g store.Goal, f *views.Form) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	ms, err := h.store.Milestones(ctx, g.ID)
	if err != nil {
		return internal(err)
	}
	events, err := h.store.GoalEvents(ctx, g.ID)
	if err != nil {
		return internal(err)
	}
	rs, err := h.store.GoalReactions(ctx, g.ID, u.ID)
	if err != nil {
		return internal(err)
	}
	cs, err := h.store.GoalComments(ctx, g.ID)
	if err != nil {
		return internal(err)
	}
	d := goalPage{Goal: g, Owner: g.UserID == u.ID, Days: g.DaysOfProgress(h.store.Now()), Percent: g.Percent(),
		Milestones: ms, History: events, Reactions: reactionViews(rs), CanComment: authz.CommentGoal(u, g) == nil, Feelings: feelings}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = strconv.FormatInt(m.ID, 10)
	}
	d.Order = strings.Join(ids, ",")
	pts := make([]views.ChartPoint, len(events))
	for i, e := range events {
		pts[i] = views.ChartPoint{At: e.CreatedAt, Done: e.Done, Restart: e.Kind == store.EventRestarted}
	}
	d.Chart = views.GoalChart(g.ID, g.Title, g.Milestones, pts)
	for i := len(events) - 1; i >= 0; i-- {
		if e := events[i]; e.Kind != store.EventCreated {
			d.Updates = append(d.Updates, updateView{GoalEvent: e, FeelingLabel: feelingLabel(e.Feeling)})
		}
	}
	for _, cm := range cs {
		d.Comments = append(d.Comments, commentView{GoalComment: cm, CanDelete: authz.DeleteGoalComment(u, g, cm) == nil})
	}
	p := h.page(c, g.Title, "goals")
	p.Data, p.Form = d, f
	return h.respond(c, status, "goal", "", p)
}
