package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// Seeding for the layout and keyboard tests: the browser person signs up through the form
// (the first account is the admin), the rest goes through the real HTTP routes or the store.

const adminName = "QuietRiver"

// adminInRoom signs the browser person up as "river" (the first account, so the admin) and
// joins the Welcome Circle through the guidelines form.
func adminInRoom(t *testing.T, app *handlerstest.App, tab context.Context) {
	t.Helper()
	run(t, tab, "river registers and joins the Welcome Circle",
		chromedp.Navigate(app.URL+"/register"),
		chromedp.WaitVisible(`#f-username`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-username`, "river", chromedp.ByQuery),
		chromedp.SendKeys(`#f-display_name`, adminName, chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, handlerstest.Password, chromedp.ByQuery),
		chromedp.Click(`#register-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.account-menu a[href="/account"]`, chromedp.ByQuery),
		chromedp.Navigate(app.URL+"/groups/welcome"),
		chromedp.WaitVisible(`.join-card input[name=accept_guidelines]`, chromedp.ByQuery),
		chromedp.Click(`.join-card input[name=accept_guidelines]`, chromedp.ByQuery),
		chromedp.Click(`.join-card button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#chat-body`, chromedp.ByQuery),
	)
}

// postMessages writes n messages from a second member into the Welcome Circle, through the
// store's committer (the chat's own writer), alternating short and longer ones.
func postMessages(t *testing.T, app *handlerstest.App, n int) {
	t.Helper()
	ctx := context.Background()
	c := app.Member("fern")
	if r := c.PostForm("/groups/welcome/join", url.Values{"accept_guidelines": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("fern joins: status %d", r.Status)
	}
	u, err := app.Store.UserByUsername(ctx, "fern")
	if err != nil {
		t.Fatal(err)
	}
	g, err := app.Store.GroupBySlug(ctx, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	cm, err := app.Store.NewCommitter(ctx, store.CommitterOptions{Logger: handlerstest.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer cm.Close()
	for i := 1; i <= n; i++ {
		body := fmt.Sprintf("Message %d: one day at a time.", i)
		if i%3 == 0 {
			body += " Today was harder than I expected, but I went for a walk and called my sister, and that helped more than I thought it would."
		}
		if _, err := cm.Post(ctx, store.NewMessage{GroupID: g.ID, AuthorID: u.ID, AuthorName: u.DisplayName, ClientID: fmt.Sprint("seed-", i), Body: body}); err != nil {
			t.Fatalf("post message %d: %v", i, err)
		}
	}
}

// moreSessions logs river in n more times from other "devices".
func moreSessions(t *testing.T, app *handlerstest.App, n int) {
	t.Helper()
	for i := range n {
		if r := app.Client().Login("river", handlerstest.Password); r.Status != http.StatusSeeOther {
			t.Fatalf("login %d: status %d", i, r.Status)
		}
	}
}

// moreMembers registers n members besides the admin.
func moreMembers(t *testing.T, n int, app *handlerstest.App) {
	t.Helper()
	for i := range n {
		app.Member(fmt.Sprintf("member%d", i+1))
	}
}
