package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"

	"github.com/hearth-community/hearth/store"
)

func openWithClock(t *testing.T) (*store.Store, *clock) {
	t.Helper()
	c := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	st, err := store.Open(context.Background(), store.Options{Path: filepath.Join(t.TempDir(), "hearth.db"), DatabaseURL: storetest.URL(t, ""), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st, c
}

func changes(st *store.Store) func() []store.Change {
	var mu sync.Mutex
	var got []store.Change
	st.OnChange(func(cs []store.Change) { mu.Lock(); got = append(got, cs...); mu.Unlock() })
	return func() []store.Change {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
}

func TestSocialAccountIdentitiesAndLastLoginMethod(t *testing.T) {
	st, _ := openWithClock(t)
	ctx := t.Context()
	take := changes(st)
	browser := []byte("browser-hash-1")
	if err := st.SetPendingIdentity(ctx, browser, store.PendingIdentity{Provider: "oidc", Subject: "sub-1", Next: "/groups"}, 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	// Nothing is an account yet.
	if n, _ := st.CountUsers(ctx); n != 0 {
		t.Fatalf("%d accounts before the name was chosen", n)
	}
	if _, _, err := st.CreateSocialUser(ctx, []byte("another-browser"), store.NewUser{Username: "social-a", DisplayName: "Fern"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another browser's pending identity: %v, want ErrNotFound", err)
	}
	u, p, err := st.CreateSocialUser(ctx, browser, store.NewUser{Username: "social-a", DisplayName: "Fern", PasswordHash: "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if u.PasswordHash != "" || p.Next != "/groups" || u.Role != store.RoleAdmin {
		t.Fatalf("user %+v pending %+v", u, p)
	}
	if got := take(); len(got) != 1 || got[0] != (store.Change{Kind: store.ChangeUser, UserID: u.ID}) {
		t.Fatalf("changes after social sign-up: %+v", got)
	}
	// The pending row is used up: a second submit finds nothing.
	if _, _, err := st.CreateSocialUser(ctx, browser, store.NewUser{Username: "social-b", DisplayName: "Moss"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("double submit: %v", err)
	}
	found, err := st.UserByIdentity(ctx, "oidc", "sub-1")
	if err != nil || found.ID != u.ID {
		t.Fatalf("UserByIdentity = %+v, %v", found, err)
	}
	if _, err := st.UserByIdentity(ctx, "github", "sub-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("same subject at another provider: %v", err)
	}
	ids, err := st.Identities(ctx, u.ID)
	if err != nil || len(ids) != 1 {
		t.Fatalf("identities %+v, %v", ids, err)
	}
	// The only way to log in cannot go.
	if err := st.UnlinkIdentity(ctx, u.ID, ids[0].ID); !errors.Is(err, store.ErrLastLoginMethod) {
		t.Fatalf("unlink the last method: %v", err)
	}
	if len(take()) != 0 {
		t.Fatal("a refused unlink announced a change")
	}
	// A second provider: now one of them may go.
	gh, err := st.LinkIdentity(ctx, u.ID, "github", "42")
	if err != nil {
		t.Fatal(err)
	}
	if got := take(); len(got) != 1 || got[0] != (store.Change{Kind: store.ChangeUser, UserID: u.ID}) {
		t.Fatalf("changes after link: %+v", got)
	}
	if _, err := st.LinkIdentity(ctx, u.ID, "github", "43"); !errors.Is(err, store.ErrProviderLinked) {
		t.Fatalf("second GitHub account: %v", err)
	}
	other, err := st.CreateUser(ctx, store.NewUser{Username: "other", DisplayName: "Other", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.LinkIdentity(ctx, other.ID, "github", "42"); !errors.Is(err, store.ErrIdentityTaken) {
		t.Fatalf("someone else's GitHub account: %v", err)
	}
	if err := st.UnlinkIdentity(ctx, other.ID, gh.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unlink another member's identity: %v", err)
	}
	if err := st.UnlinkIdentity(ctx, u.ID, gh.ID); err != nil {
		t.Fatal(err)
	}
	if got := take(); len(got) != 1 || got[0].Kind != store.ChangeUser {
		t.Fatalf("changes after unlink: %+v", got)
	}
	// A member with a password may unlink their only provider.
	oid, err := st.LinkIdentity(ctx, other.ID, "gitlab", "7")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UnlinkIdentity(ctx, other.ID, oid.ID); err != nil {
		t.Fatalf("unlink with a password left: %v", err)
	}
	// Deleting an account deletes its links.
	if err := st.DeleteUser(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
}

// Two unlinks at once of a member's two providers: exactly one may pass.
func TestUnlinkRaceKeepsOneLoginMethod(t *testing.T) {
	st, _ := openWithClock(t)
	ctx := t.Context()
	if err := st.SetPendingIdentity(ctx, []byte("b"), store.PendingIdentity{Provider: "oidc", Subject: "s"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	u, _, err := st.CreateSocialUser(ctx, []byte("b"), store.NewUser{Username: "social-x", DisplayName: "Willow"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.LinkIdentity(ctx, u.ID, "github", "1"); err != nil {
		t.Fatal(err)
	}
	ids, _ := st.Identities(ctx, u.ID)
	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = st.UnlinkIdentity(context.Background(), u.ID, id.ID) }()
	}
	wg.Wait()
	left, _ := st.Identities(ctx, u.ID)
	if len(left) != 1 {
		t.Fatalf("after two simultaneous unlinks %d identities left (errors %v), want 1", len(left), errs)
	}
}

func TestOAuthFlowsAreSingleUseAndExpire(t *testing.T) {
	st, clk := openWithClock(t)
	ctx := t.Context()
	f := store.OAuthFlow{BrowserHash: []byte("browser"), Provider: "oidc", Purpose: "login", Next: "/x"}
	if err := st.CreateOAuthFlow(ctx, []byte("state-1"), f, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	got, err := st.TakeOAuthFlow(ctx, []byte("state-1"))
	if err != nil || got.Provider != "oidc" || got.Next != "/x" || string(got.BrowserHash) != "browser" || got.UserID != 0 {
		t.Fatalf("take = %+v, %v", got, err)
	}
	if _, err := st.TakeOAuthFlow(ctx, []byte("state-1")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("replay: %v", err)
	}
	if err := st.CreateOAuthFlow(ctx, []byte("state-2"), f, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	clk.add(10 * time.Minute)
	if _, err := st.TakeOAuthFlow(ctx, []byte("state-2")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired: %v", err)
	}
	// Pending identities expire too.
	if err := st.SetPendingIdentity(ctx, []byte("b"), store.PendingIdentity{Provider: "oidc", Subject: "s"}, 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PendingIdentityFor(ctx, []byte("b")); err != nil {
		t.Fatal(err)
	}
	clk.add(30 * time.Minute)
	if _, err := st.PendingIdentityFor(ctx, []byte("b")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired pending identity: %v", err)
	}
	if _, _, err := st.CreateSocialUser(ctx, []byte("b"), store.NewUser{Username: "social-y", DisplayName: "Late"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("sign-up with an expired pending identity: %v", err)
	}
	// The sweep removes the expired sign-up and keeps a live flow (expired flows also go
	// whenever a new one is created).
	if err := st.CreateOAuthFlow(ctx, []byte("state-3"), f, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	if n, err := st.DeleteExpiredLoginFlows(ctx); err != nil || n != 1 {
		t.Fatalf("sweep removed %d, %v; want the expired sign-up", n, err)
	}
	if _, err := st.PendingIdentityFor(ctx, []byte("b")); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := st.TakeOAuthFlow(ctx, []byte("state-3")); err != nil {
		t.Fatalf("the sweep took a live flow: %v", err)
	}
}

func TestLocalRegistrationSetting(t *testing.T) {
	st, _ := openWithClock(t)
	ctx := t.Context()
	take := changes(st)
	if closed, err := st.LocalRegistrationClosed(ctx); err != nil || closed {
		t.Fatalf("default: closed=%v err=%v", closed, err)
	}
	for _, want := range []bool{true, false, true} {
		if err := st.SetLocalRegistrationClosed(ctx, want); err != nil {
			t.Fatal(err)
		}
		if closed, err := st.LocalRegistrationClosed(ctx); err != nil || closed != want {
			t.Fatalf("after setting %v: %v, %v", want, closed, err)
		}
	}
	if got := take(); len(got) != 3 || got[0].Kind != store.ChangeSettings {
		t.Fatalf("changes: %+v", got)
	}
}
