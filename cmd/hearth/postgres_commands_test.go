package main

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hearth-community/hearth/store"
)

// migrate, user and backup work on PostgreSQL as on SQLite; backup through pg_dump, or with
// the explanation of store.ErrBackupElsewhere when pg_dump is not installed.
func TestCommandsOnPostgres(t *testing.T) {
	db := pgDatabase(t)
	ctx := context.Background()
	if err := run([]string{"migrate", "-database-url", db}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	st, err := store.Open(ctx, store.Options{DatabaseURL: db})
	if err != nil {
		t.Fatal(err)
	}
	st.CreateUser(ctx, store.NewUser{Username: "first", DisplayName: "First_1"})
	st.CreateUser(ctx, store.NewUser{Username: "helper", DisplayName: "Helper_1"})
	st.Close()
	// A data directory Hearth may not write is no matter: the database is elsewhere.
	data := filepath.Join(t.TempDir(), "not", "here")
	if err := run([]string{"user", "role", "helper", "moderator", "-database-url", db, "-data", data}); err != nil {
		t.Fatalf("user role: %v", err)
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the data directory was created for a PostgreSQL store: %v", err)
	}
	st, err = store.Open(ctx, store.Options{DatabaseURL: db})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByUsername(ctx, "helper")
	st.Close()
	if err != nil || u.Role != store.RoleModerator {
		t.Fatalf("helper after hearth user role: %+v %v", u, err)
	}

	if _, err := exec.LookPath("pg_dump"); err != nil {
		if os.Getenv("HEARTH_REQUIRE_POSTGRES") == "1" {
			t.Fatal("pg_dump is not installed")
		}
		t.Skip("pg_dump is not installed")
	}
	dest := filepath.Join(t.TempDir(), "backups", "hearth.dump")
	if err := run([]string{"backup", dest, "-database-url", db}); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if fi, err := os.Stat(dest); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("dump mode %v (%v), want 0600", fi, err)
	}
	list, err := exec.Command("pg_restore", "--list", dest).Output()
	if err != nil || !strings.Contains(string(list), "TABLE DATA public users") {
		t.Fatalf("pg_restore --list: %v\n%s", err, list)
	}
	if err := run([]string{"backup", dest, "-database-url", db}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("backup over an existing file: %v", err)
	}

	// Without pg_dump: the explanation, and no file.
	t.Setenv("PATH", t.TempDir())
	other := filepath.Join(t.TempDir(), "hearth.dump")
	err = run([]string{"backup", other, "-database-url", db})
	if !errors.Is(err, store.ErrBackupElsewhere) || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup without pg_dump: %v", err)
	}
	if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("backup without pg_dump left a file: %v", err)
	}
}

// The real binary serves from PostgreSQL when HEARTH_DATABASE_URL is set: it migrates, answers
// /healthz, names the database in its log without the password, and makes no data directory.
func TestServeOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db := pgDatabase(t)
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), "not-needed-by-trust-auth")
	bin := hearthBinary(t)
	addr := freeAddr(t)
	dir := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HEARTH_ADDR="+addr, "HEARTH_DATABASE_URL="+u.String())
	var logs strings.Builder
	cmd.Stderr = &logs
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if !strings.Contains(line, "Hearth is running at http://127.0.0.1:") {
		t.Fatalf("start-up line: %q\n%s", line, logs.String())
	}
	res, err := http.Get("http://" + addr + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
	}
	out := logs.String()
	if !strings.Contains(out, "database=\"PostgreSQL database "+strings.TrimPrefix(u.Path, "/")+" on "+u.Host+"\"") ||
		strings.Contains(out, "not-needed-by-trust-auth") {
		t.Fatalf("the log should name the database without its password:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a data directory was made beside a PostgreSQL store: %v", err)
	}
}
