package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// The first account becomes admin and lands on a welcome with the next steps; the home page
// leads back to it while they are the only member. Later members land on the groups and
// never see it.
func TestFirstAdminWelcome(t *testing.T) {
	app := handlerstest.New(t)
	admin := app.Client()
	if r := admin.Register("founder", "Hearthkeeper", handlerstest.Password); r.Header.Get("Location") != "/welcome" {
		t.Fatalf("the first account lands on %q", r.Header.Get("Location"))
	}
	r := admin.Get("/welcome")
	if r.Status != http.StatusOK {
		t.Fatalf("welcome: %d", r.Status)
	}
	doc := r.Doc(t)
	for _, href := range []string{"/groups/new", "/help", "/groups"} {
		if doc.Find(`main a[href="`+href+`"]`).Length() == 0 {
			t.Errorf("the welcome does not link to %s", href)
		}
	}
	if admin.Get("/").Doc(t).Find(`main a[href="/welcome"]`).Length() != 1 {
		t.Error("the home page of a Hearth with only its admin does not lead to the welcome")
	}

	ann := app.Client()
	if r := ann.Register("ann", "peer_ann", handlerstest.Password); r.Header.Get("Location") != "/groups" {
		t.Fatalf("a later member lands on %q", r.Header.Get("Location"))
	}
	if r := ann.Get("/welcome"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/groups" {
		t.Fatalf("a member opening the welcome: %d %q", r.Status, r.Header.Get("Location"))
	}
	if admin.Get("/").Doc(t).Find(`main a[href="/welcome"]`).Length() != 0 {
		t.Error("the getting-started card stays after others joined")
	}
}

// A first account that arrived with somewhere to go is sent there, not to the welcome.
func TestFirstAdminWelcomeKeepsNext(t *testing.T) {
	app := handlerstest.New(t)
	r := app.Client().PostForm("/register", url.Values{"username": {"founder"}, "display_name": {"Hearthkeeper"},
		"password": {handlerstest.Password}, "next": {"/help"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/help" {
		t.Fatalf("register with next: %d %q", r.Status, r.Header.Get("Location"))
	}
}
