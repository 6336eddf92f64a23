package store_test

import (
	"crypto/sha256"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"

	"github.com/hearth-community/hearth/store"
)

// TestSessionCacheNeverServesARevokedSession checks that a cached session is gone the moment
// it is ended, that a role change shows on the next lookup, and that a change written by
// another process (here a second Store on the same file) shows within the cache's TTL.
func TestSessionCacheNeverServesARevokedSession(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "hearth.db")
	st, err := store.Open(ctx, store.Options{Path: path, DatabaseURL: storetest.URL(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, store.NewUser{Username: "ada", DisplayName: "Ada_A"}); err != nil { // the admin
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Username: "eli", DisplayName: "Eli_E"})
	if err != nil {
		t.Fatal(err)
	}
	tok := sha256.Sum256([]byte("eli-token"))
	sess, err := st.CreateSession(ctx, u.ID, tok[:], time.Hour, "ua", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	lookup := func() (store.User, error) {
		_, got, err := st.SessionByToken(ctx, tok[:])
		return got, err
	}
	for range 3 { // fill, then hit
		if got, err := lookup(); err != nil || got.Role != store.RoleMember {
			t.Fatalf("lookup: %+v %v", got, err)
		}
	}
	if err := st.SetRole(ctx, u.ID, store.RoleModerator); err != nil {
		t.Fatal(err)
	}
	if got, err := lookup(); err != nil || got.Role != store.RoleModerator {
		t.Fatalf("after role change: %+v %v", got, err)
	}

	// Another process changes the role: seen within the TTL, not necessarily at once.
	other, err := store.Open(ctx, store.Options{Path: path, DatabaseURL: storetest.URL(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.SetRole(ctx, u.ID, store.RoleMember); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := lookup()
		if err != nil {
			t.Fatal(err)
		}
		if got.Role == store.RoleMember {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a role change made by another process was never seen")
		}
		time.Sleep(50 * time.Millisecond)
	}

	if err := st.DeleteSession(ctx, u.ID, sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := lookup(); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ended session still found: %v", err)
	}
}
