package main

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store"
)

// runToError runs a command that must stop with an error before serving. A command that
// starts serving instead is a failure; it is left running until the test binary exits.
func runToError(t *testing.T, args ...string) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- run(args) }()
	select {
	case err := <-errc:
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("hearth %s did not stop within 60 s: it is serving", strings.Join(args, " "))
		return nil
	}
}

// An older binary must not serve, or call up to date, a database a newer Hearth migrated.
func TestNewerDatabaseIsRefused(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if err := run([]string{"migrate", "-data", data}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), store.Options{Path: filepath.Join(data, "hearth.db")})
	if err != nil {
		t.Fatal(err)
	}
	err = st.InTx(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (999, 1)`)
		return err
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"migrate", "serve"} {
		err := runToError(t, cmd, "-data", data, "-addr", "127.0.0.1:0")
		if err == nil || !strings.Contains(err.Error(), "is at migration 999 but this Hearth knows up to ") {
			t.Errorf("hearth %s on a newer database: %v", cmd, err)
		}
	}
}

// A 0-byte hearth.db (a failed restore) is an error, not a new community whose next
// registrant becomes admin.
func TestEmptyDatabaseFileIsRefused(t *testing.T) {
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "hearth.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := runToError(t, "serve", "-data", data, "-addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "database file is empty") {
		t.Fatalf("serve on an empty database file: %v", err)
	}
}

// A read-only data directory is reported as not writable, not as "no such file or
// directory". Root writes through mode bits, so as root the binary runs as nobody.
func TestReadOnlyDataDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := hearthBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o555); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "migrate", "-data", data)
	if os.Geteuid() == 0 {
		// nobody must reach the binary and the directory, and nothing more.
		for _, d := range []string{filepath.Dir(bin), filepath.Dir(dir), dir} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "data directory "+data+" is not writable") {
		t.Fatalf("migrate into a read-only directory: %v\n%s", err, out)
	}
}

// `hearth -h` from a shell: the commands, then the flags, and exit status 0.
func TestHelpFromTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	out, err := exec.Command(hearthBinary(t), "-h").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "hearth backup PATH") || !strings.Contains(string(out), "-data") {
		t.Fatalf("hearth -h: %v\n%s", err, out)
	}
}
