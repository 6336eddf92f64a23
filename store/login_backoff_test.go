package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/store/storetest"
)

// TestLoginBackoffIsShared checks the shared login back-off across two stores on one
// database (two nodes): failures on either count, concurrent ones each count, a success
// clears, and a count is forgotten after 2×Max.
func TestLoginBackoffIsShared(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	open := func() *store.Store {
		st, err := store.Open(ctx, store.Options{Path: path, DatabaseURL: storetest.URL(t, path), Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return st
	}
	a, b := open(), open()
	rule := store.BackoffRule{Free: 5, Base: 30 * time.Second, Max: 15 * time.Minute}

	// Four failures at once, two on each node: every one counts, none refuses yet.
	var wg sync.WaitGroup
	for _, st := range []*store.Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.RecordLoginFailure(ctx, "sam", rule); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if until, err := b.LoginBackoffUntil(ctx, "sam"); err != nil || !until.IsZero() {
		t.Fatalf("after 4 failures: refused until %v (%v)", until, err)
	}
	// The fifth, on the other node, refuses for Base on both.
	until, err := a.RecordLoginFailure(ctx, "sam", rule)
	if err != nil || !until.Equal(clock().Add(rule.Base)) {
		t.Fatalf("fifth failure: until %v (%v), want %v", until, err, clock().Add(rule.Base))
	}
	if got, _ := b.LoginBackoffUntil(ctx, "sam"); !got.Equal(until) {
		t.Fatalf("the other node sees %v, want %v", got, until)
	}
	if got, _ := b.LoginBackoffUntil(ctx, "alex"); !got.IsZero() {
		t.Fatal("another username is refused too")
	}
	// The sixth doubles it.
	advance(rule.Base)
	if until, _ = b.RecordLoginFailure(ctx, "sam", rule); !until.Equal(clock().Add(2 * rule.Base)) {
		t.Fatalf("sixth failure: until %v, want %v", until, clock().Add(2*rule.Base))
	}
	// A success on one node clears it for both.
	if err := a.ClearLoginFailures(ctx, "sam"); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.LoginBackoffUntil(ctx, "sam"); !got.IsZero() {
		t.Fatal("still refused after a success")
	}
	// Old failures are forgotten: five, then 2×Max later one more does not refuse.
	for range 5 {
		if _, err := a.RecordLoginFailure(ctx, "kim", rule); err != nil {
			t.Fatal(err)
		}
	}
	advance(rule.Forget() + time.Second)
	if until, _ = b.RecordLoginFailure(ctx, "kim", rule); !until.IsZero() {
		t.Fatalf("a failure long after the others refuses until %v", until)
	}
}

// TestEraseUserForgetsTheirLoginFailures: erasing an account takes the failed logins
// counted under its username with it.
func TestEraseUserForgetsTheirLoginFailures(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	st, err := store.Open(ctx, store.Options{Path: path, DatabaseURL: storetest.URL(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"admin", "Sam"} {
		if _, err := st.CreateUser(ctx, store.NewUser{Username: name, DisplayName: name + " D", PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	rule := store.BackoffRule{Free: 1, Base: time.Hour, Max: time.Hour}
	if _, err := st.RecordLoginFailure(ctx, "sam", rule); err != nil {
		t.Fatal(err)
	}
	if until, _ := st.LoginBackoffUntil(ctx, "sam"); until.IsZero() {
		t.Fatal("the failure was not counted")
	}
	u, err := st.UserByUsername(ctx, "Sam")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.EraseUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if until, _ := st.LoginBackoffUntil(ctx, "sam"); !until.IsZero() {
		t.Fatal("the erased member's failed logins are still counted")
	}
}
