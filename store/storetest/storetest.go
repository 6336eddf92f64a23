// Package storetest runs Hearth's tests on both of the store's engines. A package's
// TestMain calls Lanes: its tests run once on SQLite and, when HEARTH_TEST_DATABASE_URL names
// a PostgreSQL server, once more on PostgreSQL, each test on a fresh database of its own.
//
// HEARTH_TEST_DATABASE_URL is an administrator's URL (it creates and drops databases), e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable. Without it the PostgreSQL lane
// is skipped, unless HEARTH_REQUIRE_POSTGRES=1 (set by CI): then the tests fail.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for creating databases
)

// EnvURL and EnvRequire name the settings of the PostgreSQL lane.
const (
	EnvURL     = "HEARTH_TEST_DATABASE_URL"
	EnvRequire = "HEARTH_REQUIRE_POSTGRES"
)

var lane struct {
	sync.Mutex
	postgres bool
	admin    *sql.DB
	dbs      map[string]string // test database path -> its PostgreSQL URL
}

// Lanes runs m's tests on SQLite and then, when a PostgreSQL server is configured, on
// PostgreSQL. It returns the exit code for os.Exit.
//
// HEARTH_TEST_LANE=postgres runs the PostgreSQL lane only, for working on it.
func Lanes(m *testing.M) int {
	admin := os.Getenv(EnvURL)
	code := 0
	if os.Getenv("HEARTH_TEST_LANE") != "postgres" || admin == "" {
		code = m.Run()
	}
	if admin == "" {
		if os.Getenv(EnvRequire) == "1" {
			fmt.Fprintf(os.Stderr, "storetest: %s=1 but %s is not set: the PostgreSQL lane cannot run\n", EnvRequire, EnvURL)
			return 1
		}
		return code
	}
	db, err := sql.Open("pgx", admin)
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "storetest: cannot reach the PostgreSQL server of %s: %v\n", EnvURL, err)
		return 1
	}
	defer db.Close()
	fmt.Fprintln(os.Stderr, "--- the same tests on PostgreSQL")
	lane.Lock()
	lane.postgres, lane.admin, lane.dbs = true, db, map[string]string{}
	lane.Unlock()
	if pg := m.Run(); pg != 0 {
		code = pg
	}
	return code
}

// Postgres reports whether the tests run on the PostgreSQL lane.
func Postgres() bool {
	lane.Lock()
	defer lane.Unlock()
	return lane.postgres
}

// SkipOnPostgres skips a test of something only SQLite has (its file, WAL or planner).
func SkipOnPostgres(t testing.TB, why string) {
	t.Helper()
	if Postgres() {
		t.Skip("SQLite only: " + why)
	}
}

// URL returns the DatabaseURL for a test store at path: "" on the SQLite lane, and on the
// PostgreSQL lane the URL of a fresh database made for this path (the same path gives the
// same database, so a test can reopen its store; "" always gives a new one). The database
// is dropped when t ends.
func URL(t testing.TB, path string) string {
	t.Helper()
	lane.Lock()
	defer lane.Unlock()
	if !lane.postgres {
		return ""
	}
	if u, ok := lane.dbs[path]; ok && path != "" {
		return u
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "hearth_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := lane.admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	admin := lane.admin
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(os.Getenv(EnvURL))
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	lane.dbs[path] = u.String()
	return u.String()
}
