package handlers_test

import (
	"database/sql"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store/storetest"
)

// /healthz must turn 503 when writes fail (a full disk, measured: reads keep answering, so
// a read-only check stayed 200 while every message was refused) and 200 again when space
// comes back. The full disk is RLIMIT_FSIZE, which binds root too; the test must not run in
// parallel with others.
func TestHealthzReportsWriteFailures(t *testing.T) {
	storetest.SkipOnPostgres(t, "fills the SQLite file to its size limit")
	app := handlerstest.New(t)
	client := app.Client()
	check := func(wantStatus int, wantBody string) {
		t.Helper()
		res := client.Get("/healthz")
		if res.Status != wantStatus || !strings.Contains(res.Body, wantBody) {
			t.Fatalf("/healthz: %d %q, want %d %q", res.Status, res.Body, wantStatus, wantBody)
		}
	}
	check(http.StatusOK, "ok")

	var largest int64
	for _, p := range []string{app.DBPath, app.DBPath + "-wal"} {
		if fi, err := os.Stat(p); err == nil && fi.Size() > largest {
			largest = fi.Size()
		}
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: uint64(largest), Max: old.Max}); err != nil {
		t.Fatal(err)
	}
	undo := func() { _ = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old) }
	t.Cleanup(undo)
	err := app.Store.InTx(t.Context(), func(tx *sql.Tx) error {
		if _, err := tx.Exec(`CREATE TABLE ballast (b BLOB)`); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO ballast VALUES (randomblob(?))`, largest+1<<20)
		return err
	})
	if err == nil {
		t.Fatal("a write past the file size limit succeeded; the test cannot simulate a full disk")
	}
	check(http.StatusServiceUnavailable, "database not writable")

	undo()
	app.Clock.Advance(10 * time.Second) // past the latest outcome: the check probes again
	check(http.StatusOK, "ok")
}
