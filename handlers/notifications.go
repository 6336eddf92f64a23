package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

const notificationsPerPage = 20

// notificationsPage is what /notifications renders.
type notificationsPage struct {
	Items    []noticeView
	Page     int
	Prev     int // 0: none
	Next     int // 0: none
	Unread   int
	Settings []settingView
}

type noticeView struct {
	ID   int64
	Text string
	When time.Time
	Read bool
}

type settingView struct {
	Key   store.NoticeSetting
	Label string
	On    bool
}

var settingLabels = map[store.NoticeSetting]string{
	store.SettingEncouragement: "Someone encouraged or commented on my goal",
	store.SettingBuddy:         "The member whose buddy I am reached a milestone",
	store.SettingMention:       "I was mentioned in chat",
	store.SettingJoinRequest:   "My request to join a group was decided",
	store.SettingModeration:    "A moderator action concerns me",
}

// who names the actors of a coalesced notification: "peer_a", "peer_a and peer_b", or "3 people".
func who(n store.Notification) string {
	switch {
	case n.ActorCount <= 0 || len(n.Actors) == 0:
		return "Someone"
	case n.ActorCount == 1:
		return n.Actors[0]
	case n.ActorCount == 2 && len(n.Actors) >= 2:
		return n.Actors[0] + " and " + n.Actors[1]
	}
	return fmt.Sprintf("%d people", n.ActorCount)
}

// noticeText is a notification in words. It names only what its recipient may see: their
// own goal, the goal they are buddy of, a group they asked to join.
func noticeText(n store.Notification) string {
	switch n.Kind {
	case store.NoticeCheer:
		return fmt.Sprintf("%s cheered %s", who(n), n.GoalTitle)
	case store.NoticeComment:
		if n.ActorCount == 1 && n.Items > 1 {
			return fmt.Sprintf("%s left %d comments on %s", who(n), n.Items, n.GoalTitle)
		}
		return fmt.Sprintf("%s commented on %s", who(n), n.GoalTitle)
	case store.NoticeBuddyMilestone:
		return fmt.Sprintf("%s reached a step of %s: %s", who(n), n.GoalTitle, n.Detail)
	case store.NoticeMention:
		return fmt.Sprintf("%s mentioned you in %s", who(n), n.GroupName)
	case store.NoticeJoinRequest:
		if n.Detail == "approved" {
			return fmt.Sprintf("Your request to join %s was approved: you can join it now", n.GroupName)
		}
		return fmt.Sprintf("Your request to join %s was not accepted", n.GroupName)
	}
	if n.Detail != "" {
		return "A moderator action concerns you: " + n.Detail
	}
	return "A moderator action concerns you"
}

// noticeLink is where opening a notification leads.
func noticeLink(n store.Notification) string {
	switch {
	case n.GoalID != 0:
		return "/goals/" + strconv.FormatInt(n.GoalID, 10)
	case n.Kind == store.NoticeMention || (n.Kind == store.NoticeJoinRequest && n.Detail == "approved"):
		if n.GroupSlug != "" {
			return "/groups/" + n.GroupSlug
		}
	}
	return "/notifications"
}

// Notifications lists the member's notifications, newest first, a page at a time, with
// their settings.
func (h *Handler) Notifications(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	page, _ := strconv.Atoi(c.QueryParam("page"))
	if page < 1 || page > 10_000 {
		page = 1
	}
	ns, err := h.store.Notifications(ctx, u.ID, notificationsPerPage+1, (page-1)*notificationsPerPage)
	if err != nil {
		return internal(err)
	}
	d := notificationsPage{Page: page}
	if len(ns) > notificationsPerPage {
		ns, d.Next = ns[:notificationsPerPage], page+1
	}
	if page > 1 {
		d.Prev = page - 1
	}
	for _, n := range ns {
		d.Items = append(d.Items, noticeView{ID: n.ID, Text: noticeText(n), When: n.UpdatedAt, Read: n.Read})
	}
	set, err := h.store.NotificationSettingsOf(ctx, u.ID)
	if err != nil {
		return internal(err)
	}
	for _, k := range store.NoticeSettings {
		d.Settings = append(d.Settings, settingView{Key: k, Label: settingLabels[k], On: set[k]})
	}
	p := h.page(c, "Notifications", "notifications")
	d.Unread = p.Viewer.Unread
	p.Data = d
	return h.respond(c, http.StatusOK, "notifications", "", p)
}

// NotificationOpen marks a notification read and opens what it is about.
func (h *Handler) NotificationOpen(c echo.Context) error {
	u := currentUser(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	ns, err := h.store.NotificationFor(ctx, u.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Code: http.StatusNotFound, Message: "That notification is gone: what it was about has been removed."}
	}
	if err != nil {
		return internal(err)
	}
	if err := h.store.MarkNotificationRead(ctx, u.ID, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return internal(err)
	}
	if c.FormValue("open") == "no" {
		return redirect(c, "/notifications")
	}
	return redirect(c, noticeLink(ns))
}

// NotificationsReadAll marks every notification read.
func (h *Handler) NotificationsReadAll(c echo.Context) error {
	if err := h.store.MarkAllNotificationsRead(c.Request().Context(), currentUser(c).ID); err != nil {
		return internal(err)
	}
	return redirect(c, "/notifications")
}

// NotificationSettings saves which kinds of notification the member wants.
func (h *Handler) NotificationSettings(c echo.Context) error {
	on := map[store.NoticeSetting]bool{}
	for _, k := range store.NoticeSettings {
		on[k] = c.FormValue(string(k)) == "on"
	}
	if err := h.store.SetNotificationSettings(c.Request().Context(), currentUser(c).ID, on); err != nil {
		return internal(err)
	}
	return redirect(c, "/notifications")
}
