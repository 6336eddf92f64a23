package handlers

import (
	"fmt"
	"testing"
	"time"
)

func TestSafeNext(t *testing.T) {
	const fb = "/fallback"
	for _, tc := range []struct{ in, want string }{
		{"", fb},
		{"/", "/"},
		{"/groups", "/groups"},
		{"/invites/abc_DEF-123", "/invites/abc_DEF-123"},
		{"/groups/night-owls/messages?before=12", "/groups/night-owls/messages?before=12"},
		{"/groups#chat", "/groups#chat"},
		// Other sites, however they are spelled.
		{"//evil.example", fb},
		{"///evil.example", fb},
		{"/\\evil.example", fb},
		{"\\\\evil.example", fb},
		{"https://evil.example", fb},
		{"http:/evil.example", fb},
		{"javascript:alert(1)", fb},
		{"evil.example", fb},
		{"groups", fb},
		// Control bytes and their encodings: browsers drop tabs and newlines from URLs.
		{"/\t/evil.example", fb},
		{"/%09/evil.example", fb},
		{"/%0a/evil.example", fb},
		{"/%0d%0a/evil.example", fb},
		{"/\n/evil.example", fb},
		{"/%00/evil.example", fb},
		{"/%7f/evil.example", fb},
		// Encoded slashes and backslashes.
		{"/%2F%2Fevil.example", fb},
		{"/%2fevil.example", fb},
		{"/%5Cevil.example", fb},
		{"/%5c%5cevil.example", fb},
		{"/groups//evil", fb},
		// Junk that does not parse, and non-ASCII.
		{"/%zz", fb},
		{"/gr\u00f6ups", fb},
		{"/" + string(make([]byte, maxNextLen)), fb},
	} {
		if got := safeNext(tc.in, fb); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestClientNet(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"203.0.113.9", "203.0.113.9"},
		{"::ffff:203.0.113.9", "203.0.113.9"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:bbbb:cccc:dddd:eeee", "2001:db8:1:2::/64"},
		{"not-an-ip", "not-an-ip"},
	} {
		if got := clientNet(tc.in); got != tc.want {
			t.Errorf("clientNet(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := truncatedNet("203.0.113.9"); got != "203.0.113.0/24" {
		t.Errorf("truncatedNet v4 = %q", got)
	}
	if got := truncatedNet("2001:db8:1:2::1"); got != "2001:db8:1::/48" {
		t.Errorf("truncatedNet v6 = %q", got)
	}
}

// fakeClock is a clock a test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestLoginBackoff(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	b := newLoginBackoff(clk.now)

	// The free failures cost nothing.
	for i := 0; i < loginFreeFailures-1; i++ {
		b.fail(t.Context(), "Sam")
		if w := b.wait(t.Context(), "sam"); w != 0 {
			t.Fatalf("after %d failures: wait %v, want 0", i+1, w)
		}
	}
	// Then each failure doubles the lock, up to the cap; the username's case does not matter.
	want := loginBaseDelay
	for i := 0; i < 10; i++ {
		b.fail(t.Context(), "SAM")
		w := b.wait(t.Context(), "sam")
		if w != want {
			t.Fatalf("lock %d: wait %v, want %v", i, w, want)
		}
		clk.advance(w / 2)
		if b.wait(t.Context(), "sam") <= 0 {
			t.Fatalf("lock %d ended half way", i)
		}
		clk.advance(w - w/2)
		if w := b.wait(t.Context(), "sam"); w != 0 {
			t.Fatalf("lock %d still on after its delay: %v", i, w)
		}
		want = min(2*want, loginMaxDelay)
	}
	if want != loginMaxDelay {
		t.Fatalf("the lock never reached its cap: %v", want)
	}
	// Other usernames are untouched.
	if w := b.wait(t.Context(), "alex"); w != 0 {
		t.Fatalf("another username waits %v", w)
	}
	// A success forgets everything.
	b.succeed(t.Context(), "sAm")
	b.fail(t.Context(), "sam")
	if w := b.wait(t.Context(), "sam"); w != 0 {
		t.Fatalf("after success and one failure: wait %v", w)
	}
	// Failures long ago no longer count, and their entries are swept.
	for i := 0; i < loginFreeFailures-1; i++ {
		b.fail(t.Context(), "kim")
	}
	clk.advance(b.forget() + time.Minute)
	b.fail(t.Context(), "kim")
	if w := b.wait(t.Context(), "kim"); w != 0 {
		t.Fatalf("old failures still counted: wait %v", w)
	}
	if _, ok := b.accounts["sam"]; ok {
		t.Fatalf("stale entry not swept")
	}
}

func TestLoginBackoffIsBounded(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	b := newLoginBackoff(clk.now)
	for i := 0; i < maxBackoffAccounts+10; i++ {
		b.fail(t.Context(), fmt.Sprint("guess", i))
	}
	if n := len(b.accounts); n > maxBackoffAccounts {
		t.Fatalf("%d usernames remembered, bound is %d", n, maxBackoffAccounts)
	}
}
