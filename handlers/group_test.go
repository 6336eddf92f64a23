package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// Scenario table through the full router: creating a private group, inviting with a
// limited link, asking to join once it is spent, and approval.
func TestGroupInviteAndRequestFlow(t *testing.T) {
	app := newChatApp(t)
	admin := app.Member("admin") // first account: admin
	ann, bob, cat := app.Member("ann"), app.Member("bob"), app.Member("cat")

	if r := ann.Get("/groups/new"); r.Status != http.StatusForbidden {
		t.Fatalf("member opens group form: %d", r.Status)
	}
	r := admin.PostForm("/groups/new", url.Values{"name": {"Night Owls"}, "slug": {"Bad Slug"}, "guidelines": {"x"}, "visibility": {"private"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "lowercase letters") {
		t.Fatalf("bad slug: %d", r.Status)
	}
	r = admin.PostForm("/groups/new", url.Values{"name": {"Night Owls"}, "slug": {"night-owls"}, "description": {"late"},
		"guidelines": {"Be gentle."}, "visibility": {"private"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/groups/night-owls" {
		t.Fatalf("create: %d %s", r.Status, r.Header.Get("Location"))
	}
	// Redirect after post: the new link is shown once on the page after it, which can be
	// reloaded without a 404 or a second link.
	created := admin.PostForm("/groups/night-owls/invites", url.Values{"days": {"7"}, "uses": {"1"}})
	if created.Status != http.StatusSeeOther || created.Header.Get("Location") != "/groups/night-owls/manage" {
		t.Fatalf("invite: %d %q", created.Status, created.Header.Get("Location"))
	}
	page := admin.Get("/groups/night-owls/manage")
	link := page.Doc(t).Find("input.invite-link").AttrOr("value", "")
	if page.Status != http.StatusOK || !strings.Contains(link, "/invites/") {
		t.Fatalf("invite page: %d %q", page.Status, link)
	}
	if again := admin.Get("/groups/night-owls/manage"); again.Status != http.StatusOK || strings.Contains(again.Body, link) {
		t.Fatalf("reload: %d, link shown again: %v", again.Status, strings.Contains(again.Body, link))
	}
	path := link[strings.Index(link, "/invites/"):]

	steps := []struct {
		name     string
		client   *handlerstest.Client
		method   string
		path     string
		form     url.Values
		status   int
		contains string
	}{
		{"outsider cannot see the group", ann, "GET", "/groups/night-owls", nil, http.StatusNotFound, ""},
		{"invite shows guidelines", ann, "GET", path, nil, http.StatusOK, "Be gentle."},
		{"guidelines must be accepted", ann, "POST", path, url.Values{}, http.StatusUnprocessableEntity, "tick the box"},
		{"ann joins", ann, "POST", path, url.Values{"accept_guidelines": {"yes"}}, http.StatusSeeOther, ""},
		{"ann sees the chat", ann, "GET", "/groups/night-owls", nil, http.StatusOK, `id="chat-body"`},
		{"the one use is spent", bob, "GET", path, nil, http.StatusOK, "can no longer be used"},
		{"joining with a spent link", bob, "POST", path, url.Values{"accept_guidelines": {"yes"}}, http.StatusGone, "can no longer be used"},
		{"bob asks instead", bob, "POST", path + "/request", url.Values{"note": {"hi"}}, http.StatusOK, "Request sent"},
		{"members cannot manage", ann, "GET", "/groups/night-owls/manage", nil, http.StatusForbidden, ""},
		{"moderator sees the request", admin, "GET", "/groups/night-owls/manage", nil, http.StatusOK, "peer_bob"},
		{"unknown invite", cat, "GET", "/invites/nope", nil, http.StatusNotFound, ""},
	}
	for _, s := range steps {
		var res *handlerstest.Response
		if s.method == "GET" {
			res = s.client.Get(s.path)
		} else {
			res = s.client.PostForm(s.path, s.form)
		}
		if res.Status != s.status || !strings.Contains(res.Body, s.contains) {
			t.Fatalf("%s: status %d (want %d), body lacks %q:\n%.600s", s.name, res.Status, s.status, s.contains, res.Body)
		}
	}
	bobID := userID(t, app, "bob")
	r = admin.PostForm("/groups/night-owls/requests/"+strconv.FormatInt(bobID, 10)+"/approve", nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d", r.Status)
	}
	// Approval lets bob in the way every other path does: guidelines first.
	r = bob.Get("/groups/night-owls")
	if r.Status != http.StatusOK || strings.Contains(r.Body, `id="chat-body"`) || !strings.Contains(r.Body, "Be gentle.") ||
		!strings.Contains(r.Body, `name="accept_guidelines"`) {
		t.Fatalf("bob after approval: %d, chat shown before accepting: %v", r.Status, strings.Contains(r.Body, `id="chat-body"`))
	}
	if r := bob.Get("/groups/night-owls/messages?before=10"); r.Status != http.StatusForbidden {
		t.Fatalf("history before accepting the guidelines: %d", r.Status)
	}
	if r := bob.PostForm("/groups/night-owls/join", url.Values{}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("join without accepting: %d", r.Status)
	}
	if r := bob.PostForm("/groups/night-owls/join", url.Values{"accept_guidelines": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("join after approval: %d", r.Status)
	}
	if r := bob.Get("/groups/night-owls"); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="chat-body"`) {
		t.Fatalf("bob after joining: %d", r.Status)
	}
	if r := admin.Get("/groups/night-owls/manage"); strings.Contains(r.Body, "peer_bob") {
		t.Fatal("a request still listed after its member joined")
	}
	if r := cat.Get("/groups"); strings.Contains(r.Body, "Night Owls") {
		t.Fatal("private group listed to a non-member")
	}
	if r := ann.Get("/groups"); !strings.Contains(r.Body, "Night Owls") {
		t.Fatal("private group missing from its member's list")
	}
}
