package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// Ten spaces once became the admin's password. Registration and a password change refuse
// passwords of only whitespace or too few different characters, and nothing is written.
func TestWeakPasswordsRefusedEverywhere(t *testing.T) {
	app := handlerstest.New(t)
	anon := app.Client()
	for _, pw := range []string{"          ", "aaaaaaaaaaaa", "abcabcabcabc"} {
		r := anon.PostForm("/register", url.Values{"username": {"first"}, "display_name": {"FirstOne"}, "password": {pw}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "easy to guess") && !strings.Contains(r.Body, "different characters") {
			t.Fatalf("register with %q: status %d: %.300s", pw, r.Status, r.Body)
		}
	}
	if n, err := app.Store.CountUsers(t.Context()); err != nil || n != 0 {
		t.Fatalf("users after refused sign-ups: %d, %v", n, err)
	}

	ann := app.Member("ann")
	for _, pw := range []string{"          ", "zzzzzzzzzzzz"} {
		r := ann.PostForm("/account/password", url.Values{"current_password": {handlerstest.Password},
			"new_password": {pw}, "new_password_again": {pw}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "easy to guess") {
			t.Fatalf("change to %q: status %d", pw, r.Status)
		}
	}
	if r := app.Client().Login("ann", handlerstest.Password); r.Status != http.StatusSeeOther {
		t.Fatalf("the old password stopped working after refused changes: %d", r.Status)
	}
}

// "Mаple" with a Cyrillic а impersonated the admin "Maple" in a room. A look-alike is
// refused at sign-up and at a rename, with a message that says why; the member's own
// restyling still works.
func TestLookAlikeDisplayNameRefused(t *testing.T) {
	app := handlerstest.New(t)
	admin := app.Client()
	admin.Register("admin", "Maple", handlerstest.Password)
	r := app.Client().PostForm("/register", url.Values{"username": {"mallory"}, "display_name": {"Mаple"}, "password": {handlerstest.Password}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "too similar to another member") {
		t.Fatalf("look-alike sign-up: status %d: %.300s", r.Status, r.Body)
	}
	if _, err := app.Store.UserByUsername(t.Context(), "mallory"); err == nil {
		t.Fatal("the refused sign-up left an account")
	}
	mallory := app.Client()
	mallory.Register("mallory", "Willow", handlerstest.Password)
	r = mallory.PostForm("/account/name", url.Values{"display_name": {"MapIe"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "too similar to another member") {
		t.Fatalf("look-alike rename: status %d", r.Status)
	}
	if r := admin.PostForm("/account/name", url.Values{"display_name": {"MAPLE"}}); r.Status != http.StatusOK {
		t.Fatalf("restyling one's own name: %d", r.Status)
	}
}
