package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"
)

// TestBackgroundCheckpoint: commits far below SQLite's own 1,000-page threshold still
// reach the database file, because the background connection checkpoints them, and the
// writer's own threshold is the high backstop.
func TestBackgroundCheckpoint(t *testing.T) {
	storetest.SkipOnPostgres(t, "checkpoints the WAL")
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	s, err := Open(ctx, Options{Path: path, CheckpointEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := s.w.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if pages != writerCheckpointPages {
		t.Fatalf("writer's wal_autocheckpoint = %d, want %d", pages, writerCheckpointPages)
	}
	// Let the migrations' pages settle first, then measure what new commits add.
	waitFileGrowth(t, path, -1)
	before := fileSize(t, path)
	for i := range 50 {
		if _, err := s.CreateUser(ctx, NewUser{Username: fmt.Sprintf("ck%d", i), DisplayName: fmt.Sprintf("Checkpoint %d", i),
			Email: fmt.Sprintf("%0500d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	waitFileGrowth(t, path, before)
}

// waitFileGrowth waits until the file at path is larger than size (size < 0: until it
// stops changing for a few polls).
func waitFileGrowth(t *testing.T, path string, size int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	last, same := int64(-1), 0
	for time.Now().Before(deadline) {
		n := fileSize(t, path)
		if size >= 0 && n > size {
			return
		}
		if size < 0 {
			if n == last {
				if same++; same == 5 {
					return
				}
			} else {
				last, same = n, 0
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if size >= 0 {
		t.Fatalf("%s stayed at %d bytes: the commits never reached the database file", path, size)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
