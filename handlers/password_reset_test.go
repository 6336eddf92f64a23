package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-community/hearth/handlers"
	"github.com/hearth-community/hearth/handlers/handlerstest"
)

const newPassword = "harbour-quiet-fern-9"

// resetPath is the path of a reset link made for this app.
func resetPath(t *testing.T, app *handlerstest.App, link string) string {
	t.Helper()
	if !strings.HasPrefix(link, app.URL+"/reset/") || len(link) < len(app.URL)+len("/reset/")+40 {
		t.Fatalf("not a reset link of this Hearth: %q", link)
	}
	return strings.TrimPrefix(link, app.URL)
}

// A member who forgot their password gets a link from an admin (HTMX and plain form), sets
// a new password through it once, and is logged in; all their other sessions end; the link
// then no longer works, and it never reaches the log.
func TestPasswordResetThroughAdminLink(t *testing.T) {
	app, logs := newLoggedApp(t)
	admin := app.Member("admin")
	ann := app.Member("ann")
	annPhone := app.Client()
	if r := annPhone.Login("ann", handlerstest.Password); r.Status != http.StatusSeeOther {
		t.Fatalf("second login: %d", r.Status)
	}
	u, err := app.Store.UserByUsername(t.Context(), "ann")
	if err != nil {
		t.Fatal(err)
	}
	action := "/admin/users/" + strconv.FormatInt(u.ID, 10) + "/reset"

	// Without HTMX: redirect after post, then the page shows the link once.
	r := admin.PostForm(action, nil)
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/admin/users" {
		t.Fatalf("plain post: %d %q", r.Status, r.Header.Get("Location"))
	}
	page := admin.Get("/admin/users")
	first, _ := page.Doc(t).Find(`.alert input[readonly]`).Attr("value")
	firstPath := resetPath(t, app, first)
	if again := admin.Get("/admin/users"); strings.Contains(again.Body, firstPath) {
		t.Fatal("the link is shown again on a reload")
	}

	// With HTMX: the row comes back holding a new link, which replaces the first.
	r = admin.PostRaw(action, url.Values{"_csrf": {admin.CSRF()}}, http.Header{"Hx-Request": {"true"}})
	if r.Status != http.StatusOK || strings.Contains(r.Body, "<html") {
		t.Fatalf("htmx post: %d %.300s", r.Status, r.Body)
	}
	link, _ := r.Doc(t).Find(`input[readonly][aria-label="Password reset link for peer_ann"]`).Attr("value")
	path := resetPath(t, app, link)
	if r := app.Client().Get(firstPath); r.Status != http.StatusGone {
		t.Fatalf("a replaced link: %d", r.Status)
	}

	// Ann, logged out on a new device, opens the link.
	fresh := app.Client()
	r = fresh.Get(path)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "peer_ann") || !strings.Contains(r.Body, `name="new_password_again"`) {
		t.Fatalf("reset form: %d %.300s", r.Status, r.Body)
	}
	for _, tc := range []struct{ pw, again, want string }{
		{"          ", "          ", "only spaces"},
		{"aaaaaaaaaaaa", "aaaaaaaaaaaa", "one character repeated"},
		{newPassword, newPassword + "x", "differ"},
	} {
		r := fresh.PostForm(path, url.Values{"new_password": {tc.pw}, "new_password_again": {tc.again}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.want) {
			t.Fatalf("new password %q: %d, want a message with %q", tc.pw, r.Status, tc.want)
		}
	}
	r = fresh.PostForm(path, url.Values{"new_password": {newPassword}, "new_password_again": {newPassword}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account?saved=password" {
		t.Fatalf("reset: %d %q %.300s", r.Status, r.Header.Get("Location"), r.Body)
	}
	if r := fresh.Get("/account"); r.Status != http.StatusOK || !strings.Contains(r.Body, "peer_ann") {
		t.Fatalf("not logged in as ann after the reset: %d", r.Status)
	}
	for name, c := range map[string]*handlerstest.Client{"first": ann, "second": annPhone} {
		if r := c.Get("/account"); r.Status != http.StatusSeeOther {
			t.Fatalf("ann's %s session survived the reset: %d", name, r.Status)
		}
	}
	if r := app.Client().Login("ann", handlerstest.Password); r.Status == http.StatusSeeOther {
		t.Fatal("the old password still works")
	}
	if r := app.Client().Login("ann", newPassword); r.Status != http.StatusSeeOther {
		t.Fatalf("the new password does not work: %d", r.Status)
	}

	// Used once, the link is gone.
	other := app.Client()
	if r := other.Get(path); r.Status != http.StatusGone || !strings.Contains(r.Body, "no longer works") {
		t.Fatalf("reused link, GET: %d", r.Status)
	}
	if r := other.PostForm(path, url.Values{"new_password": {"another-fine-pass-7"}, "new_password_again": {"another-fine-pass-7"}}); r.Status != http.StatusGone {
		t.Fatalf("reused link, POST: %d", r.Status)
	}
	if r := app.Client().Login("ann", newPassword); r.Status != http.StatusSeeOther {
		t.Fatalf("a refused reuse changed the password: %d", r.Status)
	}
	if r := app.Client().Get("/reset/not-a-real-link"); r.Status != http.StatusNotFound {
		t.Fatalf("unknown link: %d", r.Status)
	}

	logs.waitLine(t, "password reset through a link")
	for _, secret := range []string{strings.TrimPrefix(firstPath, "/reset/"), strings.TrimPrefix(path, "/reset/"), newPassword} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("the log holds a secret %q:\n%s", secret, logs.String())
		}
	}
}

// A link expires after an hour: the form and the post both say so, and nothing changes.
func TestPasswordResetLinkExpires(t *testing.T) {
	app := handlerstest.New(t)
	app.Member("admin")
	app.Member("ann")
	u, err := app.Store.UserByUsername(t.Context(), "ann")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(app.URL)
	link, err := handlers.NewPasswordResetLink(t.Context(), app.Store, base, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	path := resetPath(t, app, link)
	c := app.Client()
	if r := c.Get(path); r.Status != http.StatusOK {
		t.Fatalf("fresh link: %d", r.Status)
	}
	app.Clock.Advance(handlers.ResetLinkTTL + time.Second)
	if r := c.Get(path); r.Status != http.StatusGone || !strings.Contains(r.Body, "expired") {
		t.Fatalf("expired link, GET: %d", r.Status)
	}
	if r := c.PostForm(path, url.Values{"new_password": {newPassword}, "new_password_again": {newPassword}}); r.Status != http.StatusGone {
		t.Fatalf("expired link, POST: %d", r.Status)
	}
	if r := app.Client().Login("ann", handlerstest.Password); r.Status != http.StatusSeeOther {
		t.Fatalf("an expired link changed the password: %d", r.Status)
	}
}

// Guessing at reset links is limited like logins: a burst from one address meets 429.
func TestPasswordResetIsRateLimited(t *testing.T) {
	app := handlerstest.New(t, handlerstest.WithAuthRate(3))
	c := app.Client()
	limited := false
	for i := 0; i < 20 && !limited; i++ {
		r := c.PostForm("/reset/guess-"+strconv.Itoa(i), url.Values{"new_password": {newPassword}, "new_password_again": {newPassword}})
		limited = r.Status == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("20 quick reset attempts from one address were never limited")
	}
}
