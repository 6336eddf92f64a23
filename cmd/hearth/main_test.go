package main

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store"
)

func TestMigrateBackupAndUserRole(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := run([]string{"migrate", "-data", data}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(data, "hearth.db")})
	if err != nil {
		t.Fatal(err)
	}
	st.CreateUser(ctx, store.NewUser{Username: "first", DisplayName: "First_1"})
	st.CreateUser(ctx, store.NewUser{Username: "helper", DisplayName: "Helper_1"})
	st.Close()

	if err := run([]string{"user", "role", "helper", "moderator", "-data", data}); err != nil {
		t.Fatalf("user role: %v", err)
	}
	if err := run([]string{"user", "role", "nobody", "admin", "-data", data}); err == nil || !strings.Contains(err.Error(), "no account") {
		t.Fatalf("unknown user: %v", err)
	}
	if err := run([]string{"user", "role", "helper", "king", "-data", data}); err == nil {
		t.Fatal("bad role accepted")
	}
	backup := filepath.Join(dir, "backup.db")
	if err := run([]string{"backup", backup, "-data", data}); err != nil {
		t.Fatalf("backup: %v", err)
	}
	// The copy holds every member's words: only its owner may read it.
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %v (%v), want 0600", fi.Mode(), err)
	}
	cp, err := store.Open(ctx, store.Options{Path: backup})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	u, err := cp.UserByUsername(ctx, "helper")
	if err != nil || u.Role != store.RoleModerator {
		t.Fatalf("backup copy: %+v %v", u, err)
	}
	if err := run([]string{"bogus"}); err == nil {
		t.Fatal("unknown command accepted")
	}
}

// The real binary starts with zero configuration, serves, and drains on SIGTERM.
func TestServeAndGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := hearthBinary(t)
	addr := freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HEARTH_ADDR="+addr)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if !strings.Contains(line, "Hearth is running at http://127.0.0.1:") {
		t.Fatalf("start-up line: %q", line)
	}
	res, err := http.Get("http://" + addr + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()
	if _, err := os.Stat(filepath.Join(dir, "data", "hearth.db")); err != nil {
		t.Fatalf("zero-config start did not create ./data/hearth.db: %v", err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no exit within 10 s of SIGTERM")
	}
	bad := exec.Command(bin, "-synchronous", "sometimes")
	out, err := bad.CombinedOutput()
	if err == nil || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 || !strings.Contains(string(out), "HEARTH_SYNCHRONOUS") {
		t.Fatalf("bad config: want a one-line error, got %v %q", err, out)
	}
}
