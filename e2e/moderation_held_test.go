package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// TestModerationApprovedHeldMessageInPlace: a message the word filter held, approved after
// later ones were sent, appears on an open page in its place by sequence, not at the end.
func TestModerationApprovedHeldMessageInPlace(t *testing.T) {
	app := handlerstest.New(t)
	ctx := context.Background()
	admin := app.Member("admin") // the first account is the admin
	if r := admin.PostForm("/admin/filter", url.Values{"phrase": {"relapse kit"}, "action": {"hold"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add filter entry: %d", r.Status)
	}
	ana, ben := newPerson(t), newPerson(t)
	registerAndJoin(t, app, ana, "ana")
	registerAndJoin(t, app, ben, "ben")
	run(t, ana, "ana sends a held message, then two more",
		chromedp.SendKeys(`#chat-body`, "my relapse kit is gone", chromedp.ByQuery),
		pressEnter(),
		waitText(`#chat-held`, "relapse kit"),
		chromedp.SendKeys(`#chat-body`, "second thought", chromedp.ByQuery),
		pressEnter(),
		chromedp.WaitVisible(`#messages .msg.mine[data-seq="2"]`, chromedp.ByQuery),
		chromedp.SendKeys(`#chat-body`, "third thought", chromedp.ByQuery),
		pressEnter(),
		chromedp.WaitVisible(`#messages .msg.mine[data-seq="3"]`, chromedp.ByQuery),
	)
	run(t, ben, "ben sees the two later ones", chromedp.WaitVisible(`#messages .msg[data-seq="3"]`, chromedp.ByQuery))

	g, err := app.Store.GroupBySlug(ctx, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	anaUser, err := app.Store.UserByUsername(ctx, "ana")
	if err != nil {
		t.Fatal(err)
	}
	held, err := app.Store.HeldMessages(ctx, g.ID, anaUser.ID)
	if err != nil || len(held) != 1 {
		t.Fatalf("held: %v %v", held, err)
	}
	if r := admin.PostForm("/mod/messages/"+strconv.FormatInt(held[0].ID, 10)+"/approve", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d %.300s", r.Status, r.Body)
	}
	for name, tab := range map[string]context.Context{"ben": ben, "ana": ana} {
		var order []string
		run(t, tab, name+" sees the approved message in its place",
			chromedp.WaitVisible(`#messages .msg[data-seq="1"]`, chromedp.ByQuery),
			chromedp.Evaluate(`Array.from(document.querySelectorAll("#messages .msg")).map(m => m.getAttribute("data-seq"))`, &order),
		)
		if len(order) != 3 || order[0] != "1" || order[1] != "2" || order[2] != "3" {
			t.Errorf("%s's page has the messages in the order %v, want [1 2 3]", name, order)
		}
	}
}
