package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
