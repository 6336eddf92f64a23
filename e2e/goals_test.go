package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// A goal with three steps, shared with a group; a step checked off reaches a second member
// on the group's goal board live; they cheer, and the owner's bell rises without a reload
// and opens the notification.
func TestGoalSharedCheeredAndNotifiedLive(t *testing.T) {
	app := handlerstest.New(t)
	ana, ben := newPerson(t), newPerson(t)
	registerAndJoin(t, app, ana, "ana")
	registerAndJoin(t, app, ben, "ben")
	g, err := app.Store.GroupBySlug(context.Background(), "welcome")
	if err != nil {
		t.Fatal(err)
	}
	run(t, ana, "ana sets a goal with three steps, shared with the Welcome Circle",
		chromedp.Navigate(app.URL+"/goals/new"),
		chromedp.WaitVisible(`#f-title`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-title`, "Walk every morning", chromedp.ByQuery),
		chromedp.SendKeys(`#f-milestones`, "Walk to the corner\nWalk round the block\nWalk to the park", chromedp.ByQuery),
		chromedp.Click(`input[name=visibility][value=group]`, chromedp.ByQuery),
		chromedp.SetValue(`#f-group_id`, fmt.Sprint(g.ID), chromedp.ByQuery),
		chromedp.Click(`main form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`ol.milestones`, chromedp.ByQuery),
		waitText(`ol.milestones`, "Walk to the park"),
	)
	run(t, ben, "ben opens the group's goal board from the group page",
		chromedp.Navigate(app.URL+"/groups/welcome"),
		chromedp.Click(`a[href="/groups/welcome/goals"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#board`, chromedp.ByQuery),
		waitText(`#board`, "Walk every morning"),
		chromedp.WaitReady(`[data-goal-board][data-live=open]`, chromedp.ByQuery),
	)
	run(t, ana, "ana checks the first step off",
		chromedp.Click(`ol.milestones li:first-child form button.check`, chromedp.ByQuery),
		waitText(`.days-total`, "1 of 3 steps"),
		chromedp.WaitReady(`#bell[data-live=open]`, chromedp.ByQuery),
	)
	run(t, ben, "ben sees the step on the board without reloading, opens the goal and cheers",
		waitText(`#board .goal-feed`, "reached “Walk to the corner”"),
		chromedp.Click(`#board .goal-card h3 a`, chromedp.ByQuery),
		chromedp.WaitVisible(`.goal-reactions`, chromedp.ByQuery),
		chromedp.Click(`.goal-reactions button[value=clap]`, chromedp.ByQuery),
		waitText(`.goal-reactions button[value=clap]`, "1"),
	)
	run(t, ana, "ana's bell rises without a reload, and she opens the notification",
		waitText(`#bell-count`, "1"),
		chromedp.Click(`#bell`, chromedp.ByQuery),
		waitText(`.notifications`, "Peerben cheered Walk every morning"),
		chromedp.Click(`.notification.unread .link-button`, chromedp.ByQuery),
		chromedp.WaitVisible(`.goal-reactions`, chromedp.ByQuery),
		waitText(`.goal-reactions button[value=clap]`, "1"),
	)
	var count string
	run(t, ana, "the bell is back to zero", chromedp.Evaluate(`document.getElementById("bell-count").hidden ? "" : document.getElementById("bell-count").textContent`, &count))
	if count != "" {
		t.Errorf("bell still shows %q after opening the notification", count)
	}
}
