package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// evilNexts are return paths a browser would read as another site.
var evilNexts = []string{
	"/%09/evil.example", "/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example",
	"/%2F%2Fevil.example", "/%5Cevil.example", "/%0d%0a/evil.example", "javascript:alert(1)",
}

func TestLoginRefusesForeignNext(t *testing.T) {
	app := handlerstest.New(t)
	app.Member("sam")
	for _, next := range evilNexts {
		for _, hx := range []bool{false, true} {
			c := app.Client()
			h := http.Header{}
			if hx {
				h.Set("HX-Request", "true")
			}
			r := c.PostRaw("/login", form("username", "sam", "password", handlerstest.Password, "next", next, "_csrf", c.CSRF()), h)
			to := r.Header.Get("Location")
			if hx {
				to = r.Header.Get("HX-Redirect")
			}
			if to != "/groups" {
				t.Errorf("login with next=%q (htmx %v): sent to %q, want /groups", next, hx, to)
			}
			// Logged in, the login page sends the member on at once: same check.
			r = c.Get("/login?next=" + url.QueryEscape(next))
			if got := r.Header.Get("Location"); got != "/groups" {
				t.Errorf("GET /login?next=%q while logged in: sent to %q, want /groups", next, got)
			}
		}
		// The forms do not carry it either.
		doc := app.Client().Get("/login?next=" + url.QueryEscape(next)).Doc(t)
		if v, ok := doc.Find(`#login-form input[name="next"]`).Attr("value"); ok {
			t.Errorf("login form carries next=%q as %q", next, v)
		}
	}
}

func TestNextSurvivesLoginAndRegister(t *testing.T) {
	app := handlerstest.New(t)
	admin := app.Member("admin")
	app.Member("sam")
	r := admin.PostForm("/groups/new", url.Values{"name": {"Quiet Harbour"}, "slug": {"quiet-harbour"},
		"guidelines": {"Be gentle."}, "visibility": {"private"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create group: %d", r.Status)
	}
	admin.PostForm("/groups/quiet-harbour/invites", url.Values{"days": {"7"}, "uses": {"5"}})
	page := admin.Get("/groups/quiet-harbour/manage")
	link := page.Doc(t).Find("input.invite-link").AttrOr("value", "")
	if !strings.Contains(link, "/invites/") {
		t.Fatalf("no invite link: %d", page.Status)
	}
	invite := link[strings.Index(link, "/invites/"):]

	// A logged-out visitor opening the link is sent to log in, with the link as next.
	visitor := app.Client()
	r = visitor.Get(invite)
	loginURL := r.Header.Get("Location")
	if r.Status != http.StatusSeeOther || loginURL != "/login?next="+url.QueryEscape(invite) {
		t.Fatalf("visitor on invite: %d %q", r.Status, loginURL)
	}
	r = visitor.Get(loginURL)
	doc := r.Doc(t)
	if got := doc.Find(`#login-form input[name="next"]`).AttrOr("value", ""); got != invite {
		t.Fatalf("login form next = %q, want %q", got, invite)
	}
	if !strings.Contains(r.Body, "You&#39;ve been invited to a group") && !strings.Contains(r.Body, "You've been invited to a group") {
		t.Errorf("login page does not mention the invite")
	}
	if strings.Contains(r.Body, "Quiet Harbour") || strings.Contains(r.Body, "quiet-harbour") {
		t.Errorf("login page names the group to a logged-out visitor")
	}
	regHref := doc.Find(`main a[href^="/register"]`).AttrOr("href", "")
	if nextOf(t, regHref) != invite {
		t.Fatalf("register link = %q", regHref)
	}

	// Logging in goes back to the invite, through a plain form and through htmx.
	for _, hx := range []bool{false, true} {
		c := app.Client()
		h := http.Header{}
		if hx {
			h.Set("HX-Request", "true")
		}
		// A failed attempt keeps next in the re-rendered form.
		r = c.PostRaw("/login", form("username", "sam", "password", "wrong-password-1", "next", invite, "_csrf", c.CSRF()), h)
		if got := r.Doc(t).Find(`#login-form input[name="next"]`).AttrOr("value", ""); r.Status != 422 || got != invite {
			t.Fatalf("failed login (htmx %v): %d, next %q", hx, r.Status, got)
		}
		r = c.PostRaw("/login", form("username", "sam", "password", handlerstest.Password, "next", invite, "_csrf", c.CSRF()), h)
		to := r.Header.Get("Location")
		if hx {
			to = r.Header.Get("HX-Redirect")
		}
		if to != invite {
			t.Fatalf("after login (htmx %v): sent to %q, want the invite", hx, to)
		}
		if r := c.Get(invite); r.Status != http.StatusOK || !strings.Contains(r.Body, "Be gentle.") {
			t.Fatalf("invite after login: %d", r.Status)
		}
	}

	// Registering from the invite goes back to it too.
	newcomer := app.Client()
	r = newcomer.Get(regHref)
	doc = r.Doc(t)
	if got := doc.Find(`#register-form input[name="next"]`).AttrOr("value", ""); got != invite {
		t.Fatalf("register form next = %q", got)
	}
	if got := doc.Find(`main a[href^="/login"]`).AttrOr("href", ""); nextOf(t, got) != invite {
		t.Errorf("login link on the register page = %q", got)
	}
	r = newcomer.PostForm("/register", url.Values{"username": {"newcomer"}, "display_name": {"FreshStart"},
		"password": {handlerstest.Password}, "next": {invite}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != invite {
		t.Fatalf("register: %d, sent to %q", r.Status, r.Header.Get("Location"))
	}
	// And a foreign next is dropped at registration as well.
	r = app.Client().PostForm("/register", url.Values{"username": {"other1"}, "display_name": {"OtherOne"},
		"password": {handlerstest.Password}, "next": {"/%09/evil.example"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/groups" {
		t.Fatalf("register with foreign next: %d, sent to %q", r.Status, r.Header.Get("Location"))
	}
}

func TestRegisterFormSaysUsernameIsPrivate(t *testing.T) {
	app := handlerstest.New(t)
	hint := app.Client().Get("/register").Doc(t).Find("#f-username-hint").Text()
	for _, want := range []string{"Private", "never shown to other members", "need not be your real name"} {
		if !strings.Contains(hint, want) {
			t.Errorf("username hint %q lacks %q", hint, want)
		}
	}
}

// nextOf returns the next parameter of a link.
func nextOf(t *testing.T, href string) string {
	t.Helper()
	u, err := url.Parse(href)
	if err != nil {
		t.Fatalf("link %q: %v", href, err)
	}
	return u.Query().Get("next")
}
