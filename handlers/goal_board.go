package handlers

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// boardPage is what a group's goal board renders.
type boardPage struct {
	Group store.Group
	Goals []goalCard
	Feed  []store.GoalEvent
	// FeedHTML is Feed rendered (goal_feed), once per change of the board.
	FeedHTML template.HTML
	LastSeq  int64 // the chat's newest sequence, so the board's socket skips the history
	Path     string
}

// GoalBoard is a group's goal board: the goals its members shared with it and the latest
// milestones and updates, for members only. It is live: the group's socket tells it when
// a goal on it changed and it reloads its part (goal_live.go), each viewer through this
// handler, so nobody receives a goal the policy would not show them.
func (h *Handler) GoalBoard(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.ReadGroup)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := h.store.Now()
	e, ok := h.boards.get(gc.g, now)
	if !ok {
		gen := h.boards.gen(gc.g.ID)
		goals, err := h.store.BoardGoals(ctx, gc.g.ID)
		if err != nil {
			return internal(err)
		}
		feed, err := h.store.BoardFeed(ctx, gc.g.ID, goalBoardFeedLen)
		if err != nil {
			return internal(err)
		}
		e = cachedBoard{gen: gen, until: goalsValidUntil(goals, now), slug: gc.g.Slug, goals: cards(goals, now), feed: feed}
		if e.cards, err = h.cards.join(e.goals); err != nil {
			return internal(err)
		}
		var b bytes.Buffer
		if err := h.views.Partial(&b, "goal_feed", feed); err != nil {
			return internal(err)
		}
		e.feedHTML = template.HTML(b.String()) // rendered by html/template
		h.boards.put(gc.g.ID, e)
	}
	d := boardPage{Group: gc.g, Goals: e.goals, Feed: e.feed, FeedHTML: e.feedHTML, Path: "/groups/" + gc.g.Slug + "/goals"}
	if !isFragment(c) {
		var err error
		if d.LastSeq, err = h.store.LastSeq(ctx, gc.g.ID); err != nil {
			return internal(err)
		}
	}
	cards := e.cards
	p := h.page(c, "Goal board · "+gc.g.Name, "groups")
	p.Data, p.Insert = d, cards // the cards go where the template places {{insert}}
	return h.respond(c, http.StatusOK, "goal_board", "goal_board_live", p)
}

// goalLiveFrame is what the group's socket carries when a goal on its board changed: a
// note that something is new, the same for every member (nothing about the goal itself).
// The group page shows it beside its "Goal board" link; the board reloads its part.
func goalLiveFrame(groupID int64) []byte {
	id := strconv.FormatInt(groupID, 10)
	return []byte(`<span id="goal-live-` + id + `" class="goal-live" hx-swap-oob="innerHTML"><span class="badge">new</span></span>`)
}

// followGoals broadcasts goalLiveFrame to the groups whose boards a committed change
// touched. It runs on the store's writer, so it only queues.
func (h *Handler) followGoals(changes []store.Change) {
	for _, ch := range changes {
		if ch.Kind == store.ChangeGoal && ch.GroupID != 0 {
			h.chat.Broadcast(ch.GroupID, goalLiveFrame(ch.GroupID))
		}
	}
}
