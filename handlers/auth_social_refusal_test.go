package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// Every way a callback can be wrong fails with a friendly page and the right status, and
// writes nothing: no account, identity, session or pending sign-up.
func TestSocialOIDCRefusesBadCallbacks(t *testing.T) {
	f := newOIDCFixture(t)
	withQuery := func(path string, edit func(url.Values)) string {
		u, _ := url.Parse(path)
		q := u.Query()
		edit(q)
		u.RawQuery = q.Encode()
		return u.RequestURI()
	}
	cases := []struct {
		name   string
		run    func() *handlerstest.Response
		status int
		says   string
	}{
		{"missing state", func() *handlerstest.Response {
			c := f.app.Client()
			cb := f.authorize(c, f.start(c, "login", ""))
			return c.Get(withQuery(cb, func(q url.Values) { q.Del("state") }))
		}, http.StatusBadRequest, "expired or was already used"},
		{"mismatched state", func() *handlerstest.Response {
			c := f.app.Client()
			cb := f.authorize(c, f.start(c, "login", ""))
			return c.Get(withQuery(cb, func(q url.Values) { q.Set("state", q.Get("state")+"x") }))
		}, http.StatusBadRequest, "expired or was already used"},
		{"another flow's state of the same browser", func() *handlerstest.Response {
			c := f.app.Client()
			first := f.start(c, "login", "").Query().Get("state")
			cb := f.authorize(c, f.start(c, "login", ""))
			// The code of the second flow with the state of the first: each state is
			// tied to its own PKCE verifier and nonce, so the exchange cannot succeed.
			return c.Get(withQuery(cb, func(q url.Values) { q.Set("state", first) }))
		}, http.StatusBadGateway, "did not complete"},
		{"callback without a browser session", func() *handlerstest.Response {
			c := f.app.Client()
			cb := f.authorize(c, f.start(c, "login", ""))
			return f.app.Client().Get(cb)
		}, http.StatusBadRequest, "did not start in this browser"},
		{"callback in another browser with a flow of its own", func() *handlerstest.Response {
			c, other := f.app.Client(), f.app.Client()
			cb := f.authorize(c, f.start(c, "login", ""))
			f.start(other, "login", "")
			return other.Get(cb)
		}, http.StatusForbidden, "started somewhere else"},
		{"provider error", func() *handlerstest.Response {
			c := f.app.Client()
			cb := f.authorize(c, f.start(c, "login", ""))
			return c.Get(withQuery(cb, func(q url.Values) { q.Del("code"); q.Set("error", "access_denied") }))
		}, http.StatusForbidden, "chose not to continue"},
		{"wrong nonce", func() *handlerstest.Response {
			c := f.app.Client()
			f.wrongNonce.Store(true)
			cb := f.authorize(c, f.start(c, "login", ""))
			f.wrongNonce.Store(false)
			return c.Get(cb)
		}, http.StatusForbidden, "could not verify"},
		{"ID token signed by another key", forged(f, func(jwt.MapClaims) *mockoidc.Keypair { return f.other }), http.StatusForbidden, "could not verify"},
		{"ID token for another client", forged(f, func(c jwt.MapClaims) *mockoidc.Keypair {
			c["aud"] = "another-client"
			return f.m.Keypair
		}), http.StatusForbidden, "could not verify"},
		{"ID token from another issuer", forged(f, func(c jwt.MapClaims) *mockoidc.Keypair {
			c["iss"] = "https://issuer.example"
			return f.m.Keypair
		}), http.StatusForbidden, "could not verify"},
		{"expired ID token", forged(f, func(c jwt.MapClaims) *mockoidc.Keypair {
			c["exp"] = time.Now().Add(-time.Hour).Unix()
			return f.m.Keypair
		}), http.StatusForbidden, "could not verify"},
		{"logged in during the flow", func() *handlerstest.Response {
			c := f.app.Client()
			cb := f.authorize(c, f.start(c, "login", ""))
			c.Register("switcher"+strconv.Itoa(int(time.Now().UnixNano()%100000)), "Switcher", handlerstest.Password)
			before := f.written()
			r := c.Get(cb)
			if after := f.written(); after != before {
				t.Errorf("logged in during the flow: wrote %v -> %v", before, after)
			}
			return r
		}, http.StatusForbidden, "logged in or out"},
		{"unknown provider", func() *handlerstest.Response {
			c := f.app.Client()
			cb := f.authorize(c, f.start(c, "login", ""))
			return c.Get(strings.Replace(cb, "/auth/oidc/", "/auth/github/", 1))
		}, http.StatusNotFound, ""},
	}
	for _, tc := range cases {
		before := f.written()
		r := tc.run()
		if r.Status != tc.status || !strings.Contains(r.Body, tc.says) {
			t.Errorf("%s: status %d, want %d saying %q; body %.400s", tc.name, r.Status, tc.status, tc.says, r.Doc(t).Find("main").Text())
		}
		if tc.name == "logged in during the flow" {
			continue // it registers an account before its callback and checks on its own
		}
		if after := f.written(); after != before {
			t.Errorf("%s: wrote users, identities, sessions, pending %v -> %v", tc.name, before, after)
		}
	}

	// Replay: the state works once; the same callback again is refused and changes nothing.
	c := f.app.Client()
	cb := f.authorize(c, f.start(c, "login", ""))
	if r := c.Get(cb); r.Status != http.StatusSeeOther {
		t.Fatalf("first use: %d", r.Status)
	}
	before := f.written()
	if r := c.Get(cb); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "already used") {
		t.Fatalf("replay: %d", r.Status)
	}
	if after := f.written(); after != before {
		t.Fatalf("replay wrote %v -> %v", before, after)
	}

	// Expiry: ten minutes at the provider is the limit (the last case: the clock only
	// moves forward).
	c = f.app.Client()
	cb = f.authorize(c, f.start(c, "login", ""))
	f.app.Clock.Advance(10*time.Minute + time.Second)
	before = f.written()
	if r := c.Get(cb); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "expired") {
		t.Fatalf("expired state: %d", r.Status)
	}
	if after := f.written(); after != before {
		t.Fatalf("expired state wrote %v -> %v", before, after)
	}
}

// forged runs a flow whose ID token the provider rewrites with edit.
func forged(f *oidcFixture, edit func(jwt.MapClaims) *mockoidc.Keypair) func() *handlerstest.Response {
	return func() *handlerstest.Response {
		c := f.app.Client()
		cb := f.authorize(c, f.start(c, "login", ""))
		f.forge.Store(&edit)
		defer f.forge.Store(nil)
		return c.Get(cb)
	}
}
