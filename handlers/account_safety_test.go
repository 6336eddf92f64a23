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
