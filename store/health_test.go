package store_test

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"

	"github.com/hearth-community/hearth/store"
)

// fillDisk makes every file of this process unable to grow past the current largest size
// among paths plus spare bytes (RLIMIT_FSIZE, which binds root too): a full disk, as far as
// SQLite can tell. Tests using it must not run in parallel. It returns the limit and undoes
// itself when called (and at cleanup).
func fillDisk(t *testing.T, spare int64, paths ...string) (limit int64, undo func()) {
	t.Helper()
	var largest int64
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.Size() > largest {
			largest = fi.Size()
		}
	}
	limit = largest + spare
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: uint64(limit), Max: old.Max}); err != nil {
		t.Fatal(err)
	}
	undo = func() { _ = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old) }
	t.Cleanup(undo)
	return limit, undo
}

// writeBallast commits a blob of n bytes: a write that must grow the WAL.
func writeBallast(st *store.Store, t *testing.T, n int64) error {
	return st.InTx(t.Context(), func(tx *sql.Tx) error {
		if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS ballast (b BLOB)`); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO ballast VALUES (randomblob(?))`, n)
		return err
	})
}

// Reads keep answering on a full disk; WriteHealth must not.
func TestWriteHealthFollowsWrites(t *testing.T) {
	storetest.SkipOnPostgres(t, "makes SQLite writes fail")
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	path := filepath.Join(t.TempDir(), "hearth.db")
	st, err := store.Open(t.Context(), store.Options{Path: path, DatabaseURL: storetest.URL(t, path), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteHealth(t.Context()); err != nil {
		t.Fatalf("healthy store: %v", err)
	}

	limit, undo := fillDisk(t, 64<<10, path, path+"-wal")
	if err := writeBallast(st, t, limit+1<<20); err == nil {
		t.Fatal("a write past the file size limit succeeded; the test cannot simulate a full disk")
	}
	if err := st.Ping(t.Context()); err != nil {
		t.Fatalf("reads should still answer: %v", err)
	}
	err = st.WriteHealth(t.Context())
	if !errors.Is(err, store.ErrNotWritable) || !strings.Contains(err.Error(), "database not writable") {
		t.Fatalf("after a failed write: %v", err)
	}
	// A member's mistake is not a storage failure and changes nothing.
	if err := st.InTx(t.Context(), func(*sql.Tx) error { return errors.New("name taken") }); err == nil {
		t.Fatal("InTx lost fn's error")
	}
	if err := st.WriteHealth(t.Context()); !errors.Is(err, store.ErrNotWritable) {
		t.Fatalf("still full: %v", err)
	}

	// Space comes back: once the outcome is a few seconds old, the probe write finds out.
	undo()
	if err := st.WriteHealth(t.Context()); !errors.Is(err, store.ErrNotWritable) {
		t.Fatalf("the outcome is recent, no probe yet: %v", err)
	}
	advance(10 * time.Second)
	if err := st.WriteHealth(t.Context()); err != nil {
		t.Fatalf("after space came back: %v", err)
	}
}

// With no writes for a while, the probe alone notices a full disk.
func TestWriteHealthProbesWhenIdle(t *testing.T) {
	storetest.SkipOnPostgres(t, "makes SQLite writes fail")
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	path := filepath.Join(t.TempDir(), "hearth.db")
	st, err := store.Open(t.Context(), store.Options{Path: path, DatabaseURL: storetest.URL(t, path), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	// A WAL larger than the database file (and below the automatic checkpoint), so the
	// probe's page must be appended to it.
	if err := writeBallast(st, t, 1<<20); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteHealth(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, _ = fillDisk(t, 0, path, path+"-wal")
	if err := st.WriteHealth(t.Context()); err != nil {
		t.Fatalf("the latest write succeeded a moment ago: %v", err)
	}
	mu.Lock()
	now = now.Add(10 * time.Second)
	mu.Unlock()
	if err := st.WriteHealth(t.Context()); !errors.Is(err, store.ErrNotWritable) {
		t.Fatalf("full disk, idle store: %v", err)
	}
}

// The WAL is cut back to the journal size limit after a checkpoint, instead of keeping the
// size of the largest transaction it ever held.
func TestWALShrinksToTheJournalSizeLimit(t *testing.T) {
	storetest.SkipOnPostgres(t, "SQLite WAL file")
	const limit = 1 << 20
	path := filepath.Join(t.TempDir(), "hearth.db")
	st, err := store.Open(t.Context(), store.Options{Path: path, DatabaseURL: storetest.URL(t, path), JournalSizeLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := writeBallast(st, t, 6<<20); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil || fi.Size() <= limit {
		t.Fatalf("the big write should have grown the WAL past %d: %v %v", limit, fi.Size(), err)
	}
	// The background checkpoint copies the WAL back; the next write after it restarts the
	// WAL and cuts the file back to the limit.
	backup := filepath.Join(t.TempDir(), "copy.db")
	if err := st.Backup(t.Context(), backup); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		if _, err := st.CreateUser(t.Context(), store.NewUser{Username: fmt.Sprintf("after%d", i), DisplayName: fmt.Sprintf("After_%d", i)}); err != nil {
			t.Fatal(err)
		}
		fi, err = os.Stat(path + "-wal")
		if err == nil && fi.Size() <= limit {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("WAL after a checkpoint and a write: %d bytes (%v), want at most %d", fi.Size(), err, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestLogLimiterLogsOncePerIntervalAndCounts(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := store.NewLogLimiter(log, 10*time.Second, func() time.Time { return now })
	ctx := t.Context()
	for i := range 5 {
		logged := l.Error(ctx, "commit", "commit message batch", "n", i)
		if logged != (i == 0) {
			t.Fatalf("call %d logged=%v", i, logged)
		}
	}
	if !l.Error(ctx, "other", "another kind") {
		t.Fatal("a different kind is limited separately")
	}
	now = now.Add(10 * time.Second)
	if !l.Error(ctx, "commit", "commit message batch", "n", 5) {
		t.Fatal("after the interval the next line goes out")
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		`level=ERROR msg="commit message batch" n=0`,
		`level=ERROR msg="another kind"`,
		`level=ERROR msg="commit message batch" n=5 suppressed=4`,
	}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
