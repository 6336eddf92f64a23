package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"

	"github.com/hearth-community/hearth/store"
)

func open(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{Path: filepath.Join(t.TempDir(), "hearth.db"), DatabaseURL: storetest.URL(t, "")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestMigrateIsIdempotent(t *testing.T) {
	st := open(t)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}

func TestUsersAndRoles(t *testing.T) {
	st := open(t)
	ctx := t.Context()
	a, err := st.CreateUser(ctx, store.NewUser{Username: "ann", DisplayName: "Ann_B"})
	if err != nil || a.Role != store.RoleAdmin {
		t.Fatalf("first user: %+v %v", a, err)
	}
	b, err := st.CreateUser(ctx, store.NewUser{Username: "bo", DisplayName: "Bo_B"})
	if err != nil || b.Role != store.RoleMember {
		t.Fatalf("second user: %+v %v", b, err)
	}
	if _, err := st.CreateUser(ctx, store.NewUser{Username: "ANN", DisplayName: "x1"}); !errors.Is(err, store.ErrUsernameTaken) {
		t.Fatalf("duplicate username: %v", err)
	}
	if _, err := st.CreateUser(ctx, store.NewUser{Username: "cy", DisplayName: "ann_b"}); !errors.Is(err, store.ErrDisplayNameTaken) {
		t.Fatalf("duplicate display name: %v", err)
	}
	if _, err := st.UserByUsername(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing user: %v", err)
	}
	if err := st.SetRole(ctx, a.ID, store.RoleMember); !errors.Is(err, store.ErrLastAdmin) {
		t.Fatalf("demoting the last admin: %v", err)
	}
	if err := st.SetRole(ctx, b.ID, store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := st.SetRole(ctx, a.ID, store.RoleModerator); err != nil {
		t.Fatalf("demoting one of two admins: %v", err)
	}
	if err := st.SetRole(ctx, 4242, store.RoleAdmin); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

// Two sign-ups racing on an empty database: exactly one becomes admin.
func TestFirstAdminRace(t *testing.T) {
	st := open(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.CreateUser(t.Context(), store.NewUser{Username: fmt.Sprintf("u%d", i), DisplayName: fmt.Sprintf("d%d", i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	users, err := st.ListUsers(t.Context(), 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	admins := 0
	for _, u := range users {
		if u.Role == store.RoleAdmin {
			admins++
		}
	}
	if len(users) != 20 || admins != 1 {
		t.Fatalf("%d users, %d admins; want 20 and 1", len(users), admins)
	}
}

func TestSessionsExpireAndRevoke(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	st, err := store.Open(t.Context(), store.Options{Path: filepath.Join(t.TempDir(), "h.db"), DatabaseURL: storetest.URL(t, ""), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	u, _ := st.CreateUser(ctx, store.NewUser{Username: "dee", DisplayName: "Dee_D"})
	s1, err := st.CreateSession(ctx, u.ID, []byte("token-one"), time.Hour, "ua", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := st.CreateSession(ctx, u.ID, []byte("token-two"), 3*time.Hour, "ua", "127.0.0.1")
	if _, got, err := st.SessionByToken(ctx, []byte("token-one")); err != nil || got.ID != u.ID {
		t.Fatalf("lookup: %v", err)
	}
	alive, _ := st.SessionsAlive(ctx, []int64{s1.ID, s2.ID, 999})
	if !alive[s1.ID] || !alive[s2.ID] || alive[999] {
		t.Fatalf("alive = %v", alive)
	}
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	if _, _, err := st.SessionByToken(ctx, []byte("token-one")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session still valid: %v", err)
	}
	if list, _ := st.ListSessions(ctx, u.ID); len(list) != 1 || list[0].ID != s2.ID {
		t.Fatalf("listed sessions: %+v", list)
	}
	if n, err := st.DeleteExpiredSessions(ctx); err != nil || n != 1 {
		t.Fatalf("sweep removed %d, %v", n, err)
	}
	if err := st.DeleteSession(ctx, u.ID+1, s2.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another member deleting the session: %v", err)
	}
	if err := st.DeleteSession(ctx, u.ID, s2.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.SessionByToken(ctx, []byte("token-two")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked session still valid: %v", err)
	}
}

// Another process (here: another connection pool on the same file, as `hearth user role`
// or a backup tool would be) holds SQLite's write lock while the Store writes. With one
// writer connection inside the Store, only such an outside writer can make SQLite answer
// SQLITE_BUSY; the Store's busy_timeout and _txlock=immediate must make its writes wait
// for the lock instead of failing. (The test this replaces ran 50 goroutines through the
// Store alone, which queue on its single connection and could never meet SQLITE_BUSY.)
func TestWritesWaitForAnotherProcessHoldingTheLock(t *testing.T) {
	storetest.SkipOnPostgres(t, "SQLite file lock")
	path := filepath.Join(t.TempDir(), "hearth.db")
	st, err := store.Open(t.Context(), store.Options{Path: path, DatabaseURL: storetest.URL(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := t.Context()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Username: "load", DisplayName: "Load_L"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)

	const rounds = 6
	var failures atomic.Int64
	var errMu sync.Mutex
	var firstErr error
	for round := range rounds {
		// The outsider takes the write lock and keeps it while the Store's writers start.
		tx, err := other.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`UPDATE users SET display_name = display_name WHERE id = ?`, u.ID); err != nil {
			t.Fatal(err)
		}
		started := make(chan struct{}, 8)
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				started <- struct{}{}
				var err error
				// One kind of write per round, so that kind is the first to meet the lock.
				switch round % 3 {
				case 0:
					_, err = st.CreateUser(ctx, store.NewUser{Username: fmt.Sprintf("w%d_%d", round, w), DisplayName: fmt.Sprintf("W%d_%d", round, w)})
				case 1:
					_, err = st.CreateSession(ctx, u.ID, []byte(fmt.Sprintf("t%d_%d", round, w)), time.Hour, "", "")
				case 2:
					// Read, then write: without _txlock=immediate the read's snapshot goes
					// stale while the outsider commits, and the write fails at once with
					// SQLITE_BUSY_SNAPSHOT, which no busy timeout retries.
					err = st.InTx(ctx, func(tx *sql.Tx) error {
						var n int
						if err := tx.QueryRow(`SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
							return err
						}
						_, err := tx.Exec(`UPDATE users SET display_name = display_name WHERE id = ?`, u.ID)
						return err
					})
				}
				if err != nil {
					failures.Add(1)
					errMu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					errMu.Unlock()
				}
			}()
		}
		for range 8 {
			<-started
		}
		// Give the writers time to reach the lock; if one is late it simply finds no lock.
		time.Sleep(50 * time.Millisecond)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
	}
	if f := failures.Load(); f > 0 {
		t.Fatalf("%d of %d writes failed while another process held the lock: %v", f, rounds*8, firstErr)
	}
}

func TestBackupIsConsistentAndChecked(t *testing.T) {
	storetest.SkipOnPostgres(t, "VACUUM INTO backup (TestBackupOnPostgresSaysPgDump covers PostgreSQL)")
	st := open(t)
	ctx := t.Context()
	for i := range 20 {
		if _, err := st.CreateUser(ctx, store.NewUser{Username: fmt.Sprintf("b%d", i), DisplayName: fmt.Sprintf("B%d_x", i)}); err != nil {
			t.Fatal(err)
		}
	}
	dest := filepath.Join(t.TempDir(), "backups", "copy.db")
	// Keep writing while the backup runs.
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_, _ = st.CreateUser(context.Background(), store.NewUser{Username: fmt.Sprintf("c%d", i), DisplayName: fmt.Sprintf("C%d_x", i)})
		}
	}()
	err := st.Backup(ctx, dest)
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CheckIntegrity(ctx, dest); err != nil {
		t.Fatal(err)
	}
	// The copy holds every member's words: readable by its owner only.
	if fi, err := os.Stat(dest); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file mode: %v %v, want 0600", fi.Mode(), err)
	}
	cp, err := store.Open(ctx, store.Options{Path: dest, DatabaseURL: storetest.URL(t, dest)})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	n, err := cp.CountUsers(ctx)
	if err != nil || n < 20 {
		t.Fatalf("backup has %d users (%v), want at least 20", n, err)
	}
	if err := st.Backup(ctx, dest); err == nil {
		t.Fatal("backup over an existing file must fail")
	}
}

func TestBackupOnPostgresSaysPgDump(t *testing.T) {
	if !storetest.Postgres() {
		t.Skip("PostgreSQL only: SQLite's backup is TestBackupIsConsistentAndChecked")
	}
	st := open(t)
	err := st.Backup(t.Context(), filepath.Join(t.TempDir(), "copy.db"))
	if !errors.Is(err, store.ErrBackupElsewhere) || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup on PostgreSQL: %v, want the pg_dump advice", err)
	}
}
