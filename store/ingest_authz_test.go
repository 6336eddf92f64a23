package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// clock is a store clock the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestCommitterAsksThePolicyInTheTransaction posts through a committer that asks authz, as
// the chat's does: a member whose membership or session ended a moment ago (with no live
// re-check in between) is refused, and nothing is written.
func TestCommitterAsksThePolicyInTheTransaction(t *testing.T) {
	ctx := context.Background()
	clk := &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "hearth.db"), DatabaseURL: storetest.URL(t, ""), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := st.NewCommitter(ctx, store.CommitterOptions{MayPost: authz.LivePost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	g, err := st.GroupBySlug(ctx, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	member := func(name string) (store.User, store.Session) {
		t.Helper()
		u, err := st.CreateUser(ctx, store.NewUser{Username: name, DisplayName: "peer_" + name})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Join(ctx, g.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		s, err := st.CreateSession(ctx, u.ID, []byte(name), time.Hour, "", "")
		if err != nil {
			t.Fatal(err)
		}
		return u, s
	}
	post := func(u store.User, s store.Session, clientID string) (store.Posted, error) {
		return c.Post(ctx, store.NewMessage{GroupID: g.ID, SessionID: s.ID, AuthorID: u.ID, AuthorName: "stale name",
			ClientID: clientID, Body: "hello"})
	}
	count := func() int {
		t.Helper()
		n, err := st.CountMessages(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	ana, anaSess := member("ana")
	p, err := post(ana, anaSess, "a1")
	if err != nil {
		t.Fatalf("member's post: %v", err)
	}
	if p.AuthorName != "peer_ana" {
		t.Fatalf("author name %q, want the account's current name", p.AuthorName)
	}

	for _, tc := range []struct {
		name   string
		end    func(store.User, store.Session)
		reason error
	}{
		{"removed", func(u store.User, _ store.Session) {
			if err := st.Leave(ctx, g.ID, u.ID); err != nil {
				t.Fatal(err)
			}
		}, authz.ErrNotMember},
		{"logged out", func(u store.User, s store.Session) {
			if err := st.DeleteSession(ctx, u.ID, s.ID); err != nil {
				t.Fatal(err)
			}
		}, authz.ErrNoSession},
		{"session expired", func(store.User, store.Session) { clk.add(2 * time.Hour) }, authz.ErrNoSession},
		{"account deleted", func(u store.User, _ store.Session) {
			if err := st.DeleteUser(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
		}, authz.ErrNoAccount},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, s := member(tc.name[:3] + "x")
			if _, err := post(u, s, "before"); err != nil {
				t.Fatalf("post before: %v", err)
			}
			tc.end(u, s)
			before := count()
			_, err := post(u, s, "after")
			if !errors.Is(err, store.ErrRefused) || !errors.Is(err, tc.reason) {
				t.Fatalf("post after: %v, want refused with %v", err, tc.reason)
			}
			if n := count(); n != before {
				t.Fatalf("%d messages after a refused post, want %d", n, before)
			}
		})
	}
	// Someone else's session does not carry a post.
	ben, _ := member("ben")
	_, carl := member("carl")
	if _, err := post(ben, carl, "b1"); !errors.Is(err, authz.ErrNoSession) {
		t.Fatalf("post with another member's session: %v", err)
	}
}
