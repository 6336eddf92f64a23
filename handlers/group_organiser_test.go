package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/store"
)

// The organiser's tools, through the full router: suggested addresses, admins seeing every
// group, the member list with removal and appointment, ending an invite link, archiving,
// deleting, and an address change that keeps old links working.
func TestGroupOrganiserTools(t *testing.T) {
	app := newChatApp(t)
	ctx := context.Background()
	admin := app.Member("admin") // first account: admin
	gmod, ann, bob := app.Member("gmod"), app.Member("ann"), app.Member("bob")
	id := func(name string) int64 {
		u, err := app.Store.UserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}

	// An address is suggested from the name when left empty, and numbered when taken.
	for i, want := range []string{"/groups/night-owls", "/groups/night-owls-2"} {
		r := admin.PostForm("/groups/new", url.Values{"name": {"Night Owls"}, "slug": {""}, "guidelines": {"Be gentle."}, "visibility": {"private"}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != want {
			t.Fatalf("create %d: %d %q, want %q", i, r.Status, r.Header.Get("Location"), want)
		}
	}
	g, err := app.Store.GroupBySlug(ctx, "night-owls")
	if err != nil {
		t.Fatal(err)
	}
	// The admin created it, so is a member; make the admin an outsider to see the admin view.
	for _, name := range []string{"gmod", "ann", "bob"} {
		if err := app.Store.Join(ctx, g.ID, id(name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Store.SetGroupModerator(ctx, g.ID, id("gmod"), true); err != nil {
		t.Fatal(err)
	}
	if err := app.Store.Leave(ctx, g.ID, id("admin")); err != nil {
		t.Fatal(err)
	}

	// Admins see every group, private ones marked; other outsiders do not.
	if r := admin.Get("/groups"); !strings.Contains(r.Body, `id="group-night-owls-2"`) {
		t.Fatal("admin does not see a private group they are not in")
	}
	outsider := app.Member("outsider")
	if r := outsider.Get("/groups"); strings.Contains(r.Body, "night-owls") {
		t.Fatal("a private group is listed to an outsider")
	}

	// The member list: group moderators remove plain members, not other moderators.
	r := gmod.Get("/groups/night-owls/members")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "peer_ann") || !strings.Contains(r.Body, "group moderator") {
		t.Fatalf("member list: %d", r.Status)
	}
	annSock := mustDial(t, app, ann, "night-owls", "?after=0")
	if r := gmod.PostForm("/groups/night-owls/members/"+itoa(id("ann"))+"/remove", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", r.Status, r.Body)
	}
	waitClosed(t, annSock)
	if r := ann.Get("/groups/night-owls"); r.Status != http.StatusNotFound {
		t.Fatalf("removed member still sees the private group: %d", r.Status)
	}
	if err := app.Store.SetGroupModerator(ctx, g.ID, id("bob"), true); err != nil {
		t.Fatal(err)
	}
	if r := gmod.PostForm("/groups/night-owls/members/"+itoa(id("bob"))+"/remove", nil); r.Status != http.StatusForbidden {
		t.Fatalf("group moderator removed another moderator: %d", r.Status)
	}
	// Admins appoint and withdraw group moderators; group moderators cannot.
	if r := gmod.PostForm("/groups/night-owls/members/"+itoa(id("bob"))+"/moderator", url.Values{"moderator": {"off"}}); r.Status != http.StatusForbidden {
		t.Fatalf("group moderator appoints: %d", r.Status)
	}
	if r := admin.PostForm("/groups/night-owls/members/"+itoa(id("bob"))+"/moderator", url.Values{"moderator": {"off"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("admin withdraws: %d", r.Status)
	}
	if m, err := app.Store.MembershipOf(ctx, g.ID, id("bob")); err != nil || m.IsModerator {
		t.Fatalf("bob still moderates: %+v %v", m, err)
	}
	if r := admin.PostForm("/groups/night-owls/members/"+itoa(id("ann"))+"/remove", nil); r.Status != http.StatusNotFound {
		t.Fatalf("removing someone no longer in the group: %d", r.Status)
	}

	// An invite link can be ended at once.
	gmod.PostForm("/groups/night-owls/invites", url.Values{"days": {"7"}, "uses": {"5"}})
	link := gmod.Get("/groups/night-owls/manage").Doc(t).Find("input.invite-link").AttrOr("value", "")
	path := link[strings.Index(link, "/invites/"):]
	invs, _ := app.Store.ListInvites(ctx, g.ID)
	if len(invs) != 1 {
		t.Fatalf("invites: %d", len(invs))
	}
	if r := gmod.PostForm("/groups/night-owls/invites/"+itoa(invs[0].ID)+"/revoke", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.Status)
	}
	if r := outsider.Get(path); !strings.Contains(r.Body, "can no longer be used") {
		t.Fatal("an ended link still works")
	}

	// Archiving: read-only for members, out of the list, still readable.
	if r := gmod.PostForm("/groups/night-owls/archive", url.Values{"archived": {"yes"}}); r.Status != http.StatusForbidden {
		t.Fatalf("group moderator archives: %d", r.Status)
	}
	if r := admin.PostForm("/groups/night-owls/archive", url.Values{"archived": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("archive: %d", r.Status)
	}
	if r := bob.Get("/groups"); strings.Contains(r.Body, `id="group-night-owls"`) {
		t.Fatal("an archived group is still listed to its members")
	}
	page := bob.Get("/groups/night-owls")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "archived") || strings.Contains(page.Body, `id="chat-body"`) {
		t.Fatalf("archived page: %d, send box shown: %v", page.Status, strings.Contains(page.Body, `id="chat-body"`))
	}
	if r := bob.Get("/groups/night-owls/messages?before=100"); r.Status != http.StatusOK {
		t.Fatalf("archived history unreadable: %d", r.Status)
	}

	// Deleting needs the name typed; then everything goes.
	if r := admin.PostForm("/groups/night-owls/delete", url.Values{"confirm_name": {"night owls"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("delete without the exact name: %d", r.Status)
	}
	if _, err := app.Store.GroupBySlug(ctx, "night-owls"); err != nil {
		t.Fatal("deleted without confirmation")
	}
	if r := admin.PostForm("/groups/night-owls/delete", url.Values{"confirm_name": {"Night Owls"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.Status)
	}
	if r := bob.Get("/groups/night-owls"); r.Status != http.StatusNotFound {
		t.Fatalf("deleted group still there: %d", r.Status)
	}
}

// A group's old address keeps working after a change: pages redirect to the new one, posts
// and sockets keep working, and a private group's old address tells outsiders nothing.
func TestGroupAddressChangeKeepsOldLinks(t *testing.T) {
	app := newChatApp(t)
	ctx := context.Background()
	admin := app.Member("admin")
	ann := app.Member("ann")
	joinGroup(t, ann, "welcome")
	g, _ := app.Store.GroupBySlug(ctx, "welcome")
	r := admin.PostForm("/groups/welcome/edit", url.Values{"name": {g.Name}, "slug": {"hello"}, "description": {g.Description},
		"guidelines": {g.Guidelines}, "visibility": {"public"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/groups/hello" {
		t.Fatalf("rename: %d %q", r.Status, r.Header.Get("Location"))
	}
	if r := ann.Get("/groups/welcome/messages?before=5"); r.Status != http.StatusMovedPermanently || r.Header.Get("Location") != "/groups/hello/messages?before=5" {
		t.Fatalf("old address: %d %q", r.Status, r.Header.Get("Location"))
	}
	if _, res, err := dialChat(t, app, ann, "welcome", "?after=0", app.URL); err != nil {
		t.Fatalf("socket at the old address: %v %v", err, res)
	}
	// Make it private: an outsider learns nothing from the old address.
	if _, err := app.Store.UpdateGroup(ctx, g.ID, store.GroupInput{Slug: "hello", Name: g.Name, Guidelines: g.Guidelines, Visibility: store.Private}); err != nil {
		t.Fatal(err)
	}
	outsider := app.Member("outsider")
	if r := outsider.Get("/groups/welcome"); r.Status != http.StatusNotFound {
		t.Fatalf("outsider at a private group's old address: %d %q", r.Status, r.Header.Get("Location"))
	}
}

// waitClosed reads until the server closes the socket, failing after a generous deadline.
func waitClosed(t *testing.T, w *wsClient) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := w.read(time.Until(deadline)); err != nil {
			if _, ok := err.(*websocket.CloseError); !ok {
				t.Fatalf("socket ended without a close frame: %v", err)
			}
			return
		}
	}
	t.Fatal("the socket was not closed")
}
