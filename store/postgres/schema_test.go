package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/hearth-community/hearth/store/postgres"
)

// freshDB creates an empty database on the server HEARTH_TEST_DATABASE_URL names (an admin
// URL) and drops it when the test ends. Without the URL the test is skipped.
func freshDB(t *testing.T) *sql.DB {
	t.Helper()
	admin := os.Getenv("HEARTH_TEST_DATABASE_URL")
	if admin == "" {
		if os.Getenv("HEARTH_REQUIRE_POSTGRES") == "1" {
			t.Fatal("HEARTH_REQUIRE_POSTGRES is set but HEARTH_TEST_DATABASE_URL is not")
		}
		t.Skip("HEARTH_TEST_DATABASE_URL is not set: no PostgreSQL to test the schema on")
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse HEARTH_TEST_DATABASE_URL: %v", err)
	}
	adb, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open admin database: %v", err)
	}
	t.Cleanup(func() { adb.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	name := "hearth_schema_" + hex.EncodeToString(b)
	if _, err := adb.ExecContext(t.Context(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	u.Path = "/" + name
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := adb.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return db
}

func provider(t *testing.T, db *sql.DB) *goose.Provider {
	t.Helper()
	sub, err := fs.Sub(postgres.Migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub)
	if err != nil {
		t.Fatalf("load migrations: %v", err)
	}
	return p
}

func tables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_name <> 'goose_db_version' ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// The tables SQLite's migrations 00001 to 00017 leave, without the FTS4 ones.
var wantTables = []string{
	"appeals", "audit_log", "crisis_lines", "crisis_phrases", "filter_entries", "goal_comments",
	"goal_events", "goal_milestones", "goal_reactions", "goals", "group_invites", "group_slugs",
	"groups", "join_requests", "library_seeded", "login_backoff", "member_prefs", "memberships", "messages",
	"notification_actors", "notification_settings", "notifications", "oauth_flows",
	"password_resets", "pending_identities", "reactions", "reports", "resource_helped",
	"resource_reviews", "resource_revisions", "resource_tags", "resources", "sanctions",
	"sessions", "site_settings", "toolkit_items", "user_identities", "users",
}

// The PostgreSQL schema applies with goose on an empty database, has every table of the
// SQLite schema and its starter rows, keeps each counter as SQLite's triggers do, and its
// Down leaves nothing that stops the Up from running again.
func TestSchema(t *testing.T) {
	db := freshDB(t)
	ctx := t.Context()
	p := provider(t, db)
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	if got := tables(t, db); !slices.Equal(got, wantTables) {
		t.Fatalf("tables:\n got %v\nwant %v", got, wantTables)
	}

	exec := func(t *testing.T, q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	num := func(t *testing.T, q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	text := func(t *testing.T, q string, args ...any) string {
		t.Helper()
		var s string
		if err := db.QueryRowContext(ctx, q, args...).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return s
	}

	t.Run("starter rows", func(t *testing.T) {
		if n := num(t, `SELECT count(*) FROM groups WHERE created_at > 1700000000000 AND created_at % 1000 = 0`); n != 4 {
			t.Errorf("starter groups: %d, want 4 with whole-second times", n)
		}
		if n := num(t, `SELECT count(*) FROM crisis_lines`); n != 4 {
			t.Errorf("crisis lines: %d, want 4", n)
		}
		if n := num(t, `SELECT count(*) FROM crisis_phrases WHERE phrase = 'SUICIDE'`); n != 1 {
			t.Errorf("crisis phrases ignore case: %d matches, want 1", n)
		}
	})

	exec(t, `INSERT INTO users (id, username, display_name, created_at) VALUES (101, 'ana', 'Ana', 1), (102, 'ben', 'Ben', 1)`)
	group := num(t, `SELECT id FROM groups WHERE slug = 'WELCOME'`) // CITEXT: any case
	history := func(t *testing.T) int64 { return num(t, `SELECT history_version FROM groups WHERE id = $1`, group) }
	members := func(t *testing.T) int64 { return num(t, `SELECT member_count FROM groups WHERE id = $1`, group) }

	t.Run("memberships_count_insert", func(t *testing.T) {
		exec(t, `INSERT INTO memberships (group_id, user_id, joined_at, guidelines_accepted_at) VALUES ($1, 101, 1, 1), ($1, 102, 1, 1)`, group)
		if n := members(t); n != 2 {
			t.Errorf("member_count after two joins: %d, want 2", n)
		}
	})
	t.Run("memberships_count_delete", func(t *testing.T) {
		exec(t, `DELETE FROM memberships WHERE group_id = $1 AND user_id = 102`, group)
		if n := members(t); n != 1 {
			t.Errorf("member_count after a leave: %d, want 1", n)
		}
	})
	t.Run("messages_history_insert", func(t *testing.T) {
		before := history(t)
		exec(t, `INSERT INTO messages (id, group_id, seq, author_id, client_id, body, created_at) VALUES (1, $1, 1, 101, 'c1', 'hello', 1)`, group)
		if n := history(t); n != before+1 {
			t.Errorf("history_version after a message: %d, want %d", n, before+1)
		}
	})
	t.Run("messages_history_update", func(t *testing.T) {
		before := history(t)
		exec(t, `UPDATE messages SET body = 'hello again', edited_at = 2 WHERE id = 1`)
		if n := history(t); n != before+1 {
			t.Errorf("history_version after an edit: %d, want %d", n, before+1)
		}
	})
	t.Run("reactions_history_insert", func(t *testing.T) {
		before := history(t)
		exec(t, `INSERT INTO reactions (message_id, user_id, kind, created_at) VALUES (1, 101, 'heart', 1)`)
		if n := history(t); n != before+1 {
			t.Errorf("history_version after a reaction: %d, want %d", n, before+1)
		}
	})
	t.Run("reactions_history_delete", func(t *testing.T) {
		before := history(t)
		exec(t, `DELETE FROM reactions WHERE message_id = 1`)
		if n := history(t); n != before+1 {
			t.Errorf("history_version after a reaction taken back: %d, want %d", n, before+1)
		}
	})

	exec(t, `INSERT INTO goals (id, user_id, title, visibility, group_id, created_at, updated_at) VALUES
		(1, 101, 'walk daily', 'group', $1, 1, 1), (2, 101, 'sleep', 'members', $1, 1, 1)`, group)
	milestones := func(t *testing.T) string {
		return text(t, `SELECT milestone_count || '/' || done_count FROM goals WHERE id = 1`)
	}
	t.Run("goal_milestones_added", func(t *testing.T) {
		exec(t, `INSERT INTO goal_milestones (id, goal_id, position, title, done_at) VALUES (1, 1, 1, 'a', NULL), (2, 1, 2, 'b', 5)`)
		if s := milestones(t); s != "2/1" {
			t.Errorf("milestones/done after adding an open and a done one: %s, want 2/1", s)
		}
	})
	t.Run("goal_milestones_checked", func(t *testing.T) {
		exec(t, `UPDATE goal_milestones SET done_at = 7 WHERE id = 1`)
		exec(t, `UPDATE goal_milestones SET done_at = 8 WHERE id = 1`) // already done: no change
		exec(t, `UPDATE goal_milestones SET done_at = NULL WHERE id = 2`)
		exec(t, `UPDATE goal_milestones SET title = 'bb' WHERE id = 2`)
		if s := milestones(t); s != "2/1" {
			t.Errorf("milestones/done after check, re-check and uncheck: %s, want 2/1", s)
		}
	})
	t.Run("goal_milestones_removed", func(t *testing.T) {
		exec(t, `DELETE FROM goal_milestones WHERE id = 1`) // the done one
		if s := milestones(t); s != "1/0" {
			t.Errorf("milestones/done after removing the done one: %s, want 1/0", s)
		}
	})
	t.Run("goals_group_gone", func(t *testing.T) {
		exec(t, `DELETE FROM groups WHERE id = $1`, group) // ON DELETE SET NULL of goals.group_id
		if s := text(t, `SELECT string_agg(visibility, ',' ORDER BY id) FROM goals`); s != "private,members" {
			t.Errorf("visibilities after the group was deleted: %s, want private,members", s)
		}
	})
	t.Run("audit_log_no_update", func(t *testing.T) {
		exec(t, `INSERT INTO audit_log (at, moderator_id, action) VALUES (1, 101, 'warn')`)
		_, err := db.ExecContext(ctx, `UPDATE audit_log SET action = 'none'`)
		if err == nil || !strings.Contains(err.Error(), "audit_log is append-only") {
			t.Errorf("update of the audit log: %v, want append-only", err)
		}
	})
	t.Run("audit_log_no_delete", func(t *testing.T) {
		_, err := db.ExecContext(ctx, `DELETE FROM audit_log`)
		if err == nil || !strings.Contains(err.Error(), "audit_log is append-only") {
			t.Errorf("delete from the audit log: %v, want append-only", err)
		}
	})
	t.Run("resources search", func(t *testing.T) {
		exec(t, `INSERT INTO resources (slug, title, summary, body, category, tags, status, created_at, updated_at) VALUES
			('box-breathing', 'Box breathing', 'Calm a panic', 'In for four counts', 'coping-skills', 'anxiety', 'published', 1, 1),
			('walking', 'Walking', 'Out of doors', 'panic', 'self-care', 'walk', 'published', 2, 2)`)
		// "panic" in the summary (weight C) ranks above "panic" in the body (D).
		q := `SELECT string_agg(slug, ',' ORDER BY ts_rank('{0.2, 0.4, 0.6, 1.0}', search, q) DESC)
			FROM resources, to_tsquery('simple', 'panic') q WHERE status = 'published' AND search @@ q`
		if s := text(t, q); s != "box-breathing,walking" {
			t.Errorf("search for panic: %s, want box-breathing,walking", s)
		}
	})

	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("migrate down: %v", err)
	}
	if got := tables(t, db); len(got) != 0 {
		t.Fatalf("tables left after down: %v", got)
	}
	if n := num(t, `SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
		AND prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')`); n != 0 {
		t.Fatalf("%d trigger functions left after down", n)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate up again: %v", err)
	}
	if got := tables(t, db); !slices.Equal(got, wantTables) {
		t.Fatalf("tables after down and up:\n got %v\nwant %v", got, wantTables)
	}
}
