package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// TestLibrarySearchSaveAndShareLive: a member searches the library as she types, opens a
// result, saves it to her toolkit with a private note, marks it as helpful (swapped in
// place, no reload) and shares it into her group; a
// second member, in his own browser with the group open, sees the card arrive live.
func TestLibrarySearchSaveAndShareLive(t *testing.T) {
	app := handlerstest.New(t)
	ana, ben := newPerson(t), newPerson(t)
	registerAndJoin(t, app, ana, "ana")
	registerAndJoin(t, app, ben, "ben")
	anaUser, err := app.Store.UserByUsername(context.Background(), "ana")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.CreateResource(context.Background(), store.ResourceInput{Slug: "lantern-walk", Title: "The lantern walk",
		Summary: "A slow evening walk to settle a busy mind.", Body: "Walk slowly, notice five lanterns, breathe out longer than in.",
		Category: "self-care"}, anaUser.ID, store.ResourcePublished); err != nil {
		t.Fatal(err)
	}
	run(t, ana, "ana sees ben online", waitText(`#chat-presence`, "Peerben"))

	var loc string
	run(t, ana, "ana searches as she types",
		chromedp.Navigate(app.URL+"/resources"),
		chromedp.WaitVisible(`#library-q`, chromedp.ByQuery),
		chromedp.SendKeys(`#library-q`, "lantern", chromedp.ByQuery),
		// No Enter: the debounced request swaps the results in and updates the address.
		chromedp.WaitVisible(`#resource-lantern-walk`, chromedp.ByQuery),
		waitJS(`location.search.includes("q=lantern")`),
		chromedp.Location(&loc),
	)
	if !strings.Contains(loc, "q=lantern") {
		t.Fatalf("the address did not follow the search: %s", loc)
	}
	run(t, ana, "ana opens the result and saves it with a note",
		chromedp.Click(`#resource-lantern-walk h2 a`, chromedp.ByQuery),
		chromedp.WaitVisible(`#toolkit-note`, chromedp.ByQuery),
		chromedp.SendKeys(`#toolkit-note`, "works when I can't sleep", chromedp.ByQuery),
		chromedp.Click(`#toolkit button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#toolkit .toolkit-saved`, chromedp.ByQuery),
	)
	run(t, ana, "the note is in her toolkit",
		chromedp.Navigate(app.URL+"/resources/toolkit"),
		waitText(`.toolkit-list`, "works when I can't sleep"),
		chromedp.Navigate(app.URL+"/resources/lantern-walk"),
		chromedp.WaitVisible(`#helped-button[aria-pressed="false"]`, chromedp.ByQuery),
		// A mark on the page that a reload would wipe: "this helped me" must swap in place.
		chromedp.Evaluate(`window.__noReload = true`, nil),
		chromedp.Click(`#helped-button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#helped-button[aria-pressed="true"]`, chromedp.ByQuery),
		waitText(`#helped .helped-count`, "1"),
		waitJS(`window.__noReload === true`),
		chromedp.WaitVisible(`#share select[name=group]`, chromedp.ByQuery),
		chromedp.SetValue(`#share select[name=group]`, "welcome", chromedp.ByQuery),
	)
	// ben has the group open in his browser.
	run(t, ben, "ben's group page is open", chromedp.WaitVisible(`#chat-body`, chromedp.ByQuery))
	run(t, ana, "ana shares it into the Welcome Circle",
		chromedp.Click(`#share button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#messages .msg .shared-resource`, chromedp.ByQuery),
	)
	var href string
	run(t, ben, "ben sees the card arrive without reloading",
		waitText(`#messages .msg .shared-resource`, "The lantern walk"),
		chromedp.AttributeValue(`#messages .msg .shared-resource`, "href", &href, nil, chromedp.ByQuery),
	)
	if href != "/resources/lantern-walk" {
		t.Fatalf("card links to %q", href)
	}
}
