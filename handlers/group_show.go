package handlers

import (
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// historyPage is how many messages the page and each older page carry.
const historyPage = 50

// groupCtx is a group as the current member may see it.
type groupCtx struct {
	g      store.Group
	user   *store.User
	member bool
	m      store.Membership
}

// canManage: group moderators and site moderators manage invites and requests.
func (gc groupCtx) canManage() bool {
	return (gc.member && gc.m.IsModerator) || gc.user.Role.AtLeast(store.RoleModerator)
}

// loadGroup resolves :slug for the current member. A private group they do not belong to
// is the same errNotFound as a group that does not exist, so its existence leaks nowhere.
func (h *Handler) loadGroup(c echo.Context) (groupCtx, error) {
	ctx := c.Request().Context()
	gc := groupCtx{user: currentUser(c)}
	g, m, member, err := h.store.GroupForMember(ctx, c.Param("slug"), gc.user.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return gc, errNotFound
	case err != nil:
		return gc, internal(err)
	case !member && g.Visibility == store.Private:
		return gc, errNotFound
	}
	gc.g, gc.m, gc.member = g, m, member
	return gc, nil
}

// loadMemberGroup is loadGroup for actions only members may take: a public group's
// non-member is told to join first.
func (h *Handler) loadMemberGroup(c echo.Context) (groupCtx, error) {
	gc, err := h.loadGroup(c)
	if err == nil && !gc.member {
		err = &Error{Code: http.StatusForbidden, Message: "Join this group to take part in its chat."}
	}
	return gc, err
}

// historyData is what the chat_history partial renders.
type historyData struct {
	Slug     string
	Messages template.HTML // the messages' cached HTML, oldest first, joined
	More     bool
	Before   int64 // sequence of the oldest message shown
	Last     int64 // sequence of the newest message shown
}

// history loads the page of messages before the sequence before (0: the newest page). The
// newest page is what every page view shows, so it is cached under the group's history
// version, read with the group before the messages (see keepLatestHistory).
func (h *Handler) history(c echo.Context, gc groupCtx, before int64) (historyData, error) {
	if before == 0 {
		if hd, ok := h.frames.latestHistory(gc.g); ok {
			return hd, nil
		}
	}
	hd, err := h.loadHistory(c, gc, before)
	if err == nil && before == 0 {
		h.frames.keepLatestHistory(gc.g.ID, gc.g.HistoryVersion, hd)
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
		b.WriteString(string(html))
		b.WriteByte('\n')
	}
	hd.Messages = template.HTML(b.String()) // each piece was rendered by html/template
	if len(msgs) > 0 {
		hd.Before, hd.Last = msgs[0].Seq, msgs[len(msgs)-1].Seq
	}
	return hd, nil
}

// GroupShow is a group's page: the chat for members, guidelines and a join form for others.
func (h *Handler) GroupShow(c echo.Context) error {
	gc, err := h.loadGroup(c)
	if err != nil {
		return err
	}
	return h.renderGroup(c, gc, http.StatusOK, nil)
}

func (h *Handler) renderGroup(c echo.Context, gc groupCtx, status int, form *views.Form) error {
	ctx := c.Request().Context()
	members := gc.g.MemberCount
	online := h.chat.Online(gc.g.ID)
	presence, err := h.frames.presenceHTML(online)
	if err != nil {
		return internal(err)
	}
	data := map[string]any{
		"Group": gc.g, "Member": gc.member, "Members": members, "Online": online, "Presence": presence,
		"CanManage": gc.canManage() && gc.g.Visibility == store.Private,
		"CanEdit":   gc.user.Role.AtLeast(store.RoleModerator),
		"Typing":    []string(nil),
	}
	var history template.HTML // the messages, spliced into the page at {{insert}}
	if gc.member {
		hd, err := h.history(c, gc, 0)
		if err != nil {
			return err
		}
		data["History"], data["ClientID"] = hd, chat.NewClientID()
		history = hd.Messages
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
