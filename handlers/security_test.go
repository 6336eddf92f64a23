package handlers_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

func TestRolesAreCheckedOnTheServer(t *testing.T) {
	app := handlerstest.New(t)
	admin := app.Member("ada")
	member := app.Member("ben")
	ben, _ := app.Store.UserByUsername(t.Context(), "ben")
	ada, _ := app.Store.UserByUsername(t.Context(), "ada")
	visitor := app.Client()

	cases := []struct {
		name   string
		client *handlerstest.Client
		method string
		path   string
		role   string
		status int
	}{
		{"visitor sent to login", visitor, "GET", "/admin/users", "", http.StatusSeeOther},
		{"member forbidden page", member, "GET", "/admin/users", "", http.StatusForbidden},
		{"member cannot change roles", member, "POST", "/admin/users/" + itoa(ben.ID) + "/role", "admin", http.StatusForbidden},
		{"admin sees members", admin, "GET", "/admin/users", "", http.StatusOK},
		{"admin appoints moderator", admin, "POST", "/admin/users/" + itoa(ben.ID) + "/role", "moderator", http.StatusSeeOther},
		{"unknown role refused", admin, "POST", "/admin/users/" + itoa(ben.ID) + "/role", "king", http.StatusBadRequest},
		{"last admin cannot step down", admin, "POST", "/admin/users/" + itoa(ada.ID) + "/role", "member", http.StatusConflict},
		{"unknown member", admin, "POST", "/admin/users/99999/role", "member", http.StatusNotFound},
		{"visitor cannot post", visitor, "POST", "/admin/users/" + itoa(ben.ID) + "/role", "admin", http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r *handlerstest.Response
			if tc.method == "GET" {
				r = tc.client.Get(tc.path)
			} else {
				r = tc.client.PostForm(tc.path, form("role", tc.role))
			}
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %.400s", r.Status, tc.status, r.Body)
			}
		})
	}
	if u, _ := app.Store.UserByID(t.Context(), ben.ID); u.Role != "moderator" {
		t.Fatalf("ben's role = %s, want moderator", u.Role)
	}
	// A moderator is still not an admin.
	if r := member.Get("/admin/users"); r.Status != http.StatusForbidden {
		t.Fatalf("moderator on admin page: %d", r.Status)
	}
	// The HTMX variant answers with the row fragment.
	r := admin.PostRaw("/admin/users/"+itoa(ben.ID)+"/role", form("role", "member", "_csrf", admin.CSRF()), http.Header{"Hx-Request": {"true"}})
	if r.Status != 200 || !strings.Contains(r.Body, `id="user-`+itoa(ben.ID)+`"`) || strings.Contains(r.Body, "<html") {
		t.Fatalf("role fragment: %d %.300s", r.Status, r.Body)
	}
}

func TestCSRF(t *testing.T) {
	app := handlerstest.New(t)
	c := app.Member("cleo")
	cases := []struct {
		name   string
		form   map[string]string
		header http.Header
		status int
	}{
		{"missing token", nil, nil, http.StatusForbidden},
		{"wrong token", map[string]string{"_csrf": strings.Repeat("x", 43)}, nil, http.StatusForbidden},
		{"token in form", map[string]string{"_csrf": "TOKEN"}, nil, http.StatusSeeOther},
		{"token in header", nil, http.Header{"X-Csrf-Token": {"TOKEN"}}, http.StatusSeeOther},
		{"cross-site fetch", map[string]string{"_csrf": "TOKEN"}, http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"foreign origin", map[string]string{"_csrf": "TOKEN"}, http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden},
		{"same origin", map[string]string{"_csrf": "TOKEN"}, http.Header{"Origin": {app.URL}, "Sec-Fetch-Site": {"same-origin"}}, http.StatusSeeOther},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Log in again first: a successful logout ends the session. Logging in replaces
			// the token, so the cases use the one issued at this login.
			c.Login("cleo", handlerstest.Password)
			token := c.CSRF()
			f := form()
			for k, v := range tc.form {
				f.Set(k, strings.ReplaceAll(v, "TOKEN", token))
			}
			for _, v := range tc.header {
				for i := range v {
					v[i] = strings.ReplaceAll(v[i], "TOKEN", token)
				}
			}
			r := c.PostRaw("/logout", f, tc.header)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d", r.Status, tc.status)
			}
			if tc.status == http.StatusForbidden && !strings.Contains(r.Body, "reload the page") {
				t.Errorf("403 without the friendly message: %.300s", r.Body)
			}
		})
	}
	// Without a CSRF cookie at all (a forged cross-site form from a fresh browser).
	stranger := app.Client()
	if r := stranger.PostRaw("/register", form("username", "x", "_csrf", "anything"), nil); r.Status != http.StatusForbidden {
		t.Fatalf("register without CSRF cookie: %d", r.Status)
	}
}

func TestRateLimitOnLogin(t *testing.T) {
	app := handlerstest.New(t, handlerstest.WithAuthRate(3))
	c := app.Client()
	tok := c.CSRF()
	attempt := func(h http.Header) int {
		return c.PostRaw("/login", form("username", "x", "password", "wrong-password", "_csrf", tok), h).Status
	}
	for i := 0; i < 3; i++ {
		if s := attempt(nil); s != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: %d", i, s)
		}
	}
	r := c.PostRaw("/login", form("username", "x", "password", "wrong-password", "_csrf", tok), nil)
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "wait a minute") {
		t.Fatalf("4th attempt: %d %.200s", r.Status, r.Body)
	}
	// A spoofed X-Forwarded-For must not buy a fresh bucket: no proxy is trusted.
	if s := attempt(http.Header{"X-Forwarded-For": {"203.0.113.9"}}); s != http.StatusTooManyRequests {
		t.Fatalf("spoofed X-Forwarded-For changed the bucket: %d", s)
	}
	// HTMX requests get the message as a fragment aimed at #flash.
	r = c.PostRaw("/login", form("username", "x", "password", "y", "_csrf", tok), http.Header{"Hx-Request": {"true"}})
	if r.Status != 429 || r.Header.Get("HX-Retarget") != "#flash" || strings.Contains(r.Body, "<html") {
		t.Fatalf("htmx 429: %d %q %.200s", r.Status, r.Header.Get("HX-Retarget"), r.Body)
	}
}

func TestSecurityHeadersAndErrors(t *testing.T) {
	app := handlerstest.New(t)
	c := app.Client()
	r := c.Get("/")
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "same-origin",
		"Cache-Control":           "no-store",
		"Vary":                    "HX-Request",
	}
	for k, v := range want {
		if !strings.Contains(r.Header.Get(k), v) {
			t.Errorf("%s = %q, want %q", k, r.Header.Get(k), v)
		}
	}
	csp := r.Header.Get("Content-Security-Policy")
	for _, bad := range []string{"unsafe-inline", "unsafe-eval"} {
		if strings.Contains(csp, bad) {
			t.Errorf("CSP allows %s", bad)
		}
	}
	if !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Error("CSP lacks frame-ancestors 'none'")
	}
	doc := r.Doc(t)
	if doc.Find("script:not([src])").Length() != 0 || doc.Find("[style]").Length() != 0 {
		t.Error("page has an inline script or style attribute")
	}
	cfg, _ := doc.Find(`meta[name="htmx-config"]`).Attr("content")
	for _, want := range []string{`"allowEval":false`, `"selfRequestsOnly":true`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("htmx config lacks %s: %s", want, cfg)
		}
	}
	if sc := r.Header.Get("Set-Cookie"); !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Errorf("CSRF cookie flags: %s", sc)
	}

	nf := c.Get("/no/such/page")
	if nf.Status != 404 || !strings.Contains(nf.Body, "Page not found") || !strings.Contains(nf.Body, "<html") {
		t.Fatalf("404 page: %d %.200s", nf.Status, nf.Body)
	}
	req := c.NewRequest("GET", "/no/such/page", nil)
	req.Header.Set("HX-Request", "true")
	frag := c.Do(req)
	if frag.Status != 404 || strings.Contains(frag.Body, "<html") || !strings.Contains(frag.Body, "alert-error") {
		t.Fatalf("404 fragment: %d %.200s", frag.Status, frag.Body)
	}
	if h := c.Get("/healthz"); h.Status != 200 {
		t.Fatalf("healthz: %d", h.Status)
	}
	// Assets are served with long-lived caching under their content hash.
	href, _ := doc.Find(`link[rel=stylesheet]`).Attr("href")
	a := c.Get(href)
	if a.Status != 200 || !strings.Contains(a.Header.Get("Cache-Control"), "immutable") || !strings.Contains(a.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("asset %s: %d %q", href, a.Status, a.Header.Get("Cache-Control"))
	}
	if big := c.PostRaw("/login", form("username", strings.Repeat("x", 2<<20), "_csrf", c.CSRF()), nil); big.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d", big.Status)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
