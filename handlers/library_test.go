package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views/xsstest"
)

// libraryApp is a Hearth with an admin, a site moderator and two members.
type libraryApp struct {
	*handlerstest.App
	admin, mod, ann, bob *handlerstest.Client
	ids                  map[string]int64
}

func newLibraryApp(t *testing.T) *libraryApp {
	app := handlerstest.New(t)
	la := &libraryApp{App: app, ids: map[string]int64{}}
	la.admin = app.Member("admin") // the first account is the admin
	la.mod, la.ann, la.bob = app.Member("mod"), app.Member("ann"), app.Member("bob")
	for _, n := range []string{"admin", "mod", "ann", "bob"} {
		la.ids[n] = userID(t, app, n)
	}
	if err := app.Store.SetRole(context.Background(), la.ids["mod"], store.RoleModerator); err != nil {
		t.Fatal(err)
	}
	// Only the resources each test writes: the starter library's words would take part in
	// its counts and rankings.
	files, err := store.StarterLibrary()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		r, err := app.Store.ResourceBySlug(context.Background(), f.Input.Slug)
		if err != nil {
			t.Fatalf("starter resource %s: %v", f.Input.Slug, err)
		}
		if err := app.Store.DeleteResource(context.Background(), r.ID); err != nil {
			t.Fatal(err)
		}
	}
	return la
}

// resource writes a resource straight into the store.
func (la *libraryApp) resource(t *testing.T, slug, title, body, category string, status store.ResourceStatus, author int64, tags ...string) store.Resource {
	t.Helper()
	r, err := la.Store.CreateResource(context.Background(), store.ResourceInput{Slug: slug, Title: title,
		Summary: "Summary of " + title, Body: body, Category: category, Tags: tags}, author, status)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// cards returns the slugs of the resource cards on a library page, in order.
func cards(t *testing.T, r *handlerstest.Response) []string {
	t.Helper()
	var out []string
	r.Doc(t).Find("li.resource-card").Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimPrefix(s.AttrOr("id", ""), "resource-"))
	})
	return out
}

func TestLibraryBrowseFilterSortAndPaging(t *testing.T) {
	la := newLibraryApp(t)
	for i := range 14 {
		cat := "self-care"
		if i%2 == 1 {
			cat = "coping-skills"
		}
		la.resource(t, fmt.Sprintf("item-%02d", i), fmt.Sprintf("Item %02d", i), "Plain text for browsing.", cat,
			store.ResourcePublished, 0, "t"+strconv.Itoa(i%3))
		la.Clock.Advance(1000)
	}
	la.resource(t, "hidden-item", "Hidden", "Not yet.", "self-care", store.ResourcePending, la.ids["ann"])
	helped, _ := la.Store.ResourceBySlug(context.Background(), "item-03")
	for _, u := range []string{"ann", "bob"} {
		if _, err := la.Store.MarkHelped(context.Background(), helped.ID, la.ids[u]); err != nil {
			t.Fatal(err)
		}
	}
	total := 14
	steps := []struct {
		name  string
		path  string
		check func([]string) bool
	}{
		{"first page, newest first", "/resources", func(s []string) bool { return len(s) == 12 && s[0] == "item-13" && s[1] == "item-12" }},
		{"second page holds the rest", "/resources?page=2", func(s []string) bool { return len(s) == total-12 }},
		{"past the end is empty", "/resources?page=99", func(s []string) bool { return len(s) == 0 }},
		{"bad page number is the first", "/resources?page=-3x", func(s []string) bool { return len(s) == 12 && s[0] == "item-13" }},
		{"category", "/resources?category=coping-skills", func(s []string) bool {
			return len(s) >= 7 && !slices.Contains(s, "item-02") && slices.Contains(s, "item-01")
		}},
		{"tag", "/resources?tag=t0", func(s []string) bool {
			return slices.Equal(s, []string{"item-12", "item-09", "item-06", "item-03", "item-00"})
		}},
		{"most helpful first", "/resources?sort=helpful", func(s []string) bool { return len(s) > 0 && s[0] == "item-03" }},
		{"unknown category is ignored", "/resources?category=<script>", func(s []string) bool { return len(s) == 12 }},
	}
	for _, s := range steps {
		for _, c := range []*handlerstest.Client{la.App.Client(), la.bob} {
			r := c.Get(s.path)
			if got := cards(t, r); r.Status != http.StatusOK || !s.check(got) || slices.Contains(got, "hidden-item") {
				t.Errorf("%s: status %d, cards %v", s.name, r.Status, got)
			}
		}
	}
	// The pager links to the next page and keeps the filters.
	r := la.bob.Get("/resources?sort=helpful")
	if next := r.Doc(t).Find(`a[rel="next"]`).AttrOr("href", ""); next != "/resources?page=2&sort=helpful" {
		t.Fatalf("next link %q", next)
	}
}

func TestLibrarySearch(t *testing.T) {
	la := newLibraryApp(t)
	la.resource(t, "nightfall", "Nightfall routine", "Wind down slowly.", "self-care", store.ResourcePublished, 0)
	la.resource(t, "body-nightfall", "Evening", "A routine for the hour before nightfall helps.", "self-care", store.ResourcePublished, 0)
	la.resource(t, "wandering", "Wandering", "Wandering outside lifts the mood.", "coping-skills", store.ResourcePublished, 0)
	la.resource(t, "secret-nightfall", "Nightfall draft", "nightfall nightfall", "self-care", store.ResourcePending, la.ids["ann"])

	// Ranking and snippets with the match marked.
	r := la.bob.Get("/resources?q=nightfall")
	if got := cards(t, r); !slices.Equal(got, []string{"nightfall", "body-nightfall"}) {
		t.Fatalf("ranking: %v", got)
	}
	if marks := r.Doc(t).Find("#resource-body-nightfall .snippet mark"); marks.Length() != 1 || strings.ToLower(marks.Text()) != "nightfall" {
		t.Fatalf("snippet marks: %d %q", marks.Length(), marks.Text())
	}
	// The live search gets only the results fragment; the same URL is a whole page without it.
	req := la.bob.NewRequest(http.MethodGet, "/resources?q=wander*", nil)
	req.Header.Set("HX-Request", "true")
	frag := la.bob.Do(req)
	if frag.Status != http.StatusOK || strings.Contains(frag.Body, "<html") || !strings.HasPrefix(strings.TrimSpace(frag.Body), `<div id="resource-results"`) ||
		!slices.Equal(cards(t, frag), []string{"wandering"}) {
		t.Fatalf("fragment: %d %.300s", frag.Status, frag.Body)
	}
	if !strings.Contains(frag.Header.Get("Vary"), "HX-Request") {
		t.Fatalf("fragment without Vary: HX-Request")
	}
	page := la.bob.Get("/resources?q=wander*")
	input := page.Doc(t).Find("input#library-q")
	if input.AttrOr("value", "") != "wander*" || input.AttrOr("hx-trigger", "") != "input changed delay:300ms, search" ||
		input.AttrOr("hx-push-url", "") != "true" || page.Doc(t).Find(`form[role="search"][method="get"][action="/resources"]`).Length() != 1 {
		t.Fatalf("search form: %.300s", page.Body)
	}
	// Phrases need the words together.
	if got := cards(t, la.bob.Get("/resources?q="+url.QueryEscape(`"before nightfall"`))); !slices.Equal(got, []string{"body-nightfall"}) {
		t.Fatalf("phrase: %v", got)
	}
	// Odd input never fails, and never finds the pending resource.
	for _, q := range []string{`"`, `*`, `NEAR`, `-`, `OR`, `""`, `AND OR NOT`, `nightfall"`, `(nightfall`, strings.Repeat("nightfall ", 100),
		strings.Repeat("x", 5000), "\x00", "%", `nightfall*`, `-nightfall`, `NEAR/2`, `^`, `'`, `\`, `title:nightfall`} {
		r := la.bob.Get("/resources?q=" + url.QueryEscape(q))
		if r.Status != http.StatusOK || slices.Contains(cards(t, r), "secret-nightfall") {
			t.Errorf("search %.40q: status %d, cards %v", q, r.Status, cards(t, r))
		}
	}
	// No result: categories are suggested; an urgent search leads with crisis help.
	none := la.bob.Get("/resources?q=xylophone")
	if d := none.Doc(t); d.Find(".no-results .category-suggestions a").Length() != len(store.Categories) || d.Find(".urgent-help").Length() != 0 {
		t.Fatalf("no result: %.500s", none.Body)
	}
	urgent := la.bob.Get("/resources?q=" + url.QueryEscape("I want to kill myself"))
	if d := urgent.Doc(t); d.Find(`.urgent-help a[href="/help"]`).Length() != 1 || d.Find(".no-results").Length() != 1 {
		t.Fatalf("urgent: %.500s", urgent.Body)
	}
}

func TestLibraryHelpedIsIdempotent(t *testing.T) {
	la := newLibraryApp(t)
	la.resource(t, "useful", "Useful", "Useful text.", "self-care", store.ResourcePublished, 0)
	count := func(c *handlerstest.Client) string {
		return strings.TrimSpace(c.Get("/resources/useful").Doc(t).Find(".helped-count").Text())
	}
	for i, c := range []*handlerstest.Client{la.ann, la.ann, la.ann, la.bob, la.bob} {
		if r := c.PostForm("/resources/useful/helped", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("helped %d: %d", i, r.Status)
		}
	}
	if got := count(la.admin); got != "2" {
		t.Fatalf("count %q, want 2", got)
	}
	if la.ann.Get("/resources/useful").Doc(t).Find(".helped-mine").Length() != 1 {
		t.Fatal("ann is not told she marked it")
	}
	if r := la.App.Client().PostForm("/resources/useful/helped", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous helped: %d", r.Status)
	}
}

// TestLibraryHelpedSwapsInPlace: with HTMX the button answers with the #helped section only
// (count and aria-pressed updated, no reload, no redirect); the section's form is a toggle
// that works without JavaScript too (plain POST, redirect back, the page shows the state).
func TestLibraryHelpedSwapsInPlace(t *testing.T) {
	la := newLibraryApp(t)
	la.resource(t, "useful", "Useful", "Useful text.", "self-care", store.ResourcePublished, 0)
	if r := la.bob.PostForm("/resources/useful/helped", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("bob helped: %d", r.Status)
	}
	form := la.ann.Get("/resources/useful").Doc(t).Find("#helped form")
	btn := form.Find("button#helped-button")
	if form.AttrOr("hx-post", "") != "/resources/useful/helped" || form.AttrOr("hx-target", "") != "#helped" ||
		form.AttrOr("hx-swap", "") != "outerHTML" || btn.AttrOr("aria-pressed", "") != "false" ||
		form.Find(`input[name="helped"]`).AttrOr("value", "") != "1" {
		t.Fatalf("helped form before: %s", la.ann.Get("/resources/useful").Body)
	}
	press := func(value string) *goquery.Document {
		t.Helper()
		r := la.ann.PostRaw("/resources/useful/helped", url.Values{"_csrf": {la.ann.CSRF()}, "helped": {value}},
			http.Header{"Hx-Request": {"true"}})
		if r.Status != http.StatusOK || r.Header.Get("HX-Redirect") != "" || strings.Contains(r.Body, "<html") {
			t.Fatalf("htmx press %s: %d %q %.300s", value, r.Status, r.Header.Get("HX-Redirect"), r.Body)
		}
		d := r.Doc(t)
		if d.Find("section#helped").Length() != 1 || d.Find("nav").Length() != 0 {
			t.Fatalf("htmx press %s: not the #helped section alone: %.500s", value, r.Body)
		}
		return d
	}
	d := press("1")
	if got := strings.TrimSpace(d.Find(".helped-count").Text()); got != "2" ||
		d.Find("#helped-button").AttrOr("aria-pressed", "") != "true" || d.Find(`input[name="helped"]`).AttrOr("value", "") != "0" {
		t.Fatalf("after pressing: count %q, %s", got, d.Find("#helped").Text())
	}
	d = press("1") // a double click: still one mark
	if got := strings.TrimSpace(d.Find(".helped-count").Text()); got != "2" {
		t.Fatalf("after pressing twice: count %q", got)
	}
	d = press("0") // released
	if got := strings.TrimSpace(d.Find(".helped-count").Text()); got != "1" || d.Find("#helped-button").AttrOr("aria-pressed", "") != "false" {
		t.Fatalf("after releasing: count %q", got)
	}
	// Without JavaScript: a plain POST, a redirect, the page with the new state.
	r := la.ann.PostForm("/resources/useful/helped", url.Values{"helped": {"1"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/resources/useful#helped" {
		t.Fatalf("plain press: %d %q", r.Status, r.Header.Get("Location"))
	}
	page := la.ann.Get("/resources/useful").Doc(t)
	if got := strings.TrimSpace(page.Find(".helped-count").Text()); got != "2" || page.Find("#helped-button").AttrOr("aria-pressed", "") != "true" {
		t.Fatalf("page after plain press: count %q", got)
	}
	if r := la.ann.PostForm("/resources/useful/helped", url.Values{"helped": {"0"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("plain release: %d", r.Status)
	}
	if got := strings.TrimSpace(la.admin.Get("/resources/useful").Doc(t).Find(".helped-count").Text()); got != "1" {
		t.Fatalf("count after plain release %q", got)
	}
}

func TestLibraryToolkitIsPrivateOnEveryRoute(t *testing.T) {
	la := newLibraryApp(t)
	la.resource(t, "first", "First", "First text.", "self-care", store.ResourcePublished, 0)
	la.resource(t, "second", "Second", "Second text.", "self-care", store.ResourcePublished, 0)
	const secret = "works when I cannot sleep"
	if r := la.ann.PostForm("/resources/first/toolkit", url.Values{"note": {secret}}); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.Status)
	}
	la.ann.PostForm("/resources/second/toolkit", url.Values{"note": {"second note"}})
	mine := la.ann.Get("/resources/toolkit")
	items := mine.Doc(t).Find("li.toolkit-item")
	if items.Length() != 2 || !strings.Contains(mine.Body, secret) {
		t.Fatalf("ann's toolkit: %.500s", mine.Body)
	}
	first := strings.TrimPrefix(items.First().AttrOr("id", ""), "item-")
	second := strings.TrimPrefix(items.Last().AttrOr("id", ""), "item-")

	// Nobody else sees it or can touch it, admins included: each gets a 404 as for an item
	// that does not exist.
	for name, c := range map[string]*handlerstest.Client{"bob": la.bob, "moderator": la.mod, "admin": la.admin} {
		for _, path := range []string{"/resources/toolkit", "/resources/first", "/resources"} {
			if r := c.Get(path); strings.Contains(r.Body, secret) {
				t.Errorf("%s sees ann's note on %s", name, path)
			}
		}
		for _, act := range []struct {
			path string
			form url.Values
		}{{"/note", url.Values{"note": {"changed"}}}, {"/move", url.Values{"dir": {"down"}}}, {"/remove", nil}} {
			if r := c.PostForm("/resources/toolkit/"+first+act.path, act.form); r.Status != http.StatusNotFound {
				t.Errorf("%s %s on ann's item: %d, want 404", name, act.path, r.Status)
			}
			if r := c.PostForm("/resources/toolkit/99999"+act.path, act.form); r.Status != http.StatusNotFound {
				t.Errorf("%s %s on a missing item: %d", name, act.path, r.Status)
			}
		}
	}
	if r := la.App.Client().Get("/resources/toolkit"); r.Status != http.StatusSeeOther {
		t.Fatalf("anonymous toolkit: %d", r.Status)
	}
	// Ann's toolkit is as she left it; she reorders with the buttons, edits and removes.
	if r := la.ann.Get("/resources/toolkit"); !strings.Contains(r.Body, secret) {
		t.Fatal("ann's note changed")
	}
	r := la.ann.PostForm("/resources/toolkit/"+second+"/move", url.Values{"dir": {"up"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("move: %d", r.Status)
	}
	after := la.ann.Get(r.Header.Get("Location"))
	d := after.Doc(t)
	if got := d.Find("li.toolkit-item").First().AttrOr("id", ""); got != "item-"+second {
		t.Fatalf("order after move: first is %s", got)
	}
	if d.Find("button[autofocus]").Length() != 1 || d.Find("button[autofocus]").Closest("li").AttrOr("id", "") != "item-"+second {
		t.Fatal("focus does not stay on the moved item")
	}
	la.ann.PostForm("/resources/toolkit/"+first+"/note", url.Values{"note": {"new note"}})
	la.ann.PostForm("/resources/toolkit/"+second+"/remove", nil)
	if r := la.ann.Get("/resources/toolkit"); strings.Contains(r.Body, "second note") || !strings.Contains(r.Body, "new note") {
		t.Fatalf("after note and remove: %.500s", r.Body)
	}
}

func TestLibrarySubmissionReviewAndPublish(t *testing.T) {
	la := newLibraryApp(t)
	body := "When the evening gets heavy I write three lines about the day, then close the notebook."
	form := url.Values{"title": {"Three lines at night"}, "summary": {"A tiny journaling habit for heavy evenings."},
		"body": {body}, "category": {"self-care"}, "tags": {"journaling, evening"}}
	if r := la.ann.PostForm("/resources/new", url.Values{"title": {"x"}}); r.Status != http.StatusUnprocessableEntity ||
		r.Doc(t).Find(".field-error").Length() < 3 {
		t.Fatalf("invalid submission: %d", r.Status)
	}
	r := la.ann.PostForm("/resources/new", withValue(form, "tags", "journaling, evening"))
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/resources/three-lines-at-night" {
		t.Fatalf("submit: %d %q", r.Status, r.Header.Get("Location"))
	}
	const page = "/resources/three-lines-at-night"
	steps := []struct {
		name   string
		c      *handlerstest.Client
		method string
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"the author sees it waiting", la.ann, "GET", page, nil, 200, "waiting for review"},
		{"another member does not", la.bob, "GET", page, nil, 404, ""},
		{"nor a visitor", la.App.Client(), "GET", page, nil, 404, ""},
		{"it is in the queue", la.mod, "GET", "/resources/review", nil, 200, "Three lines at night"},
		{"members have no queue", la.bob, "GET", "/resources/review", nil, 403, ""},
		{"members cannot approve their own", la.ann, "POST", page + "/status", url.Values{"decision": {"approve"}}, 403, ""},
		{"sending back needs a note", la.mod, "POST", page + "/status", url.Values{"decision": {"send-back"}}, 422, "note"},
		{"sent back with a note", la.mod, "POST", page + "/status", url.Values{"decision": {"send-back"}, "note": {"Please add where the idea comes from."}, "from": {"queue"}}, 303, ""},
		{"the author reads the note", la.ann, "GET", "/resources/new", nil, 200, "Please add where the idea comes from."},
		{"and on the page", la.ann, "GET", page, nil, 200, "Please add where the idea comes from."},
		{"still hidden from others", la.bob, "GET", page, nil, 404, ""},
		{"the author edits and resubmits", la.ann, "POST", page + "/edit", withValue(form, "source", "My own experience."), 303, ""},
		{"waiting again", la.ann, "GET", page, nil, 200, "waiting for review"},
		{"another member cannot edit", la.bob, "POST", page + "/edit", withValue(form, "tags", ""), 404, ""},
		{"approved", la.mod, "POST", page + "/status", url.Values{"decision": {"approve"}, "from": {"queue"}}, 303, ""},
		{"now everyone sees it", la.App.Client(), "GET", page, nil, 200, "My own experience."},
		{"and finds it", la.bob, "GET", "/resources?q=notebook", nil, 200, "Three lines at night"},
		{"the author can no longer change it alone", la.ann, "GET", page + "/edit", nil, 403, ""},
		{"nor can others", la.bob, "POST", page + "/edit", withValue(form, "tags", ""), 403, ""},
		{"members cannot unpublish", la.bob, "POST", page + "/status", url.Values{"decision": {"unpublish"}}, 403, ""},
		{"a moderator unpublishes", la.mod, "POST", page + "/status", url.Values{"decision": {"unpublish"}}, 303, ""},
		{"gone for members", la.bob, "GET", page, nil, 404, ""},
		{"and from search", la.bob, "GET", "/resources?q=notebook", nil, 200, "Nothing found"},
	}
	for _, s := range steps {
		var res *handlerstest.Response
		if s.method == "GET" {
			res = s.c.Get(s.path)
		} else {
			res = s.c.PostForm(s.path, s.form)
		}
		if res.Status != s.status || !strings.Contains(res.Body, s.want) {
			t.Fatalf("%s: status %d (want %d), body lacks %q:\n%s", s.name, res.Status, s.status, s.want, res.Doc(t).Find("main").Text())
		}
	}
	// A moderator's own resource is published at once; a member's resource never is.
	r = la.mod.PostForm("/resources/new", withValue(withValue(form, "title", "Moderator's note"), "slug", "mod-note"))
	if got, _ := la.Store.ResourceBySlug(context.Background(), "mod-note"); r.Status != http.StatusSeeOther || got.Status != store.ResourcePublished {
		t.Fatalf("moderator's resource: %d %s", r.Status, got.Status)
	}
	la.bob.PostForm("/resources/new", withValue(withValue(form, "title", "Bob tries"), "slug", "bob-tries"))
	if got, _ := la.Store.ResourceBySlug(context.Background(), "bob-tries"); got.Status != store.ResourcePending {
		t.Fatalf("member's resource: %s", got.Status)
	}
	// Reserved and taken addresses are refused with a message.
	for _, slug := range []string{"new", "toolkit", "review", "mod-note"} {
		if r := la.mod.PostForm("/resources/new", withValue(form, "slug", slug)); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("slug %s: %d", slug, r.Status)
		}
	}
}

func withValue(v url.Values, k, val string) url.Values {
	out := url.Values{}
	for key, vals := range v {
		out[key] = slices.Clone(vals)
	}
	out.Del("_csrf") // PostForm fills in the poster's own
	out.Set(k, val)
	return out
}

func TestLibraryRevisionsAndRestore(t *testing.T) {
	la := newLibraryApp(t)
	la.resource(t, "kept", "Kept", "The first version of the text, long enough to be a resource.", "self-care", store.ResourcePublished, la.ids["mod"])
	form := url.Values{"title": {"Kept"}, "slug": {"kept"}, "summary": {"Summary of the kept resource."},
		"body": {"The second version of the text, long enough to be a resource."}, "category": {"self-care"}}
	if r := la.mod.PostForm("/resources/kept/edit", form); r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d %.400s", r.Status, r.Body)
	}
	revs := la.mod.Get("/resources/kept/revisions")
	d := revs.Doc(t)
	if revs.Status != http.StatusOK || d.Find("li.revision").Length() != 2 || !strings.Contains(d.Find("li.revision").First().Text(), "Changed: summary, text") {
		t.Fatalf("revisions: %d %.800s", revs.Status, revs.Body)
	}
	restore, _ := d.Find("li.revision").Last().Find("form").Attr("action")
	if r := la.bob.PostForm(restore, nil); r.Status != http.StatusForbidden {
		t.Fatalf("member restores: %d", r.Status)
	}
	if r := la.mod.PostForm(restore, nil); r.Status != http.StatusSeeOther {
		t.Fatalf("restore: %d", r.Status)
	}
	if page := la.bob.Get("/resources/kept"); !strings.Contains(page.Body, "The first version") {
		t.Fatal("restored text not shown")
	}
	if n := la.mod.Get("/resources/kept/revisions").Doc(t).Find("li.revision").Length(); n != 3 {
		t.Fatalf("restore is a new revision: %d revisions", n)
	}
}

// A draft, pending or unpublished resource answers everyone but its author and the
// moderators exactly as a resource that does not exist, on every route of the library.
func TestLibraryHiddenParity(t *testing.T) {
	la := newLibraryApp(t)
	for _, st := range []store.ResourceStatus{store.ResourceDraft, store.ResourcePending, store.ResourceUnpublished} {
		slug := "hidden-" + string(st)
		la.resource(t, slug, "Hidden "+string(st), "Hidden text.", "self-care", st, la.ids["ann"])
		for _, rt := range siteRoutes {
			if !strings.Contains(rt.path, ":slug") {
				continue
			}
			for name, c := range map[string]*handlerstest.Client{"bob": la.bob, "anonymous": la.App.Client()} {
				do := func(s string) int {
					p := strings.NewReplacer(":slug", s, ":id", "1").Replace(rt.path)
					if rt.method == http.MethodGet {
						return c.Get(p).Status
					}
					return c.PostForm(p, url.Values{"decision": {"approve"}, "confirm": {"yes"}, "note": {"n"}}).Status
				}
				if a, b := do(slug), do("no-such-resource"); a != b {
					t.Errorf("%s %s (%s) as %s: %d, a missing resource %d", rt.method, rt.path, st, name, a, b)
				}
			}
		}
	}
	// The author still sees hers; nothing changed hands.
	if r := la.ann.Get("/resources/hidden-pending"); r.Status != http.StatusOK {
		t.Fatalf("author: %d", r.Status)
	}
	if got, _ := la.Store.ResourceBySlug(context.Background(), "hidden-pending"); got.Status != store.ResourcePending {
		t.Fatalf("status changed to %s", got.Status)
	}
}

// The XSS corpus, submitted by a member in every field that takes text, is inert on the
// resource page, in the review queue and in search snippets.
func TestLibraryXSSCorpusIsInert(t *testing.T) {
	la := newLibraryApp(t)
	for i, payload := range xsstest.Corpus {
		slug := fmt.Sprintf("xss-%02d", i)
		form := url.Values{"title": {"Quokka " + payload}, "slug": {slug}, "summary": {"Quokka summary " + payload},
			"body":     {"Quokka calm text before. " + payload + " Quokka calm text after, long enough."},
			"category": {"self-care"}, "warning": {payload}, "source": {payload}}
		if r := la.ann.PostForm("/resources/new", form); r.Status != http.StatusSeeOther {
			t.Fatalf("submit %q: %d %.300s", payload, r.Status, r.Body)
		}
		xsstest.AssertInert(t, "author's page "+payload, la.ann.Get("/resources/"+slug).Body)
	}
	xsstest.AssertInert(t, "review queue", la.mod.Get("/resources/review").Body)
	for i := range xsstest.Corpus {
		if r := la.mod.PostForm(fmt.Sprintf("/resources/xss-%02d/status", i), url.Values{"decision": {"approve"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("approve: %d", r.Status)
		}
	}
	for i, payload := range xsstest.Corpus {
		xsstest.AssertInert(t, "published page "+payload, la.bob.Get(fmt.Sprintf("/resources/xss-%02d", i)).Body)
	}
	for p := 1; p <= 3; p++ {
		r := la.bob.Get("/resources?q=quokka&page=" + strconv.Itoa(p))
		if p == 1 && r.Doc(t).Find(".snippet mark").Length() == 0 {
			t.Fatal("search shows no snippets")
		}
		xsstest.AssertInert(t, "search page "+strconv.Itoa(p), r.Body)
	}
}
