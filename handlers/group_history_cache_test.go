package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// The group page caches its newest history; every change a member can make must show on
// the next load all the same.
func TestGroupPageHistoryNeverStale(t *testing.T) {
	app := handlerstest.New(t)
	ctx := context.Background()
	ana := app.Member("ana")
	ben := app.Member("ben")
	for _, c := range []*handlerstest.Client{ana, ben} {
		if r := c.PostForm("/groups/welcome/join", form("accept_guidelines", "yes")); r.Status != http.StatusSeeOther {
			t.Fatalf("join: %d", r.Status)
		}
	}
	u, _ := app.Store.UserByUsername(ctx, "ana")
	g, _ := app.Store.GroupBySlug(ctx, "welcome")
	cm, err := app.Store.NewCommitter(ctx, store.CommitterOptions{Logger: handlerstest.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer cm.Close()
	post := func(id, body string) store.Posted {
		p, err := cm.Post(ctx, store.NewMessage{GroupID: g.ID, AuthorID: u.ID, AuthorName: u.DisplayName, ClientID: id, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	page := func() string { return ben.Get("/groups/welcome").Body }

	first := post("c1", "first words")
	if !strings.Contains(page(), "first words") {
		t.Fatal("new message missing")
	}
	page() // served from the cache now
	post("c2", "second words")
	if !strings.Contains(page(), "second words") {
		t.Fatal("a message posted after the page was cached is missing")
	}
	msg := "/groups/welcome/messages/" + itoa(first.ID)
	if r := ben.PostRaw(msg+"/react", form("kind", "heart", "_csrf", ben.CSRF()), http.Header{"Hx-Request": {"true"}}); r.Status >= 300 {
		t.Fatalf("react: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(page(), `class="reaction-count">1<`) {
		t.Fatal("reaction missing after the page was cached")
	}
	if r := ana.PostRaw(msg+"/edit", form("body", "first words, edited", "_csrf", ana.CSRF()), http.Header{"Hx-Request": {"true"}}); r.Status >= 300 {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	if p := page(); !strings.Contains(p, "first words, edited") || !strings.Contains(p, "msg-edited") {
		t.Fatal("edit missing after the page was cached")
	}
	if r := ana.PostRaw(msg+"/delete", form("_csrf", ana.CSRF()), http.Header{"Hx-Request": {"true"}}); r.Status >= 300 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if p := page(); strings.Contains(p, "first words, edited") || !strings.Contains(p, "message removed") {
		t.Fatal("removal missing after the page was cached")
	}
}

// The cached history follows changes to accounts too: a renamed member's new name shows at
// once, and a deleted member's words are gone from the next page (and from the cache).
func TestGroupPageHistoryFollowsAccountChanges(t *testing.T) {
	app := handlerstest.New(t)
	ctx := context.Background()
	app.Member("admin") // the first account is the admin, who cannot be deleted
	ana := app.Member("ana")
	ben := app.Member("ben")
	for _, c := range []*handlerstest.Client{ana, ben} {
		if r := c.PostForm("/groups/welcome/join", form("accept_guidelines", "yes")); r.Status != http.StatusSeeOther {
			t.Fatalf("join: %d", r.Status)
		}
	}
	u, _ := app.Store.UserByUsername(ctx, "ana")
	g, _ := app.Store.GroupBySlug(ctx, "welcome")
	cm, err := app.Store.NewCommitter(ctx, store.CommitterOptions{Logger: handlerstest.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer cm.Close()
	if _, err := cm.Post(ctx, store.NewMessage{GroupID: g.ID, AuthorID: u.ID, AuthorName: u.DisplayName, ClientID: "c1",
		Body: "words only ana wrote"}); err != nil {
		t.Fatal(err)
	}
	page := func() string { return ben.Get("/groups/welcome").Body }
	if p := page(); !strings.Contains(p, "words only ana wrote") || !strings.Contains(p, "peer_ana") {
		t.Fatal("message missing")
	}
	page() // cached now

	if err := app.Store.SetDisplayName(ctx, u.ID, "willow"); err != nil {
		t.Fatal(err)
	}
	if p := page(); !strings.Contains(p, "willow") || strings.Contains(p, "peer_ana") {
		t.Fatal("the cached page kept a renamed member's old name")
	}
	page()

	if err := app.Store.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page(), "words only ana wrote") {
		t.Fatal("the cached page served a deleted member's words")
	}
}
