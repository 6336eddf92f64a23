package store_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/store/storetest"

	"github.com/hearth-community/hearth/store"
)

// On a full disk every batch fails: the committer logs it once per interval, not once per
// refused message, and each sender's error says its batch did not commit.
func TestFailedCommitsLogOnce(t *testing.T) {
	storetest.SkipOnPostgres(t, "fills the SQLite file to its size limit")
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	st, err := store.Open(ctx, store.Options{Path: path, DatabaseURL: storetest.URL(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Username: "ana", DisplayName: "ana"})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := st.GroupBySlug(ctx, "welcome")
	var logs bytes.Buffer
	c, err := st.NewCommitter(ctx, store.CommitterOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	limit, _ := fillDisk(t, 64<<10, path, path+"-wal")
	big := strings.Repeat("x", int(limit)+1<<20) // cannot fit under the limit
	failed := 0
	for i := range 5 {
		_, err := c.Post(ctx, store.NewMessage{GroupID: g.ID, AuthorID: u.ID, AuthorName: "ana",
			ClientID: "full-" + string(rune('a'+i)), Body: big})
		if err == nil {
			t.Fatal("a message past the file size limit was committed; the test cannot simulate a full disk")
		}
		if !errors.Is(err, store.ErrBatchNotCommitted) {
			t.Fatalf("error does not say the batch failed: %v", err)
		}
		failed++
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 1 {
		t.Fatalf("%d failed batches logged %d ERROR lines, want 1:\n%s", failed, n, logs.String())
	}
}
