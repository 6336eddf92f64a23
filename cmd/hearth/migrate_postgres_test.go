package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/store/storetest"
)

// pgDatabase makes a fresh PostgreSQL database on the server of HEARTH_TEST_DATABASE_URL and
// drops it when the test ends. Without that server the test is skipped, unless
// HEARTH_REQUIRE_POSTGRES=1 (CI).
func pgDatabase(t *testing.T) string {
	t.Helper()
	admin := os.Getenv(storetest.EnvURL)
	if admin == "" {
		if os.Getenv(storetest.EnvRequire) == "1" {
			t.Fatalf("%s=1 but %s is not set", storetest.EnvRequire, storetest.EnvURL)
		}
		t.Skipf("PostgreSQL lane: %s is not set", storetest.EnvURL)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to %s: %v", storetest.EnvURL, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "hearth_cmd_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// community is what the test builds on SQLite and expects to find on PostgreSQL.
type community struct {
	token    []byte // ben's session token hash
	group    store.Group
	history  []store.Message
	ben      store.User
	resource store.Resource
	maxUser  int64
	unread   int // ben's unread notifications
}

// buildCommunity fills a SQLite store through the store's methods: members, a session, a
// group with messages, reactions, an edit and a hidden message, a goal with a milestone,
// reaction and comment, a resource, a report, a mute and a notification.
func buildCommunity(t *testing.T, ctx context.Context, st *store.Store) community {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var c community
	ana, err := st.CreateUser(ctx, store.NewUser{Username: "ana", DisplayName: "Ana", PasswordHash: "hash-of-ana"})
	must(err)
	c.ben, err = st.CreateUser(ctx, store.NewUser{Username: "Ben", DisplayName: "Ben", Email: "ben@example.org", PasswordHash: "hash-of-ben"})
	must(err)
	cara, err := st.CreateUser(ctx, store.NewUser{Username: "cara", DisplayName: "Cara", PasswordHash: "hash-of-cara"})
	must(err)
	c.maxUser = cara.ID
	c.token = []byte("a session token hash of 32 bytes")
	_, err = st.CreateSession(ctx, c.ben.ID, c.token, 24*time.Hour, "test browser", "192.0.2.7")
	must(err)
	g, err := st.CreateGroup(ctx, store.GroupInput{Slug: "night-owls", Name: "Night Owls", Description: "For the small hours.", Visibility: store.Public}, ana.ID)
	must(err)
	must(st.Join(ctx, g.ID, c.ben.ID))
	must(st.Join(ctx, g.ID, cara.ID))
	welcome, _, _, err := st.GroupForMember(ctx, "welcome", ana.ID)
	must(err)

	cm, err := st.NewCommitter(ctx, store.CommitterOptions{})
	must(err)
	var posted []store.Message
	for i := range 30 {
		author := []store.User{ana, c.ben, cara}[i%3]
		p, err := cm.Post(ctx, store.NewMessage{GroupID: g.ID, AuthorID: author.ID, AuthorName: author.DisplayName,
			ClientID: fmt.Sprint("c", i), Body: fmt.Sprintf("message %d from %s", i, author.Username)})
		must(err)
		posted = append(posted, p.Message)
	}
	_, err = cm.Post(ctx, store.NewMessage{GroupID: welcome.ID, AuthorID: cara.ID, AuthorName: "Cara", ClientID: "w1", Body: "hello all"})
	must(err)
	must(cm.Close())
	_, err = st.ToggleReaction(ctx, posted[3].ID, cara.ID, "heart")
	must(err)
	_, err = st.ToggleReaction(ctx, posted[3].ID, ana.ID, "strong")
	must(err)
	_, err = st.EditMessage(ctx, posted[4].ID, c.ben.ID, "message 4, said better")
	must(err)
	_, err = st.HideMessage(ctx, store.Action{ModeratorID: ana.ID, Reason: "off topic"}, posted[7].ID)
	must(err)

	goal, err := st.CreateGoal(ctx, c.ben.ID, store.GoalInput{Title: "Walk every morning", Visibility: store.GoalGroup, GroupID: g.ID}, []string{"First week"})
	must(err)
	_, err = st.ToggleGoalReaction(ctx, goal, cara.ID, "heart")
	must(err)
	must(st.AddGoalComment(ctx, goal, cara.ID, "You can do it"))
	c.resource, err = st.CreateResource(ctx, store.ResourceInput{Slug: "owl-breathing", Title: "Owl breathing for sleepless nights",
		Summary: "A slow breathing exercise.", Body: "Breathe in for four, hold for seven, out for eight.", Category: "coping-skills",
		Tags: []string{"sleep", "breathing"}}, ana.ID, store.ResourcePublished)
	must(err)
	_, err = st.CreateReport(ctx, store.NewReport{ReporterID: cara.ID, SubjectID: c.ben.ID, GroupID: g.ID, MessageID: posted[1].ID, Reason: store.ReasonHarassment, Note: "not kind"})
	must(err)
	must(st.Mute(ctx, store.Action{ModeratorID: ana.ID, Reason: "cool down"}, c.ben.ID, g.ID, st.Now().Add(time.Hour)))
	must(st.Notify(ctx, store.Notice{UserID: c.ben.ID, Kind: store.NoticeCheer, GoalID: goal.ID, ActorID: cara.ID}))

	c.group, _, _, err = st.GroupForMember(ctx, g.Slug, ana.ID)
	must(err)
	c.history, err = st.MessagesBefore(ctx, g.ID, 0, 100)
	must(err)
	c.unread, err = st.UnreadCount(ctx, c.ben.ID)
	must(err)
	if len(c.history) != 30 {
		t.Fatalf("history on SQLite: %d messages, want 30", len(c.history))
	}
	return c
}

// A SQLite community moves into an empty PostgreSQL database whole: members log in with
// their sessions, the history reads the same, search finds the library, counters and
// sequences carry on, and the copy cannot be run twice.
func TestMigrateToPostgres(t *testing.T) {
	target := pgDatabase(t)
	ctx := context.Background()
	data := t.TempDir()
	lite, err := store.Open(ctx, store.Options{Path: filepath.Join(data, "hearth.db")})
	if err != nil {
		t.Fatal(err)
	}
	if err := lite.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	want := buildCommunity(t, ctx, lite)
	wantSearch, err := lite.SearchResources(ctx, store.SearchQuery{Text: "breathing"})
	if err != nil {
		t.Fatal(err)
	}
	lite.Close()

	if err := run([]string{"migrate-to-postgres", "-data", data, "-database-url", target}); err != nil {
		t.Fatalf("migrate-to-postgres: %v", err)
	}

	pg, err := store.Open(ctx, store.Options{DatabaseURL: target})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if err := pg.Migrate(ctx); err != nil { // what serve does first: nothing left to do
		t.Fatal(err)
	}
	_, u, err := pg.SessionByToken(ctx, want.token)
	if err != nil || u.ID != want.ben.ID || u.Username != "Ben" {
		t.Fatalf("ben's session on PostgreSQL: %+v %v", u, err)
	}
	u, err = pg.UserByUsername(ctx, "ben") // usernames ignore case on both engines
	if err != nil || u.ID != want.ben.ID || u.PasswordHash != "hash-of-ben" || u.Email != "ben@example.org" {
		t.Fatalf("ben by username on PostgreSQL: %+v %v", u, err)
	}
	ana, err := pg.UserByUsername(ctx, "ana")
	if err != nil || ana.Role != store.RoleAdmin {
		t.Fatalf("the first member stays admin: %+v %v", ana, err)
	}
	g, _, isMember, err := pg.GroupForMember(ctx, "night-owls", want.ben.ID)
	if err != nil || !isMember {
		t.Fatalf("group on PostgreSQL: %v member=%v", err, isMember)
	}
	if g.MemberCount != 3 || g.MemberCount != want.group.MemberCount || g.HistoryVersion != want.group.HistoryVersion {
		t.Fatalf("counters: members %d, history version %d; on SQLite %d, %d",
			g.MemberCount, g.HistoryVersion, want.group.MemberCount, want.group.HistoryVersion)
	}
	history, err := pg.MessagesBefore(ctx, g.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(history, want.history) {
		t.Fatalf("history differs:\nPostgreSQL %+v\nSQLite     %+v", history, want.history)
	}
	if muted, ok, err := pg.ActiveMute(ctx, g.ID, want.ben.ID); err != nil || !ok || muted.Reason != "cool down" {
		t.Fatalf("ben's mute on PostgreSQL: %+v %v %v", muted, ok, err)
	}
	if n, err := pg.UnreadCount(ctx, want.ben.ID); err != nil || n != want.unread || n < 1 {
		t.Fatalf("ben's unread notifications: %d %v; on SQLite %d", n, err, want.unread)
	}
	found, err := pg.SearchResources(ctx, store.SearchQuery{Text: "breathing"})
	if err != nil {
		t.Fatal(err)
	}
	if found.Total != wantSearch.Total || !hasHit(found, want.resource.Slug) {
		t.Fatalf("search on PostgreSQL: %d hits %+v; on SQLite %d", found.Total, found.Hits, wantSearch.Total)
	}

	// New rows carry on from the copied ids and sequences.
	cm, err := pg.NewCommitter(ctx, store.CommitterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := cm.Post(ctx, store.NewMessage{GroupID: g.ID, AuthorID: ana.ID, AuthorName: "Ana", ClientID: "after", Body: "we moved"})
	cm.Close()
	last := want.history[len(want.history)-1]
	if err != nil || p.Seq != last.Seq+1 || p.ID <= last.ID {
		t.Fatalf("first message on PostgreSQL: seq %d id %d (%v); last copied seq %d id %d", p.Seq, p.ID, err, last.Seq, last.ID)
	}
	dan, err := pg.CreateUser(ctx, store.NewUser{Username: "dan", DisplayName: "Dan"})
	if err != nil || dan.ID <= want.maxUser || dan.Role != store.RoleMember {
		t.Fatalf("a new member on PostgreSQL: %+v %v", dan, err)
	}

	err = runToError(t, "migrate-to-postgres", "-data", data, "-database-url", target)
	if err == nil || !strings.Contains(err.Error(), "is not empty") || !strings.Contains(err.Error(), "users: 4 rows") {
		t.Fatalf("a second copy into the same database: %v", err)
	}
}

func hasHit(r store.SearchResult, slug string) bool {
	for _, h := range r.Hits {
		if h.Slug == slug {
			return true
		}
	}
	return false
}

// pgSnapshot is every table's row count and the schema version of a PostgreSQL database.
func pgSnapshot(t *testing.T, dbURL string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tables, err := pgTables(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, tb := range tables {
		var n int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{tb}.Sanitize()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tb] = n
	}
	return out
}

// A database that holds a community, or anything else, is refused before anything is
// written to it: no row, no table, no migration.
func TestMigrateToPostgresRefusesNonEmptyTarget(t *testing.T) {
	// A Hearth database with one member.
	target := pgDatabase(t)
	ctx := context.Background()
	data := t.TempDir()
	if err := run([]string{"migrate", "-data", data}); err != nil {
		t.Fatal(err)
	}
	pg, err := store.Open(ctx, store.Options{DatabaseURL: target})
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.CreateUser(ctx, store.NewUser{Username: "already", DisplayName: "Already here"}); err != nil {
		t.Fatal(err)
	}
	pg.Close()
	before := pgSnapshot(t, target)
	err = runToError(t, "migrate-to-postgres", "-data", data, "-database-url", target)
	if err == nil || !strings.Contains(err.Error(), "is not empty (users: 1 rows)") || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("copy into a community's database: %v", err)
	}
	if after := pgSnapshot(t, target); !reflect.DeepEqual(after, before) {
		t.Fatalf("the refused database changed:\nbefore %v\nafter  %v", before, after)
	}

	// A database of something else: not even Hearth's tables are created.
	other := pgDatabase(t)
	conn, err := pgx.Connect(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `CREATE TABLE invoices (id BIGINT PRIMARY KEY); INSERT INTO invoices VALUES (1)`)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = runToError(t, "migrate-to-postgres", "-data", data, "-database-url", other)
	if err == nil || !strings.Contains(err.Error(), "invoices: 1 rows") {
		t.Fatalf("copy into another application's database: %v", err)
	}
	if after := pgSnapshot(t, other); !reflect.DeepEqual(after, map[string]int64{"invoices": 1}) {
		t.Fatalf("the refused database changed: %v", after)
	}

	// A database freshly migrated by Hearth holds only starter rows: that is empty.
	fresh := pgDatabase(t)
	if err := run([]string{"migrate", "-database-url", fresh}); err != nil {
		t.Fatal(err)
	}
	conn, err = pgx.Connect(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := checkEmptyTarget(ctx, conn, "fresh"); err != nil {
		t.Fatalf("a freshly migrated database: %v", err)
	}
}

// Without a database URL, or without the SQLite file, nothing is attempted.
func TestMigrateToPostgresNeedsBothEnds(t *testing.T) {
	data := t.TempDir()
	err := runToError(t, "migrate-to-postgres", "-data", data)
	if err == nil || !strings.Contains(err.Error(), "-database-url") {
		t.Fatalf("without a database URL: %v", err)
	}
	err = runToError(t, "migrate-to-postgres", "-data", data, "-database-url", "postgres://hearth:pw@127.0.0.1:1/hearth")
	if err == nil || !strings.Contains(err.Error(), "no SQLite database at "+filepath.Join(data, "hearth.db")) {
		t.Fatalf("without a SQLite file: %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(data, "hearth.db")); statErr == nil {
		t.Fatal("the missing SQLite file was created")
	}
}
