package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// scenario is one request through the full router and what must (not) come back.
type scenario struct {
	name      string
	do        func(t *testing.T, app *handlerstest.App) *handlerstest.Response
	status    int
	contains  []string
	excludes  []string
	headerSet map[string]string
}

func runScenarios(t *testing.T, setup func(t *testing.T) *handlerstest.App, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			app := setup(t)
			r := sc.do(t, app)
			if r.Status != sc.status {
				t.Fatalf("status = %d, want %d; body:\n%.1500s", r.Status, sc.status, r.Body)
			}
			for _, want := range sc.contains {
				if !strings.Contains(r.Body, want) {
					t.Errorf("body lacks %q:\n%.1500s", want, r.Body)
				}
			}
			for _, bad := range sc.excludes {
				if strings.Contains(r.Body, bad) {
					t.Errorf("body must not contain %q", bad)
				}
			}
			for k, v := range sc.headerSet {
				if got := r.Header.Get(k); !strings.Contains(got, v) {
					t.Errorf("header %s = %q, want it to contain %q", k, got, v)
				}
			}
		})
	}
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestRegisterAndLoginScenarios(t *testing.T) {
	fresh := func(t *testing.T) *handlerstest.App { return handlerstest.New(t) }
	withMember := func(t *testing.T) *handlerstest.App {
		app := handlerstest.New(t)
		app.Member("sam")
		return app
	}
	register := func(user, display, email, pw string) func(*testing.T, *handlerstest.App) *handlerstest.Response {
		return func(t *testing.T, app *handlerstest.App) *handlerstest.Response {
			return app.Client().PostForm("/register", form("username", user, "display_name", display, "email", email, "password", pw))
		}
	}
	login := func(user, pw string, hx bool) func(*testing.T, *handlerstest.App) *handlerstest.Response {
		return func(t *testing.T, app *handlerstest.App) *handlerstest.Response {
			c := app.Client()
			f := form("username", user, "password", pw, "_csrf", c.CSRF())
			h := http.Header{}
			if hx {
				h.Set("HX-Request", "true")
			}
			return c.PostRaw("/login", f, h)
		}
	}
	runScenarios(t, fresh, []scenario{
		{name: "register page", do: func(t *testing.T, app *handlerstest.App) *handlerstest.Response { return app.Client().Get("/register") },
			status: 200, contains: []string{`name="_csrf"`, `name="display_name"`, `<label for="f-password">`}},
		{name: "register ok", do: register("alex", "SteadyOak", "alex@example.org", handlerstest.Password), status: 303},
		{name: "short password", do: register("alex", "SteadyOak", "", "short"), status: 422, contains: []string{"at least 10 characters"}},
		{name: "common password", do: register("alex", "SteadyOak", "", "password123"), status: 422, contains: []string{"common passwords"}},
		{name: "common password any case", do: register("alex", "SteadyOak", "", "QwertyUiop"), status: 422, contains: []string{"common passwords"}},
		{name: "password with username", do: register("lanternkeeper", "SteadyOak", "", "xx-lanternkeeper-xx"), status: 422, contains: []string{"should not contain"}},
		{name: "bad username", do: register("a b", "SteadyOak", "", handlerstest.Password), status: 422, contains: []string{"3–32 letters"}},
		{name: "display name equals username", do: register("alex", "Alex", "", handlerstest.Password), status: 422, contains: []string{"different from your username"}},
		{name: "bad email", do: register("alex", "SteadyOak", "not-an-email", handlerstest.Password), status: 422, contains: []string{"e-mail address"}},
		{name: "escaped values echo back", do: register("<b>x", "<script>", "", "short"), status: 422,
			contains: []string{"&lt;b&gt;x", "&lt;script&gt;"}, excludes: []string{"<script>"}},
	})
	runScenarios(t, withMember, []scenario{
		{name: "username taken", do: register("SAM", "Another1", "", handlerstest.Password), status: 422, contains: []string{"username is taken"}},
		{name: "display name taken", do: register("sam2", "PEER_SAM", "", handlerstest.Password), status: 422, contains: []string{"display name is taken"}},
		{name: "login ok", do: login("sam", handlerstest.Password, false), status: 303, headerSet: map[string]string{"Location": "/groups", "Set-Cookie": "hearth_session="}},
		{name: "login ok htmx", do: login("sam", handlerstest.Password, true), status: 204, headerSet: map[string]string{"HX-Redirect": "/groups"}},
		{name: "wrong password", do: login("sam", "wrong-password-1", false), status: 422, contains: []string{"do not match"}},
		{name: "unknown user same message", do: login("nobody", "wrong-password-1", false), status: 422, contains: []string{"do not match"}},
		{name: "wrong password htmx fragment", do: login("sam", "wrong-password-1", true), status: 422,
			contains: []string{`id="login-form"`, "do not match"}, excludes: []string{"<html"}, headerSet: map[string]string{"Vary": "HX-Request"}},
	})
}

func TestFirstAccountIsAdmin(t *testing.T) {
	app := handlerstest.New(t)
	first := app.Member("first")
	second := app.Member("second")
	if r := first.Get("/admin/users"); r.Status != 200 || !strings.Contains(r.Body, "peer_second") {
		t.Fatalf("first account should be admin: %d", r.Status)
	}
	if r := second.Get("/admin/users"); r.Status != http.StatusForbidden {
		t.Fatalf("second account on admin page: %d, want 403", r.Status)
	}
}

func TestLoginSetsNewSessionAndLogoutRevokes(t *testing.T) {
	app := handlerstest.New(t)
	c := app.Member("robin")
	before := c.Cookie("hearth_session")
	if r := c.Login("robin", handlerstest.Password); r.Status != 303 {
		t.Fatalf("login: %d", r.Status)
	}
	after := c.Cookie("hearth_session")
	if before == "" || after == "" || before == after {
		t.Fatalf("login must issue a new session id (before %q, after %q)", before, after)
	}
	if r := c.Get("/account"); r.Status != 200 || !strings.Contains(r.Body, "peer_robin") {
		t.Fatalf("account: %d", r.Status)
	}
	if r := c.PostForm("/logout", nil); r.Status != 303 {
		t.Fatalf("logout: %d", r.Status)
	}
	// Replaying the old token from another client must not work: it was revoked server-side.
	thief := app.Client()
	req := thief.NewRequest(http.MethodGet, "/account", nil)
	req.AddCookie(&http.Cookie{Name: "hearth_session", Value: after})
	if r := thief.Do(req); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("revoked session still works: %d %s", r.Status, r.Header.Get("Location"))
	}
}

func TestSessionsListAndEnd(t *testing.T) {
	app := handlerstest.New(t)
	laptop := app.Member("kai")
	mallory := app.Member("mallory")
	phone := app.Client()
	if r := phone.Login("kai", handlerstest.Password); r.Status != 303 {
		t.Fatalf("second login: %d", r.Status)
	}
	doc := laptop.Get("/account").Doc(t)
	rows := doc.Find("#session-list tbody tr")
	// The laptop's session from registering, and the phone's from logging in.
	if rows.Length() != 2 {
		t.Fatalf("sessions listed = %d, want 2", rows.Length())
	}
	if doc.Find("#session-list .badge").Length() != 1 {
		t.Fatalf("exactly one session should be marked as this browser")
	}
	// End the session that is not this browser's.
	var other, laptopEnd string
	rows.Each(func(_ int, s *goquery.Selection) {
		action, _ := s.Find("form").Attr("action")
		if s.Find(".badge").Length() == 0 {
			other = action
		} else {
			laptopEnd = action
		}
	})
	if other == "" {
		t.Fatal("no other session to end")
	}
	r := laptop.PostRaw(other, form("_csrf", laptop.CSRF()), http.Header{"Hx-Request": {"true"}})
	if r.Status != 200 || !strings.Contains(r.Body, `id="session-list"`) || strings.Contains(r.Body, "<html") {
		t.Fatalf("end session fragment: %d %.300s", r.Status, r.Body)
	}
	if r := phone.Get("/account"); r.Status != http.StatusSeeOther {
		t.Fatalf("ended session still logged in: %d", r.Status)
	}
	if r := laptop.Get("/account"); r.Status != 200 {
		t.Fatalf("laptop logged out by ending the phone's session: %d", r.Status)
	}
	// Someone else's session id is a 404, not a way to log them out.
	if r := mallory.PostForm(laptopEnd, nil); r.Status != http.StatusNotFound {
		t.Fatalf("ending another member's session: %d, want 404", r.Status)
	}
}
