package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// A person who is not logged in opens an invite link to a private group, is sent to log in,
// chooses to create an account instead, and lands back on the invitation, accepts the
// guidelines and is in the group's chat: the invite is never lost on the way.
func TestInviteLinkRoundTripForALoggedOutPerson(t *testing.T) {
	app := handlerstest.New(t)
	ctx := context.Background()
	organiser := app.Member("organiser") // the first account: admin
	r := organiser.PostForm("/groups/new", url.Values{"name": {"Quiet Harbour"}, "slug": {""},
		"guidelines": {"Listen more than you speak."}, "visibility": {string(store.Private)}})
	if r.Status != 303 {
		t.Fatalf("create group: %d", r.Status)
	}
	organiser.PostForm("/groups/quiet-harbour/invites", url.Values{"days": {"7"}, "uses": {"3"}})
	link := organiser.Get("/groups/quiet-harbour/manage").Doc(t).Find("input.invite-link").AttrOr("value", "")
	if !strings.Contains(link, "/invites/") {
		t.Fatal("no invite link")
	}
	invite := link[strings.Index(link, "/invites/"):]

	tab := newPerson(t)
	var invited, where, guidelines string
	run(t, tab, "open the invite link logged out",
		chromedp.Navigate(app.URL+invite),
		chromedp.WaitVisible(`#login-form`, chromedp.ByQuery),
		chromedp.Text(`main`, &invited, chromedp.ByQuery),
	)
	if !strings.Contains(invited, "invited") {
		t.Fatalf("the login page does not say there is an invitation:\n%s", invited)
	}
	run(t, tab, "choose to create an account",
		chromedp.Click(`main a[href^="/register"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-username`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-username`, "newcomer", chromedp.ByQuery),
		chromedp.SendKeys(`#f-display_name`, "Heron", chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, handlerstest.Password, chromedp.ByQuery),
		chromedp.Click(`#register-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`input[name=accept_guidelines]`, chromedp.ByQuery),
		chromedp.Location(&where),
		chromedp.Text(`main`, &guidelines, chromedp.ByQuery),
	)
	if !strings.HasSuffix(where, invite) || !strings.Contains(guidelines, "Listen more than you speak.") {
		t.Fatalf("after registering the person is at %s, not the invitation", where)
	}
	run(t, tab, "accept the guidelines and join",
		chromedp.Click(`input[name=accept_guidelines]`, chromedp.ByQuery),
		chromedp.Click(`main form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#chat-body`, chromedp.ByQuery),
		chromedp.Location(&where),
	)
	if !strings.HasSuffix(where, "/groups/quiet-harbour") {
		t.Fatalf("after joining the person is at %s", where)
	}
	u, err := app.Store.UserByUsername(ctx, "newcomer")
	if err != nil {
		t.Fatal(err)
	}
	g, _ := app.Store.GroupBySlug(ctx, "quiet-harbour")
	if _, err := app.Store.MembershipOf(ctx, g.ID, u.ID); err != nil {
		t.Fatalf("not a member after the round trip: %v", err)
	}
}
