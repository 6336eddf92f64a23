package handlers

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// historyPage is how many messages the page and each older page carry.
const historyPage = 50

// historyData is what the chat_history partial renders.
type historyData struct {
	Slug     string
	Messages template.HTML // the messages' cached HTML, oldest first, joined
	More     bool
	Before   int64 // sequence of the oldest message shown
	Last     int64 // sequence of the newest message shown
	// Hidden are the page's hidden messages, where each sits in Messages: the room's
	// rendering is shared (and cached), and viewerHistory swaps in what a moderator or the
	// author sees.
	Hidden []hiddenSpan
}

// viewerHistory is hd as the viewer sees it: a hidden message as its moderators or its
// author see it, the room's rendering for everyone else. The shared page (and the history
// cache) is left as it is; only a page with a hidden message the viewer sees differently
// is joined again.
func (h *Handler) viewerHistory(gc groupCtx, hd historyData) (historyData, error) {
	if len(hd.Hidden) == 0 {
		return hd, nil
	}
	v := chat.Viewer{UserID: gc.user.ID, Moderator: gc.may(authz.Moderate)}
	var b strings.Builder
	at := 0
	for _, sp := range hd.Hidden {
		view := viewFor(sp.M, v)
		if view == "" {
			continue
		}
		html, err := h.frames.variant(sp.M, hd.Slug, view, false)
		if err != nil {
			return hd, internal(err)
		}
		if b.Len() == 0 {
			b.Grow(len(hd.Messages) + len(html))
		}
		b.WriteString(string(hd.Messages[at:sp.Start]))
		b.WriteString(string(html))
		at = sp.End
	}
	if at == 0 {
		return hd, nil
	}
	b.WriteString(string(hd.Messages[at:]))
	hd.Messages = template.HTML(b.String()) // each piece was rendered by html/template
	hd.Hidden = nil
	return hd, nil
}

// history loads the page of messages before the sequence before (0: the newest page). The
// newest page is what every page view shows, so it is cached (history_cache.go) under the
// change feed's position read before the messages are.
func (h *Handler) history(c echo.Context, gc groupCtx, before int64) (historyData, error) {
	if before != 0 {
		return h.loadHistory(c, gc, before)
	}
	if hd, ok := h.frames.latest.get(gc.g); ok {
		return hd, nil
	}
	gen := h.frames.latest.gen(gc.g.ID)
	hd, err := h.loadHistory(c, gc, 0)
	if err == nil {
		h.frames.latest.put(gc.g.ID, gen, hd)
	}
	return hd, err
}

func (h *Handler) loadHistory(c echo.Context, gc groupCtx, before int64) (historyData, error) {
	msgs, err := h.store.MessagesBefore(c.Request().Context(), gc.g.ID, before, historyPage+1)
	if err != nil {
		return historyData{}, internal(err)
	}
	hd := historyData{Slug: gc.g.Slug}
	if len(msgs) > historyPage {
		msgs, hd.More = msgs[1:], true
	}
	// Joined here rather than ranged over in the template: one value for html/template to
	// pass through instead of fifty, which is most of the page's rendering time.
	var b strings.Builder
	for _, m := range msgs {
		html, err := h.frames.Message(m, gc.g.Slug)
		if err != nil {
			return historyData{}, internal(err)
		}
		if b.Len() == 0 {
			b.Grow(len(msgs) * (len(html) + 1))
		}
		if hasVariants(m) {
			hd.Hidden = append(hd.Hidden, hiddenSpan{M: m, Start: b.Len(), End: b.Len() + len(html)})
		}
		b.WriteString(string(html))
		b.WriteByte('\n')
	}
	hd.Messages = template.HTML(b.String()) // each piece was rendered by html/template
	if len(msgs) > 0 {
		hd.Before, hd.Last = msgs[0].Seq, msgs[len(msgs)-1].Seq
	}
	return hd, nil
}

// groupPage is what the group page renders.
type groupPage struct {
	Group store.Group
	// Member: the viewer may read the chat; otherwise the page is the join card.
	Member     bool
	Members    int
	Online     []string
	Presence   template.HTML
	CanManage  bool // invite links and join requests
	CanMembers bool // the member list with its organiser controls
	CanEdit    bool // the group's settings
	CanJoin    bool // the join card's form (public, active groups)
	History    historyData
	Typing     []string
	// RoomState names the room's state (locked, slow mode, facilitated); Compose is the send
	// box, or what stands in its place (muted, saying why and until when; the room locked).
	RoomState   string
	Compose     composeView
	CanModerate bool // the room settings and the moderation queue
	// Held lists the viewer's own messages the word filter holds for review: only they
	// (and the moderators, on /mod) see them until a moderator decides.
	Held []store.Message
}

// GroupShow is a group's page: the chat for members, guidelines and a join form for others.
func (h *Handler) GroupShow(c echo.Context) error {
	gc, err := h.loadGroup(c, authz.SeeGroup)
	if err != nil {
		return err
	}
	return h.renderGroup(c, gc, http.StatusOK, nil)
}

func (h *Handler) renderGroup(c echo.Context, gc groupCtx, status int, form *views.Form) error {
	ctx := c.Request().Context()
	members := gc.g.MemberCount
	online := h.chat.Online(gc.g.ID)
	presence, err := h.frames.presenceHTML(online, members)
	if err != nil {
		return internal(err)
	}
	data := groupPage{
		Group: gc.g, Member: gc.may(authz.ReadGroup), Members: members, Online: online, Presence: presence,
		CanManage:  gc.may(authz.ManageInvites) && gc.g.Visibility == store.Private,
		CanMembers: gc.may(authz.ListMembers), CanEdit: gc.may(authz.EditGroup), CanJoin: gc.may(authz.Join),
		CanModerate: gc.may(authz.Lock),
		RoomState:   roomStateText(gc.g, h.chat.FacilitatorHere(gc.g.ID)),
	}
	if data.Compose.Restriction, err = h.compose(c, gc); err != nil {
		return err
	}
	var history template.HTML // the messages, spliced into the page at {{insert}}
	if data.Member {
		hd, err := h.history(c, gc, 0)
		if err != nil {
			return err
		}
		if hd, err = h.viewerHistory(gc, hd); err != nil {
			return err
		}
		data.History = hd
		history = hd.Messages
		if data.Held, err = h.store.HeldMessages(ctx, gc.g.ID, gc.user.ID); err != nil {
			return internal(err)
		}
		// Only a page that shows something new moves the read marker: a plain reload costs
		// no write.
		if hd.Last > gc.m.LastReadSeq {
			if err := h.store.MarkRead(ctx, gc.g.ID, gc.user.ID, hd.Last); err != nil {
				requestLogger(c, h.log).Warn("mark group read", "group", gc.g.ID, "err", err)
			}
		}
	}
	p := h.page(c, gc.g.Name, "groups")
	p.Data, p.Form, p.Insert = data, form, history
	return h.respond(c, status, "group", "", p)
}
