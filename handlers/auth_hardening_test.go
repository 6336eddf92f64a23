package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-community/hearth/handlers"
	"github.com/hearth-community/hearth/handlers/handlerstest"
)

func TestCSRFTokenNotFromQueryString(t *testing.T) {
	app := handlerstest.New(t)
	c := app.Member("cleo")
	tok := c.CSRF()
	if r := c.PostRaw("/logout?_csrf="+url.QueryEscape(tok), url.Values{}, nil); r.Status != http.StatusForbidden {
		t.Fatalf("token in the query string: %d, want 403", r.Status)
	}
	if r := c.PostRaw("/logout?_csrf="+url.QueryEscape(tok), form("_csrf", tok), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("token in the body: %d, want 303", r.Status)
	}
}

func TestCSRFTokenRotatesAtLoginAndLogout(t *testing.T) {
	app := handlerstest.New(t)
	app.Member("cleo")
	c := app.Client()
	before := c.CSRF()
	if r := c.Login("cleo", handlerstest.Password); r.Status != http.StatusSeeOther {
		t.Fatalf("login: %d", r.Status)
	}
	during := c.CSRF()
	if during == before {
		t.Fatal("the CSRF token was not replaced at login")
	}
	if r := c.PostRaw("/logout", form("_csrf", before), nil); r.Status != http.StatusForbidden {
		t.Fatalf("token from before login still works: %d", r.Status)
	}
	// The page after login carries the new token.
	if got := c.Get("/account").Doc(t).Find(`form[action="/logout"] input[name="_csrf"]`).AttrOr("value", ""); got != during {
		t.Fatalf("page token %q, cookie token %q", got, during)
	}
	if r := c.PostRaw("/logout", form("_csrf", during), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.Status)
	}
	if c.CSRF() == during {
		t.Fatal("the CSRF token was not replaced at logout")
	}
	if r := c.PostRaw("/login", form("_csrf", during, "username", "cleo", "password", handlerstest.Password), nil); r.Status != http.StatusForbidden {
		t.Fatalf("token from before logout still works: %d", r.Status)
	}
	// Registering is a login too.
	n := app.Client()
	before = n.CSRF()
	n.Register("newbie", "NewLeaf", handlerstest.Password)
	if n.CSRF() == before {
		t.Fatal("the CSRF token was not replaced at registration")
	}
}

func TestCSRFCookieHostPrefixBehindHTTPS(t *testing.T) {
	app := handlerstest.New(t, func(c *handlers.Config) {
		c.BaseURL = &url.URL{Scheme: "https", Host: c.BaseURL.Host}
	})
	c := app.Client()
	r := c.Get("/")
	sc := r.Header.Get("Set-Cookie")
	if !strings.HasPrefix(sc, "__Host-hearth_csrf=") || !strings.Contains(sc, "Path=/") ||
		!strings.Contains(sc, "Secure") || strings.Contains(strings.ToLower(sc), "domain=") {
		t.Fatalf("CSRF cookie behind https: %s", sc)
	}
	tok := strings.TrimPrefix(strings.SplitN(sc, ";", 2)[0], "__Host-hearth_csrf=")
	post := func(cookie string) int {
		req, _ := http.NewRequest(http.MethodPost, app.URL+"/login", strings.NewReader(form("_csrf", tok, "username", "x", "password", "y").Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", cookie+"="+tok)
		res, err := http.DefaultClient.Do(req) // no cookie jar: only the cookie given here
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := post("__Host-hearth_csrf"); s != http.StatusUnprocessableEntity {
		t.Fatalf("__Host- cookie refused: %d", s)
	}
	if s := post("hearth_csrf"); s != http.StatusForbidden {
		t.Fatalf("the plain cookie name is accepted behind https: %d", s)
	}

	plain := handlerstest.New(t).Client().Get("/").Header.Get("Set-Cookie")
	if !strings.HasPrefix(plain, "hearth_csrf=") {
		t.Fatalf("CSRF cookie over http: %s", plain)
	}
}

// sessionSetCookie returns the Set-Cookie header for the session, or "".
func sessionSetCookie(r *handlerstest.Response) string {
	for _, sc := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, "hearth_session=") {
			return sc
		}
	}
	return ""
}

func TestSessionCookieSlidesWithTheSession(t *testing.T) {
	app := handlerstest.New(t) // SessionTTL 24h
	c := app.Member("robin")
	token := c.Cookie("hearth_session")
	if sc := sessionSetCookie(c.Get("/account")); sc != "" {
		t.Fatalf("the cookie is renewed on every request: %s", sc)
	}
	for i := 0; i < 3; i++ { // 3 × 20h: well past one TTL, kept alive by activity
		app.Clock.Advance(20 * time.Hour)
		r := c.Get("/account")
		if r.Status != http.StatusOK {
			t.Fatalf("step %d: logged out while active: %d", i, r.Status)
		}
		sc := sessionSetCookie(r)
		if sc == "" || !strings.HasPrefix(sc, "hearth_session="+token+";") || !strings.Contains(sc, "Max-Age=86400") || !strings.Contains(sc, "HttpOnly") {
			t.Fatalf("step %d: session cookie not renewed with the same token and a fresh Max-Age: %q", i, sc)
		}
	}
	// Just after a touch, no renewal.
	app.Clock.Advance(time.Minute)
	if sc := sessionSetCookie(c.Get("/account")); sc != "" {
		t.Fatalf("renewed without a touch: %s", sc)
	}
}
