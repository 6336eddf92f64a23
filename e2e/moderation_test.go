package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// TestModerationCareConcernToHide: a member reports a message as a care concern; a site
// moderator sees it first in the queue, hides the message with a reason; the member's open
// page shows it hidden without reloading; the audit log shows the action.
func TestModerationCareConcernToHide(t *testing.T) {
	app := handlerstest.New(t)
	ctx := context.Background()
	app.Member("admin") // the first account is the admin
	app.Member("modder")
	modUser, err := app.Store.UserByUsername(ctx, "modder")
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Store.SetRole(ctx, modUser.ID, store.RoleModerator); err != nil {
		t.Fatal(err)
	}
	ana, ben, moderator := newPerson(t), newPerson(t), newPerson(t)
	registerAndJoin(t, app, ana, "ana")
	registerAndJoin(t, app, ben, "ben")
	run(t, ben, "ben writes",
		chromedp.SendKeys(`#chat-body`, "Nothing matters any more, I am done", chromedp.ByQuery),
		pressEnter(),
		chromedp.WaitVisible(`#messages .msg.mine[data-seq="1"]`, chromedp.ByQuery),
	)
	g, err := app.Store.GroupBySlug(ctx, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := app.Store.MessagesAfter(ctx, g.ID, 0, 10)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages: %v %v", msgs, err)
	}
	msg := fmt.Sprintf("#msg-%d", msgs[0].ID)

	run(t, ana, "ana sees ben's message and reports it as a care concern",
		waitText(msg+" .msg-body", "Nothing matters"),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).click()`, msg+" .msg-report"), nil),
		chromedp.WaitVisible(msg+` .report-form input[name=reason][value=care]`, chromedp.ByQuery),
		chromedp.Click(msg+` .report-form input[name=reason][value=care]`, chromedp.ByQuery),
		chromedp.SendKeys(msg+` .report-form textarea[name=note]`, "He sounds in danger", chromedp.ByQuery),
		chromedp.Click(msg+` .report-form button[type=submit]`, chromedp.ByQuery),
		waitText(msg+" .report-done", "A moderator will look at it"),
	)

	run(t, moderator, "the moderator logs in and opens the queue",
		chromedp.Navigate(app.URL+"/login"),
		chromedp.WaitVisible(`#login-form input[name=username]`, chromedp.ByQuery),
		chromedp.SendKeys(`#login-form input[name=username]`, "modder", chromedp.ByQuery),
		chromedp.SendKeys(`#login-form input[name=password]`, handlerstest.Password, chromedp.ByQuery),
		chromedp.Click(`#login-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.account-menu a[href="/account"]`, chromedp.ByQuery),
		chromedp.Navigate(app.URL+"/mod"),
		chromedp.WaitVisible(`#mod-queue .mod-item`, chromedp.ByQuery),
	)
	var first string
	var open bool
	run(t, moderator, "the care concern is first, its content collapsed",
		chromedp.Text(`#mod-queue .mod-item.mod-care header`, &first, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#mod-queue .mod-item .mod-reported").open`, &open),
	)
	if !strings.Contains(first, "Care concern about Peerben") || open {
		t.Fatalf("first entry %q, content open %v", first, open)
	}
	run(t, moderator, "the moderator hides the message with a reason",
		chromedp.Click(`#mod-queue .mod-item .mod-reported summary`, chromedp.ByQuery),
		waitText(`#mod-queue .mod-item .mod-context`, "Nothing matters"),
		chromedp.Click(`#mod-queue .mod-item details:has(.mod-hide) summary`, chromedp.ByQuery),
		chromedp.SendKeys(`#mod-queue .mod-item .mod-hide textarea[name=reason]`, "Hidden while we check in with him", chromedp.ByQuery),
		chromedp.Click(`#mod-queue .mod-item .mod-hide button[type=submit]`, chromedp.ByQuery),
		waitText(`#mod-queue .mod-item .mod-done`, "Hidden for everyone"),
	)
	run(t, ana, "ana's open page shows the message hidden, live",
		waitText(msg+" .msg-body", "hidden by a moderator"),
	)
	var body string
	run(t, ana, "the text is gone from ana's page",
		chromedp.Text(`#messages`, &body, chromedp.ByQuery),
	)
	if strings.Contains(body, "Nothing matters") {
		t.Fatal("the hidden text is still on ana's page")
	}
	run(t, ben, "ben's open page tells him why, live",
		waitText(msg+" .msg-body", "Hidden while we check in with him"),
	)
	run(t, moderator, "in the room, the moderator sees the message marked hidden, its text and Restore",
		chromedp.Navigate(app.URL+"/groups/welcome"),
		chromedp.WaitVisible(`.join-card input[name=accept_guidelines]`, chromedp.ByQuery),
		chromedp.Click(`.join-card input[name=accept_guidelines]`, chromedp.ByQuery),
		chromedp.Click(`.join-card button[type=submit]`, chromedp.ByQuery),
		waitText(msg+" .msg-hidden", "Hidden while we check in with him"),
		waitText(msg+" .msg-original", "Nothing matters"),
		chromedp.WaitVisible(msg+" .msg-restore summary", chromedp.ByQuery),
		chromedp.Navigate(app.URL+"/mod"),
	)
	run(t, moderator, "the audit log shows the action",
		chromedp.Navigate(app.URL+"/mod/audit"),
		waitText(`.audit-log tbody`, "Hidden while we check in with him"),
		waitText(`.audit-log tbody`, "hide"),
		waitText(`.audit-log tbody`, "Peerben"),
	)
}
