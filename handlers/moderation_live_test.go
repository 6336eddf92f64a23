package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// siteModerator adds a site moderator (role moderator) who joined the welcome group.
func (w *modWorld) siteModerator(t *testing.T, username string) *handlerstest.Client {
	t.Helper()
	c := w.app.Member(username)
	joinGroup(t, c, "welcome")
	w.ids[username] = userID(t, w.app, username)
	if err := w.app.Store.SetRole(context.Background(), w.ids[username], store.RoleModerator); err != nil {
		t.Fatal(err)
	}
	return c
}

// hiddenAs reads how a message looks in a rendering: its text shown, the reason shown,
// a Restore form.
func hiddenAs(t *testing.T, html string, id int64) (text, reason, restore bool) {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	m := doc.Find("#msg-" + strconv.FormatInt(id, 10))
	if m.Length() == 0 {
		t.Fatalf("message %d not in %.300s", id, html)
	}
	if !strings.Contains(m.Find(".msg-hidden").Text(), "hidden") {
		t.Fatalf("message %d is not marked hidden: %s", id, m.Text())
	}
	text = strings.Contains(m.Text(), "a message that breaks the guidelines")
	reason = strings.Contains(m.Text(), "Names a pharmacy")
	restore = m.Find(`form[hx-post$="/restore"] textarea[name=reason]`).Length() == 1
	return
}

// TestModerationModeratorsSeeHiddenInRoom: in the live room, the group's moderators and
// site moderators see a hidden message marked hidden with its text, the reason and a
// Restore action, live when the hide happens and in history; its author sees "hidden by a
// moderator" with the reason and no Restore; everyone else sees the placeholder alone.
// One shared history page serves them all (the cache is filled by a member first).
func TestModerationModeratorsSeeHiddenInRoom(t *testing.T) {
	w := newModWorld(t)
	smod := w.siteModerator(t, "sitemod")
	id := w.post(t, w.ana, "a message that breaks the guidelines")
	sockets := map[string]*wsClient{}
	for name, c := range map[string]*handlerstest.Client{"gm": w.gm, "smod": smod, "ana": w.ana, "ben": w.ben} {
		ws := mustDial(t, w.app, c, "welcome", "?after=0")
		ws.until(waitLong, name+"'s history", func() bool { return ws.msgs[id] != "" })
		sockets[name] = ws
	}
	mustStatus(t, w.admin.PostForm("/mod/messages/"+strconv.FormatInt(id, 10)+"/hide",
		url.Values{"reason": {"Names a pharmacy selling without prescription"}}), http.StatusSeeOther, "hide")

	want := map[string][3]bool{ // text, reason, restore
		"gm": {true, true, true}, "smod": {true, true, true}, "ana": {false, true, false}, "ben": {false, false, false},
	}
	for name, ws := range sockets {
		ws.until(waitLong, name+": the hide", func() bool { return strings.Contains(ws.msgs[id], "hidden") })
		text, reason, restore := hiddenAs(t, ws.msgs[id], id)
		if got := [3]bool{text, reason, restore}; got != want[name] {
			t.Errorf("live, %s sees text/reason/restore %v, want %v", name, got, want[name])
		}
	}
	// History: a member's page first, so the shared page is cached before the others ask.
	pages := []struct {
		name string
		c    *handlerstest.Client
	}{{"ben", w.ben}, {"gm", w.gm}, {"smod", smod}, {"ana", w.ana}, {"ben", w.ben}}
	for _, p := range pages {
		text, reason, restore := hiddenAs(t, p.c.Get("/groups/welcome").Body, id)
		if got := [3]bool{text, reason, restore}; got != want[p.name] {
			t.Errorf("history, %s sees text/reason/restore %v, want %v", p.name, got, want[p.name])
		}
	}
	// A moderator's socket that catches up, and one that starts after the hide.
	late := mustDial(t, w.app, w.gm, "welcome", "?after=0")
	late.until(waitLong, "catch-up", func() bool { return late.msgs[id] != "" })
	if text, _, restore := hiddenAs(t, late.msgs[id], id); !text || !restore {
		t.Error("a moderator's catch-up shows the room's placeholder")
	}
	lateBen := mustDial(t, w.app, w.ben, "welcome", "?after=0")
	lateBen.until(waitLong, "catch-up", func() bool { return lateBen.msgs[id] != "" })
	if text, reason, _ := hiddenAs(t, lateBen.msgs[id], id); text || reason {
		t.Error("a member's catch-up shows the hidden text or the reason")
	}

	// Restore from the room: the form in the moderator's message.
	mustStatus(t, w.ben.PostForm("/mod/messages/"+strconv.FormatInt(id, 10)+"/restore", url.Values{"reason": {"x"}}), http.StatusForbidden, "member restores")
	mustStatus(t, w.gm.PostForm("/mod/messages/"+strconv.FormatInt(id, 10)+"/restore", url.Values{"reason": {"Context made it fine"}}),
		http.StatusSeeOther, "restore")
	for name, ws := range sockets {
		ws.until(waitLong, name+": the restore", func() bool {
			return strings.Contains(ws.msgs[id], "breaks the guidelines") && !strings.Contains(ws.msgs[id], "msg-hidden")
		})
	}
}

// TestModerationMuteAndLockReplaceSendBoxLive: a mute replaces the member's open send box
// at once (why, until when, the appeal link) and gives it back when it ends on its own or
// is lifted; a lock shows every member's page "this room is locked" in its place (not the
// moderators'), and an unlock gives the box back.
func TestModerationMuteAndLockReplaceSendBoxLive(t *testing.T) {
	w := newModWorld(t)
	ana := mustDial(t, w.app, w.ana, "welcome", "?after=0")
	ben := mustDial(t, w.app, w.ben, "welcome", "?after=0")
	mod := mustDial(t, w.app, w.gm, "welcome", "?after=0")
	box := func(ws *wsClient) bool { return strings.Contains(ws.compose, `id="chat-form"`) }
	muted := func() bool {
		return strings.Contains(ana.compose, `id="chat-muted"`) && strings.Contains(ana.compose, "Cooling off") &&
			strings.Contains(ana.compose, "until") && strings.Contains(ana.compose, `href="/notices"`) && !box(ana)
	}
	mute := func(duration string) {
		mustStatus(t, w.gm.PostForm("/mod/groups/welcome/members/"+strconv.FormatInt(w.ids["ana"], 10)+"/sanction",
			url.Values{"action": {"mute"}, "duration": {duration}, "reason": {"Cooling off"}}), http.StatusSeeOther, "mute")
	}
	mute("15m")
	ana.until(waitLong, "the mute notice in place of the send box", muted)
	w.app.Clock.Advance(16 * time.Minute)
	ana.until(waitLong, "the send box back when the mute ends", func() bool { return box(ana) })

	mute("")
	ana.until(waitLong, "the mute notice again", func() bool { return muted() && strings.Contains(ana.compose, "until they lift it") })
	sn, ok, err := w.app.Store.ActiveMute(context.Background(), w.g.ID, w.ids["ana"])
	if err != nil || !ok {
		t.Fatalf("active mute: %v %v", ok, err)
	}
	mustStatus(t, w.gm.PostForm("/mod/sanctions/"+strconv.FormatInt(sn.ID, 10)+"/lift", url.Values{"reason": {"Talked"}}), http.StatusSeeOther, "lift")
	ana.until(waitLong, "the send box back when the mute is lifted", func() bool { return box(ana) })

	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/lock", url.Values{"locked": {"on"}, "reason": {"Heated"}}), http.StatusSeeOther, "lock")
	for name, ws := range map[string]*wsClient{"ana": ana, "ben": ben} {
		ws.until(waitLong, name+": the lock in place of the send box", func() bool {
			return strings.Contains(ws.compose, "This room is locked") && !box(ws)
		})
	}
	mod.until(waitLong, "the lock's room notice", func() bool { return strings.Contains(mod.roomState, "locked") })
	if mod.compose != "" {
		t.Errorf("the moderator's send box was replaced: %s", mod.compose)
	}
	if doc := w.ben.Get("/groups/welcome").Doc(t); doc.Find("#chat-form").Length() != 0 || doc.Find("#chat-locked").Length() != 1 {
		t.Error("a locked room's page shows a member the send box")
	}
	if doc := w.gm.Get("/groups/welcome").Doc(t); doc.Find("#chat-form").Length() != 1 {
		t.Error("a locked room's page hides the send box from its moderator")
	}
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/lock", url.Values{"locked": {"off"}, "reason": {"Calm"}}), http.StatusSeeOther, "unlock")
	for name, ws := range map[string]*wsClient{"ana": ana, "ben": ben} {
		ws.until(waitLong, name+": the send box after the unlock", func() bool { return box(ws) })
	}
}

// TestModerationDemotedModeratorLosesPowersLive: a group moderator removed from that role,
// and a site moderator made a member, lose what their open socket gave them at once, with
// no reconnect: the page is told (#chat-role), a later hide reaches them as the room's
// placeholder, and a facilitated room closes when its only facilitator is demoted.
func TestModerationDemotedModeratorLosesPowersLive(t *testing.T) {
	w := newModWorld(t)
	ctx := context.Background()
	smod := w.siteModerator(t, "sitemod")
	id := w.post(t, w.ben, "a message that breaks the guidelines") // before the room needs a facilitator
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/facilitated", url.Values{"facilitated": {"on"}, "reason": {"Evening circle"}}), http.StatusSeeOther, "facilitated")
	ana := mustDial(t, w.app, w.ana, "welcome", "?after=0")
	gm := mustDial(t, w.app, w.gm, "welcome", "?after=0")
	ana.until(waitLong, "the room opening", func() bool { return strings.Contains(ana.roomState, "facilitator is here: the room is open") })

	if err := w.app.Store.SetGroupModerator(ctx, w.g.ID, w.ids["gm"], false); err != nil {
		t.Fatal(err)
	}
	gm.until(waitLong, "the page told it moderates no more", func() bool { return gm.role == "0" })
	ana.until(waitLong, "the room closing", func() bool { return strings.Contains(ana.roomState, "opens when a facilitator is here") })
	ana.send("anyone?", "demoted-1-client")
	if how := refusedOrClosed(t, ana, "opens when a facilitator is here"); how != "refused" {
		t.Fatalf("send after the facilitator's demotion: %s", how)
	}

	sm := mustDial(t, w.app, smod, "welcome", "?after=0")
	ana.until(waitLong, "the room opening for the site moderator", func() bool { return strings.Contains(ana.roomState, "the room is open") })
	if err := w.app.Store.SetRole(ctx, w.ids["sitemod"], store.RoleMember); err != nil {
		t.Fatal(err)
	}
	sm.until(waitLong, "the page told it moderates no more", func() bool { return sm.role == "0" })

	mustStatus(t, w.admin.PostForm("/mod/messages/"+strconv.FormatInt(id, 10)+"/hide",
		url.Values{"reason": {"Names a pharmacy"}}), http.StatusSeeOther, "hide")
	for name, ws := range map[string]*wsClient{"gm": gm, "sitemod": sm} {
		ws.until(waitLong, name+": the hide", func() bool { return strings.Contains(ws.msgs[id], "msg-hidden") })
		if text, reason, restore := hiddenAs(t, ws.msgs[id], id); text || reason || restore {
			t.Errorf("%s, demoted, still receives the moderators' rendering", name)
		}
	}
}

// TestModerationReconnectingPageLearnsItsSendBox: a page that (re)connects after its
// member was muted still shows the send box it rendered; its resume frame says so
// (data-compose), and the socket replaces the box with the mute notice at once.
func TestModerationReconnectingPageLearnsItsSendBox(t *testing.T) {
	w := newModWorld(t)
	doc := w.ana.Get("/groups/welcome").Doc(t)
	shows, ok := doc.Find("#chat-compose").Attr("data-compose")
	if !ok || doc.Find("#chat-compose #chat-form").Length() != 1 {
		t.Fatal("the page's send box carries no data-compose")
	}
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/members/"+strconv.FormatInt(w.ids["ana"], 10)+"/sanction",
		url.Values{"action": {"mute"}, "duration": {"1h"}, "reason": {"Cooling off"}}), http.StatusSeeOther, "mute")
	ws := mustDial(t, w.app, w.ana, "welcome", "")
	if err := ws.ws.WriteJSON(map[string]string{"resume": "0", "compose": shows}); err != nil {
		t.Fatal(err)
	}
	ws.until(waitLong, "the mute notice for the page that still shows the box", func() bool {
		return strings.Contains(ws.compose, `id="chat-muted"`) && strings.Contains(ws.compose, "Cooling off")
	})
	// A page that shows what is true is told nothing.
	doc = w.ana.Get("/groups/welcome").Doc(t)
	shows = doc.Find("#chat-compose").AttrOr("data-compose", "")
	if doc.Find("#chat-muted").Length() != 1 {
		t.Fatal("the muted member's page shows no mute notice")
	}
	again := mustDial(t, w.app, w.ana, "welcome", "")
	if err := again.ws.WriteJSON(map[string]string{"resume": "0", "compose": shows}); err != nil {
		t.Fatal(err)
	}
	again.quiet(time.Second)
	if again.compose != "" {
		t.Fatalf("a page that shows its mute notice was sent it again: %s", again.compose)
	}
}
