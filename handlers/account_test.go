package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// A member changes their display name (their messages follow) and their password (every
// other session ends, the one that changed it stays).
func TestAccountNameAndPassword(t *testing.T) {
	app := handlerstest.New(t)
	app.Member("admin")
	ann := app.Member("ann")
	other := app.Client()
	if r := other.Login("ann", handlerstest.Password); r.Status != http.StatusSeeOther {
		t.Fatalf("second login: %d", r.Status)
	}
	app.Member("bob")

	r := ann.PostForm("/account/name", url.Values{"display_name": {"peer_bob"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "taken") {
		t.Fatalf("taken name: %d", r.Status)
	}
	r = ann.PostForm("/account/name", url.Values{"display_name": {"two words"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid name: %d", r.Status)
	}
	r = ann.PostForm("/account/name", url.Values{"display_name": {"willow"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Your display name is now willow") {
		t.Fatalf("rename: %d", r.Status)
	}
	if !strings.Contains(ann.Get("/account").Body, "willow") {
		t.Fatal("account page shows the old name")
	}

	r = ann.PostForm("/account/password", url.Values{"current_password": {"wrong one entirely"}, "new_password": {"meadow-lantern-quiet-river"},
		"new_password_again": {"meadow-lantern-quiet-river"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not your current password") {
		t.Fatalf("wrong current password: %d", r.Status)
	}
	r = ann.PostForm("/account/password", url.Values{"current_password": {handlerstest.Password}, "new_password": {"meadow-lantern-quiet-river"},
		"new_password_again": {"meadow-lantern-quiet-rivers"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "differ") {
		t.Fatalf("mismatch: %d", r.Status)
	}
	r = ann.PostForm("/account/password", url.Values{"current_password": {handlerstest.Password}, "new_password": {"meadow-lantern-quiet-river"},
		"new_password_again": {"meadow-lantern-quiet-river"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "every other session has ended") {
		t.Fatalf("change: %d", r.Status)
	}
	if r := ann.Get("/account"); r.Status != http.StatusOK {
		t.Fatalf("the changing session was ended: %d", r.Status)
	}
	if r := other.Get("/account"); r.Status != http.StatusSeeOther {
		t.Fatalf("the other session survived a password change: %d", r.Status)
	}
	fresh := app.Client()
	if r := fresh.Login("ann", handlerstest.Password); r.Status == http.StatusSeeOther {
		t.Fatal("the old password still works")
	}
	if r := fresh.Login("ann", "meadow-lantern-quiet-river"); r.Status != http.StatusSeeOther {
		t.Fatalf("the new password does not work: %d", r.Status)
	}
}
