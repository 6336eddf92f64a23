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
	"flag"
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
	prepare  func(ctx context.Context, url string) error
	template string // a database prepare ran on, copied for each test
}

// Prepare sets what the PostgreSQL lane runs once on a database (migrate it, for one) that
// every test's database is then copied from: a copy takes a fraction of a migration. Call it
// in TestMain before Lanes.
func Prepare(fn func(ctx context.Context, url string) error) { lane.prepare = fn }

// Lanes runs m's tests on SQLite and then, when a PostgreSQL server is configured, on
// PostgreSQL. It returns the exit code for os.Exit.
//
// HEARTH_TEST_LANE=postgres runs the PostgreSQL lane only, for working on it.
//
// postgresRun, when given, is the -run pattern of the PostgreSQL lane (unless -run was
// given): a package whose every test runs on SQLite may rerun only its scenarios that reach
// the store on PostgreSQL, to keep the suite's time in bounds.
func Lanes(m *testing.M, postgresRun ...string) int {
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
	if len(postgresRun) > 0 {
		if f := flag.Lookup("test.run"); f != nil && f.Value.String() == "" {
			if err := f.Value.Set(postgresRun[0]); err != nil {
				fmt.Fprintf(os.Stderr, "storetest: %v\n", err)
				return 1
			}
		}
	}
	fmt.Fprintln(os.Stderr, "--- the same tests on PostgreSQL")
	lane.Lock()
	lane.postgres, lane.admin, lane.dbs = true, db, map[string]string{}
	lane.Unlock()
	if lane.prepare != nil {
		name := dbName("hearth_template_")
		if err := createFrom(db, name, ""); err != nil {
			fmt.Fprintf(os.Stderr, "storetest: %v\n", err)
			return 1
		}
		defer db.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`) //nolint:errcheck
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		err := lane.prepare(ctx, withDB(admin, name))
		cancel()
		if err != nil {
			fmt.Fprintf(os.Stderr, "storetest: prepare the template database: %v\n", err)
			return 1
		}
		lane.template = name
	}
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
	name := dbName("hearth_test_")
	if err := createFrom(lane.admin, name, lane.template); err != nil {
		t.Fatal(err)
	}
	admin := lane.admin
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u := withDB(os.Getenv(EnvURL), name)
	lane.dbs[path] = u
	return u
}

func dbName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// createFrom creates database name, as a copy of template when it is not "".
func createFrom(admin *sql.DB, name, template string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	q := `CREATE DATABASE ` + name
	if template != "" {
		q += ` TEMPLATE ` + template
	}
	if _, err := admin.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("create test database: %w", err)
	}
	return nil
}

// withDB is the admin URL with its database replaced by name.
func withDB(admin, name string) string {
	u, err := url.Parse(admin)
	if err != nil {
		panic(fmt.Sprintf("parse %s: %v", EnvURL, err))
	}
	u.Path = "/" + name
	return u.String()
}
