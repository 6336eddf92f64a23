package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// TestResourceShare: a member shares a resource from its page into their group; the card
// arrives live on another member's socket, is in history after a reload, and shows "no
// longer available" once the resource is unpublished (the cached rendering is dropped).
// Only members may share: a public group's outsider is asked to join (403), a private
// group is the same 404 as one that does not exist.
func TestResourceShare(t *testing.T) {
	app := newChatApp(t)
	app.Member("admin") // the first account
	ana, ben, out := app.Member("ana"), app.Member("ben"), app.Member("out")
	ctx := context.Background()
	adminID := userID(t, app, "admin")
	r, err := app.Store.CreateResource(ctx, store.ResourceInput{Slug: "box-breathing", Title: "Box breathing",
		Summary: "Four counts in, hold, out, hold.", Body: "Breathe in for four.", Category: "coping-skills"}, adminID, store.ResourcePublished)
	if err != nil {
		t.Fatal(err)
	}
	joinGroup(t, ana, "welcome")
	joinGroup(t, ben, "welcome")
	if _, err := app.Store.CreateGroup(ctx, store.GroupInput{Slug: "hidden", Name: "Hidden", Visibility: store.Private}, adminID); err != nil {
		t.Fatal(err)
	}
	wb := mustDial(t, app, ben, "welcome", "?after=0")

	// The resource page offers ana's groups she may post to, and no other.
	page := ana.Get("/resources/box-breathing").Doc(t)
	opts := page.Find(`#share select[name="group"] option`)
	if opts.Length() != 1 || opts.AttrOr("value", "") != "welcome" {
		t.Fatalf("share select offers %d groups (%q)", opts.Length(), opts.AttrOr("value", ""))
	}
	if s := ana.PostForm("/resources/box-breathing/share", url.Values{"group": {"welcome"}}); s.Status != http.StatusSeeOther {
		t.Fatalf("share: status %d: %.300s", s.Status, s.Body)
	}

	card := func(html string) *goquery.Selection {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
		if err != nil {
			t.Fatal(err)
		}
		return doc.Find(".msg .msg-card")
	}
	wb.until(waitLong, "ben sees the shared card", func() bool { return len(wb.seqs) == 1 })
	var live string
	for _, h := range wb.msgs {
		live = h
	}
	c := card(live)
	if a := c.Find("a.shared-resource"); a.AttrOr("href", "") != "/resources/box-breathing" ||
		!strings.Contains(a.Text(), "Box breathing") || !strings.Contains(a.Text(), "Four counts in") {
		t.Fatalf("live card: %q", live)
	}

	// In history after a reload.
	hist := ana.Get("/groups/welcome").Doc(t)
	if a := hist.Find("#messages .msg .msg-card a.shared-resource"); a.AttrOr("href", "") != "/resources/box-breathing" {
		t.Fatal("the card is not in history after a reload")
	}
	m, err := app.Store.MessagesAfter(ctx, groupIDOf(t, app, "welcome"), 0, 10)
	if err != nil || len(m) != 1 || m[0].ResourceID != r.ID || m[0].Seq != 1 {
		t.Fatalf("stored messages: %+v, %v", m, err)
	}

	// Unpublished: every rendering says so, the cached ones included.
	if _, err := app.Store.UpdateResource(ctx, r.ID, r.Input(), store.ResourceUnpublished, adminID, "unpublished"); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/groups/welcome", "/groups/welcome/messages/" + itoa(m[0].ID)} {
		body := ben.Get(path).Body
		if !strings.Contains(body, "no longer available") || strings.Contains(body, "Four counts in") {
			t.Fatalf("%s after unpublishing: %.2000s", path, body)
		}
	}
	// Published again: the card is back.
	r2, _ := app.Store.ResourceByID(ctx, r.ID)
	if _, err := app.Store.UpdateResource(ctx, r.ID, r2.Input(), store.ResourcePublished, adminID, "back"); err != nil {
		t.Fatal(err)
	}
	if body := ben.Get("/groups/welcome").Body; !strings.Contains(body, "Four counts in") {
		t.Fatal("the card did not come back after publishing again")
	}

	// Deleted: the card says so too, rather than turning into a plain message.
	if err := app.Store.DeleteResource(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if body := ben.Get("/groups/welcome").Body; !strings.Contains(body, "no longer available") {
		t.Fatal("the card of a deleted resource does not say it is gone")
	}

	// Members only.
	if _, err := app.Store.CreateResource(ctx, store.ResourceInput{Slug: "box-breathing", Title: "Box breathing",
		Summary: "Again.", Body: "Breathe.", Category: "coping-skills"}, adminID, store.ResourcePublished); err != nil {
		t.Fatal(err)
	}
	if s := out.PostForm("/resources/box-breathing/share", url.Values{"group": {"welcome"}}); s.Status != http.StatusForbidden {
		t.Fatalf("outsider sharing into a public group: %d", s.Status)
	}
	hidden := out.PostForm("/resources/box-breathing/share", url.Values{"group": {"hidden"}})
	missing := out.PostForm("/resources/box-breathing/share", url.Values{"group": {"missing"}})
	if hidden.Status != http.StatusNotFound || missing.Status != http.StatusNotFound || hidden.Body != missing.Body {
		t.Fatalf("private group: %d, missing group: %d (bodies equal: %v)", hidden.Status, missing.Status, hidden.Body == missing.Body)
	}
	if n, _ := app.Store.MessagesAfter(ctx, groupIDOf(t, app, "welcome"), 0, 10); len(n) != 1 {
		t.Fatalf("refused shares wrote messages: %d", len(n))
	}
}

func groupIDOf(t *testing.T, app *handlerstest.App, slug string) int64 {
	t.Helper()
	g, err := app.Store.GroupBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return g.ID
}

// TestRedirectToSamePageReloads: saving to the toolkit from a resource's page (htmx, boosted)
// redirects to that page; with "#toolkit" added the browser would only scroll and never
// show the saved note, so the fragment is left off when the member is on that page already.
func TestRedirectToSamePageReloads(t *testing.T) {
	app := newChatApp(t)
	app.Member("admin")
	ana := app.Member("ana")
	if _, err := app.Store.CreateResource(context.Background(), store.ResourceInput{Slug: "sleep", Title: "Sleep",
		Summary: "s", Body: "b", Category: "self-care"}, 0, store.ResourcePublished); err != nil {
		t.Fatal(err)
	}
	save := func(current string) string {
		h := http.Header{"Hx-Request": {"true"}, "Hx-Boosted": {"true"}, "Hx-Current-Url": {app.URL + current}}
		r := ana.PostRaw("/resources/sleep/toolkit", url.Values{"_csrf": {ana.CSRF()}, "note": {"n"}}, h)
		if r.Status != http.StatusNoContent {
			t.Fatalf("save from %s: %d", current, r.Status)
		}
		return r.Header.Get("HX-Redirect")
	}
	if got := save("/resources/sleep"); got != "/resources/sleep" {
		t.Errorf("from the resource's page: HX-Redirect %q, want the page itself", got)
	}
	if got := save("/resources/sleep#toolkit"); got != "/resources/sleep" {
		t.Errorf("from the resource's page at #toolkit: HX-Redirect %q", got)
	}
	if got := save("/resources"); got != "/resources/sleep#toolkit" {
		t.Errorf("from another page: HX-Redirect %q", got)
	}
}

// TestLibraryResultsCacheFollowsChanges: /resources renders its results once per query and
// shares them; a resource written, unpublished or marked helpful shows at once, for the
// browse page and a live search (fragment) alike.
func TestLibraryResultsCacheFollowsChanges(t *testing.T) {
	la := newLibraryApp(t)
	frag := http.Header{"Hx-Request": {"true"}}
	search := func() string {
		return la.ann.Do(withHeader(la.ann.NewRequest(http.MethodGet, "/resources?q=lantern", nil), frag)).Body
	}
	if got := cards(t, la.ann.Get("/resources")); len(got) != 0 {
		t.Fatalf("empty library lists %v", got)
	}
	if strings.Contains(search(), "resource-lantern") {
		t.Fatal("found before it exists")
	}
	r := la.resource(t, "lantern", "Lantern walk", "A slow lantern walk.", "self-care", store.ResourcePublished, la.ids["admin"])
	if got := cards(t, la.bob.Get("/resources")); len(got) != 1 || got[0] != "lantern" {
		t.Fatalf("after publishing, /resources lists %v", got)
	}
	if !strings.Contains(search(), `id="resource-lantern"`) {
		t.Fatal("a live search misses the new resource")
	}
	if s := la.bob.PostForm("/resources/lantern/helped", nil); s.Status != http.StatusSeeOther {
		t.Fatalf("helped: %d", s.Status)
	}
	if !strings.Contains(la.ann.Get("/resources").Body, "1 person found this helpful") {
		t.Fatal("the helped count did not move on /resources")
	}
	if _, err := la.Store.UpdateResource(context.Background(), r.ID, r.Input(), store.ResourceUnpublished, la.ids["admin"], "off"); err != nil {
		t.Fatal(err)
	}
	if got := cards(t, la.ann.Get("/resources")); len(got) != 0 {
		t.Fatalf("after unpublishing, /resources lists %v", got)
	}
	if strings.Contains(search(), "resource-lantern") {
		t.Fatal("a live search still finds the unpublished resource")
	}
}

func withHeader(r *http.Request, h http.Header) *http.Request {
	for k, v := range h {
		r.Header[k] = v
	}
	return r
}

// TestResourceShareGoesThroughThePostPath: a share is a chat message like any other, so the
// community's word filter applies to it (its text is the resource's title) and a block is
// a friendly 422 that writes nothing.
func TestResourceShareGoesThroughThePostPath(t *testing.T) {
	app := newChatApp(t)
	app.Member("admin")
	ana := app.Member("ana")
	ctx := context.Background()
	joinGroup(t, ana, "welcome")
	if _, err := app.Store.CreateResource(ctx, store.ResourceInput{Slug: "zorbium", Title: "The zorbium guide",
		Summary: "s", Body: "b", Category: "self-care"}, 0, store.ResourcePublished); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.AddFilterEntry(ctx, "zorbium", store.FilterBlock); err != nil {
		t.Fatal(err)
	}
	r := ana.PostForm("/resources/zorbium/share", url.Values{"group": {"welcome"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("blocked share: %d", r.Status)
	}
	if n, _ := app.Store.MessagesAfter(ctx, groupIDOf(t, app, "welcome"), 0, 10); len(n) != 0 {
		t.Fatalf("a blocked share wrote %d messages", len(n))
	}
}

// TestResourceShareIsIdempotent: the share form carries a token made with the page; the same
// submission twice (a double click, a resubmission, the HTMX post and a retry) posts one
// card, while the same form into another group, or a form from a freshly loaded page, posts
// another. The button is disabled while the post is in flight.
func TestResourceShareIsIdempotent(t *testing.T) {
	app := newChatApp(t)
	app.Member("admin")
	ana := app.Member("ana")
	ctx := context.Background()
	if _, err := app.Store.CreateResource(ctx, store.ResourceInput{Slug: "box-breathing", Title: "Box breathing",
		Summary: "Four counts.", Body: "Breathe in for four.", Category: "coping-skills"}, userID(t, app, "ana"), store.ResourcePublished); err != nil {
		t.Fatal(err)
	}
	joinGroup(t, ana, "welcome")
	if _, err := app.Store.CreateGroup(ctx, store.GroupInput{Slug: "second", Name: "Second", Visibility: store.Public}, userID(t, app, "admin")); err != nil {
		t.Fatal(err)
	}
	joinGroup(t, ana, "second")
	cards := func(slug string) int {
		t.Helper()
		m, err := app.Store.MessagesAfter(ctx, groupIDOf(t, app, slug), 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(m)
	}
	token := func() string {
		t.Helper()
		form := ana.Get("/resources/box-breathing").Doc(t).Find("#share form")
		if form.AttrOr("hx-disabled-elt", "") != "find button" || form.Find(`button[type="submit"]`).Length() != 1 {
			t.Fatal("the share form does not disable its button while in flight")
		}
		tok := form.Find(`input[name="share_token"]`).AttrOr("value", "")
		if len(tok) < 16 {
			t.Fatalf("share token %q", tok)
		}
		return tok
	}
	first := token()
	form := url.Values{"group": {"welcome"}, "share_token": {first}}
	if s := ana.PostForm("/resources/box-breathing/share", form); s.Status != http.StatusSeeOther {
		t.Fatalf("share: %d %.300s", s.Status, s.Body)
	}
	hx := http.Header{"Hx-Request": {"true"}}
	form.Set("_csrf", ana.CSRF())
	if s := ana.PostRaw("/resources/box-breathing/share", form, hx); s.Status != http.StatusNoContent || s.Header.Get("HX-Redirect") != "/groups/welcome" {
		t.Fatalf("the same share again (htmx): %d %q", s.Status, s.Header.Get("HX-Redirect"))
	}
	if n := cards("welcome"); n != 1 {
		t.Fatalf("two identical submissions posted %d cards", n)
	}
	// The same form into another group is another card.
	if s := ana.PostForm("/resources/box-breathing/share", url.Values{"group": {"second"}, "share_token": {first}}); s.Status != http.StatusSeeOther {
		t.Fatalf("share into second: %d", s.Status)
	}
	// Sharing again from a newly loaded page is meant: another card.
	second := token()
	if second == first {
		t.Fatal("two page loads got the same token")
	}
	if s := ana.PostForm("/resources/box-breathing/share", url.Values{"group": {"welcome"}, "share_token": {second}}); s.Status != http.StatusSeeOther {
		t.Fatalf("share again: %d", s.Status)
	}
	if w, s := cards("welcome"), cards("second"); w != 2 || s != 1 {
		t.Fatalf("cards: welcome %d (want 2), second %d (want 1)", w, s)
	}
}
