package handlers_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hearth-community/hearth/handlers"
	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// behindProxy trusts loopback as a proxy, so tests choose the client address with
// X-Forwarded-For.
func behindProxy(c *handlers.Config) {
	c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

// tryRegister posts a registration that fails validation (so nothing is created) from addr.
func tryRegister(c *handlerstest.Client, addr string) *handlerstest.Response {
	return c.PostRaw("/register", form("_csrf", c.CSRF(), "username", "someone", "display_name", "Someone", "password", "short"),
		http.Header{"X-Forwarded-For": {addr}})
}

func TestRegistrationThrottledPerIPv6Slash64(t *testing.T) {
	app := handlerstest.New(t, behindProxy, handlerstest.WithAuthRate(3),
		func(c *handlers.Config) { c.RegisterPerMinute = 1000 })
	c := app.Client()
	// Every attempt from a new address in one /64: the /64 is one client.
	limited := false
	for i := 1; i <= 20 && !limited; i++ {
		limited = tryRegister(c, fmt.Sprintf("2001:db8:1:2::%x", i)).Status == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("20 attempts from 20 addresses of one /64 were never limited")
	}
	if s := tryRegister(c, "2001:db8:1:3::1").Status; s != http.StatusUnprocessableEntity {
		t.Fatalf("the next /64 is limited too: %d", s)
	}
	// IPv4 stays per address.
	limited = false
	for i := 0; i < 20 && !limited; i++ {
		limited = tryRegister(c, "198.51.100.7").Status == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("one IPv4 address was never limited")
	}
	if s := tryRegister(c, "198.51.100.8").Status; s != http.StatusUnprocessableEntity {
		t.Fatalf("the neighbouring IPv4 address is limited too: %d", s)
	}
}

func TestRegistrationGlobalBudget(t *testing.T) {
	app := handlerstest.New(t, behindProxy, func(c *handlers.Config) { c.RegisterPerMinute = 3 })
	c := app.Client()
	var r *handlerstest.Response
	for i := 1; i <= 20; i++ { // each from its own network
		if r = tryRegister(c, fmt.Sprintf("2001:db8:%x::1", i)); r.Status == http.StatusTooManyRequests {
			break
		}
	}
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "Many people are joining") {
		t.Fatalf("20 registrations from 20 networks were never limited: %d", r.Status)
	}
	// Logging in is not held up by a rush of sign-ups.
	if s := c.PostRaw("/login", form("_csrf", c.CSRF(), "username", "x", "password", "y"), nil).Status; s != http.StatusUnprocessableEntity {
		t.Fatalf("login during a sign-up rush: %d", s)
	}
	app.Clock.Advance(time.Minute)
	if s := tryRegister(c, "2001:db8:ffff::1").Status; s != http.StatusUnprocessableEntity {
		t.Fatalf("a minute later, registration is still refused: %d", s)
	}
}

func TestLoginBackoffPerAccount(t *testing.T) {
	app := handlerstest.New(t)
	app.Member("sam")
	c := app.Client()
	attempt := func(user, pw string) *handlerstest.Response {
		return c.PostRaw("/login", form("_csrf", c.CSRF(), "username", user, "password", pw), http.Header{"Hx-Request": {"true"}})
	}
	refusal := map[string]string{}
	for _, user := range []string{"sam", "nobody"} {
		for i := 0; i < 5; i++ {
			if r := attempt(user, "wrong-password-1"); r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s failure %d: %d", user, i, r.Status)
			}
		}
		// Now even the right password is refused, for an existing and a made-up account alike.
		r := attempt(user, handlerstest.Password)
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s after 5 failures: %d (Retry-After %q)", user, r.Status, r.Header.Get("Retry-After"))
		}
		refusal[user] = r.Body
	}
	if refusal["sam"] != refusal["nobody"] {
		t.Fatalf("the refusal tells an existing account from a made-up one:\n%s\n%s", refusal["sam"], refusal["nobody"])
	}
	if !strings.Contains(refusal["sam"], "too many unsuccessful attempts") {
		t.Fatalf("refusal without a friendly message: %s", refusal["sam"])
	}
	// Other accounts are not held up.
	if r := attempt("sam2", "wrong-password-1"); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("another username: %d", r.Status)
	}
	// After the delay the member gets in, and that resets the count.
	app.Clock.Advance(time.Minute)
	if r := attempt("sam", handlerstest.Password); r.Status != http.StatusNoContent {
		t.Fatalf("after the delay: %d", r.Status)
	}
	c = app.Client()
	if r := attempt("sam", "wrong-password-1"); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("one failure after a success: %d", r.Status)
	}
	if r := attempt("sam", handlerstest.Password); r.Status != http.StatusNoContent {
		t.Fatalf("success after a reset: %d", r.Status)
	}
}
