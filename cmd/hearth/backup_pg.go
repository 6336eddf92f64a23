package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/hearth-community/hearth/store"
)

// pgDump writes a custom-format pg_dump archive of the PostgreSQL database at dbURL to dest,
// readable by its owner only, and checks it with pg_restore --list when that is installed.
// Without pg_dump on PATH it returns store.ErrBackupElsewhere, which says what to run.
//
// The password never reaches pg_dump's command line, where any user of the machine could
// read it: it goes in PGPASSWORD, and the URL on the command line has none.
func pgDump(ctx context.Context, dbURL, dest string) error {
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		return store.ErrBackupElsewhere
	}
	conn, password, err := splitPassword(dbURL)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// Created first, owner-only and never over an existing file; pg_dump then writes into it
	// and the mode stays.
	if err := store.CreateBackupFile(dest); err != nil {
		return err
	}
	env := os.Environ()
	if password != "" {
		env = append(env, "PGPASSWORD="+password)
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-password", "--file="+dest, "--dbname="+conn)
	cmd.Env, cmd.Stderr = env, &stderr
	if err := cmd.Run(); err != nil {
		_ = os.Remove(dest)
		return fmt.Errorf("backup: pg_dump of %s: %w: %s", describeDatabaseURL(dbURL), err, strings.TrimSpace(stderr.String()))
	}
	// pg_restore reads the archive's table of contents: a truncated or foreign file fails.
	if restore, err := exec.LookPath("pg_restore"); err == nil {
		stderr.Reset()
		check := exec.CommandContext(ctx, restore, "--list", dest)
		check.Stderr = &stderr
		if err := check.Run(); err != nil {
			return fmt.Errorf("backup: pg_restore --list %s: %w: %s", dest, err, strings.TrimSpace(stderr.String()))
		}
	}
	return nil
}

// splitPassword takes the password out of a postgres:// URL (from its user info or its
// password parameter) and returns the URL without it.
func splitPassword(raw string) (string, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", errors.New("the database URL does not parse")
	}
	password, _ := u.User.Password()
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if p := q.Get("password"); p != "" {
		password = p
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String(), password, nil
}
