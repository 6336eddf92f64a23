package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/store/storetest"

	"github.com/hearth-community/hearth/store"
)

// markNewerMigration records a migration this binary does not have, as a newer Hearth
// would have left it.
func markNewerMigration(t *testing.T, st *store.Store, version int64) {
	t.Helper()
	err := st.InTx(t.Context(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)`, version)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A database a newer Hearth has migrated is refused, naming both versions, instead of
// being served (or declared "up to date") by code that does not know its schema.
func TestMigrateRefusesANewerDatabase(t *testing.T) {
	storetest.SkipOnPostgres(t, "writes goose versions into the SQLite file")
	st := open(t)
	markNewerMigration(t, st, 999)
	err := st.Migrate(t.Context())
	var newer *store.NewerDatabaseError
	if !errors.As(err, &newer) || newer.At != 999 || newer.Knows < 4 || newer.Knows >= 999 {
		t.Fatalf("migrate on a newer database: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "is at migration 999 but this Hearth knows up to ") ||
		!strings.Contains(msg, "run a newer Hearth or restore a backup") {
		t.Fatalf("message: %s", msg)
	}
}

// A 0-byte hearth.db is what a failed restore leaves. It must not become a new community
// (whose first registrant is admin); a missing file still is a fresh install.
func TestOpenRefusesAnEmptyDatabaseFile(t *testing.T) {
	storetest.SkipOnPostgres(t, "SQLite database file")
	ctx := t.Context()
	dir := t.TempDir()
	empty := filepath.Join(dir, "hearth.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{Path: empty, DatabaseURL: storetest.URL(t, empty)})
	if err == nil {
		st.Close()
		t.Fatal("an empty database file was opened as a fresh install")
	}
	if !errors.Is(err, store.ErrEmptyDatabase) || !strings.Contains(err.Error(), empty) {
		t.Fatalf("want ErrEmptyDatabase naming %s, got %v", empty, err)
	}

	// A fresh install that stops before its first migration leaves a file that is not empty,
	// so it starts again next time.
	fresh := filepath.Join(dir, "new", "hearth.db")
	st, err = store.Open(ctx, store.Options{Path: fresh, DatabaseURL: storetest.URL(t, fresh)})
	if err != nil {
		t.Fatalf("missing file: %v", err)
	}
	st.Close()
	st, err = store.Open(ctx, store.Options{Path: fresh, DatabaseURL: storetest.URL(t, fresh)})
	if err != nil {
		t.Fatalf("reopening a fresh install: %v", err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
}

// SQLite reports a data directory it cannot write as "no such file or directory"; Open
// says what is wrong and where. Root writes through mode bits, so as root the read-only
// directory case runs in cmd/hearth (TestReadOnlyDataDirectory, as another user).
func TestOpenSaysWhenTheDataDirectoryIsNotWritable(t *testing.T) {
	storetest.SkipOnPostgres(t, "SQLite data directory")
	t.Run("directory under a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "plain")
		if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(t.Context(), store.Options{Path: filepath.Join(file, "data", "hearth.db")})
		if err == nil || !strings.Contains(err.Error(), filepath.Join(file, "data")) || !strings.Contains(err.Error(), "not a directory") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("read-only directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root writes read-only directories; cmd/hearth's TestReadOnlyDataDirectory runs this as another user")
		}
		dir := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(context.Background(), store.Options{Path: filepath.Join(dir, "hearth.db")})
		if err == nil || !strings.Contains(err.Error(), "data directory "+dir+" is not writable") {
			t.Fatalf("got %v", err)
		}
	})
}

// TestNodesMigratingAtOnce: nodes starting together on one new PostgreSQL database migrate
// it once, under the advisory lock; every one of them then finds it ready.
func TestNodesMigratingAtOnce(t *testing.T) {
	if !storetest.Postgres() {
		t.Skip("PostgreSQL only: one SQLite file has one node")
	}
	ctx := t.Context()
	url := storetest.URL(t, filepath.Join(t.TempDir(), "fresh"))
	// A fresh database, not the lane's migrated copy: drop what the copy holds.
	st, err := store.Open(ctx, store.Options{DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	const nodes = 5
	errs := make(chan error, nodes)
	for range nodes {
		go func() {
			st, err := store.Open(ctx, store.Options{DatabaseURL: url})
			if err != nil {
				errs <- err
				return
			}
			defer st.Close()
			errs <- st.Migrate(ctx)
		}()
	}
	for range nodes {
		if err := <-errs; err != nil {
			t.Fatalf("a node's migration failed: %v", err)
		}
	}
	st, err = store.Open(ctx, store.Options{DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	groups, err := st.ListGroupsFor(ctx, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 4 {
		t.Fatalf("%d groups after five nodes migrated, want the 4 starter groups once", len(groups))
	}
	res, err := st.SearchResources(ctx, store.SearchQuery{})
	if err != nil || res.Total == 0 {
		t.Fatalf("starter library after five nodes migrated: %d resources (%v)", res.Total, err)
	}
	once := res.Total
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if res, _ := st.SearchResources(ctx, store.SearchQuery{}); res.Total != once {
		t.Fatalf("the starter library loaded again: %d, then %d", once, res.Total)
	}
}
