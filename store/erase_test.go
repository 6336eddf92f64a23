package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/store/storetest"
)

// memberDataGaps lists what the export and erasure plans miss: every column that holds a
// member's id (a foreign key to users(id), or one of userIDColumnsWithoutFK) must have an
// erasePlan rule whose cascade or set-null is what the schema really does, and an
// exportCoverage entry naming a real section or saying why none.
func memberDataGaps(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		tables = append(tables, n)
	}
	rows.Close()
	onDelete := map[string]string{} // table.column → ON DELETE action
	for _, tb := range tables {
		fks, err := db.QueryContext(ctx, `SELECT "table", "from", on_delete FROM pragma_foreign_key_list(?)`, tb)
		if err != nil {
			return nil, err
		}
		for fks.Next() {
			var parent, from, action string
			if err := fks.Scan(&parent, &from, &action); err != nil {
				fks.Close()
				return nil, err
			}
			if parent == "users" {
				onDelete[tb+"."+from] = action
			}
		}
		fks.Close()
	}
	for _, c := range userIDColumnsWithoutFK {
		onDelete[c] = "NO FOREIGN KEY"
	}
	sections := map[string]bool{}
	for _, s := range exportSections {
		sections[s.Name] = true
	}
	var gaps []string
	for col, action := range onDelete {
		rule, ok := erasePlan[col]
		switch {
		case !ok:
			gaps = append(gaps, col+": no erasure rule in erasePlan (store/erase.go)")
		case rule.How == eraseCascade && action != "CASCADE":
			gaps = append(gaps, fmt.Sprintf("%s: erasePlan says cascade, the schema says ON DELETE %s", col, action))
		case rule.How == eraseSetNull && action != "SET NULL":
			gaps = append(gaps, fmt.Sprintf("%s: erasePlan says set null, the schema says ON DELETE %s", col, action))
		}
		cov, ok := exportCoverage[col]
		switch {
		case !ok:
			gaps = append(gaps, col+": not in exportCoverage (store/export.go)")
		case strings.HasPrefix(cov, "-"):
		case !sections[cov]:
			gaps = append(gaps, fmt.Sprintf("%s: exportCoverage names section %q, which does not exist", col, cov))
		}
	}
	slices.Sort(gaps)
	return gaps, nil
}

// TestMemberDataCoverage fails when a table holding a member's id is added without export
// and erasure coverage, and shows that it would, with a table made up for the test.
func TestMemberDataCoverage(t *testing.T) {
	storetest.SkipOnPostgres(t, "reads the schema from sqlite_master; TestSchema shows PostgreSQL's tables are the same")
	s := openChatStore(t)
	ctx := context.Background()
	gaps, err := memberDataGaps(ctx, s.w)
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) > 0 {
		t.Fatalf("member data without export or erasure coverage:\n%s", strings.Join(gaps, "\n"))
	}
	// Every section is documented for members and their tools.
	doc, err := os.ReadFile("../docs/export.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range exportSections {
		if !bytes.Contains(doc, []byte("| `"+sec.Name+"` |")) {
			t.Errorf("section %s is not in docs/export.md", sec.Name)
		}
	}
	// A new table with a member's id and no plan for it is caught.
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE dummy_diary (id INTEGER PRIMARY KEY,
		user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, body TEXT)`); err != nil {
		t.Fatal(err)
	}
	gaps, err = memberDataGaps(ctx, s.w)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"dummy_diary.user_id: no erasure rule in erasePlan (store/erase.go)",
		"dummy_diary.user_id: not in exportCoverage (store/export.go)"}
	if !slices.Equal(gaps, want) {
		t.Fatalf("with an uncovered table, gaps = %q, want %q", gaps, want)
	}
}

// eraseWorld is a member, Marker, with something of every kind, and another member.
type eraseWorld struct {
	s            *Store
	marker, peer User
	group        Group
	msgIDs       []int64
	goal         Goal
}

const (
	markerName    = "Zxqvmarkername"
	markerMessage = "zxqv-message-text-7731"
	markerGoal    = "zxqv-goal-title-5512"
	markerStep    = "zxqv-milestone-4419"
	markerNote    = "zxqv-toolkit-note-8830"
	markerDraft   = "zxqv-draft-resource-2208"
	markerComment = "zxqv-comment-9921"
	markerReport  = "zxqv-report-note-6610"
	markerTaken   = "qqunpublishedbody3307"
	peerSecret    = "peer-private-goal-3391"
)

func newEraseWorld(t *testing.T) *eraseWorld {
	t.Helper()
	s := openChatStore(t)
	ctx := context.Background()
	chatUser(t, s, "admin") // the first account is the admin
	w := &eraseWorld{s: s}
	var err error
	if w.marker, err = s.CreateUser(ctx, NewUser{Username: "marker", DisplayName: markerName, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	w.peer = chatUser(t, s, "peer")
	if w.group, err = s.GroupBySlug(ctx, "welcome"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []User{w.marker, w.peer} {
		if err := s.Join(ctx, w.group.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	c := newCommitter(t, s, nil)
	for i := range 3 {
		p, err := c.Post(ctx, NewMessage{GroupID: w.group.ID, AuthorID: w.marker.ID, AuthorName: markerName,
			ClientID: fmt.Sprint("m", i), Body: fmt.Sprintf("%s number %d", markerMessage, i)})
		if err != nil {
			t.Fatal(err)
		}
		w.msgIDs = append(w.msgIDs, p.ID)
	}
	pp, err := c.Post(ctx, NewMessage{GroupID: w.group.ID, AuthorID: w.peer.ID, AuthorName: "peer", ClientID: "p1", Body: "hello from peer"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ToggleReaction(ctx, pp.ID, w.marker.ID, "heart"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ToggleReaction(ctx, w.msgIDs[0], w.peer.ID, "heart"); err != nil {
		t.Fatal(err)
	}
	if w.goal, err = s.CreateGoal(ctx, w.marker.ID, GoalInput{Title: markerGoal, Visibility: GoalMembers}, []string{markerStep}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordProgress(ctx, w.goal, GoalProgress{Note: "went well"}); err != nil {
		t.Fatal(err)
	}
	peerGoal, err := s.CreateGoal(ctx, w.peer.ID, GoalInput{Title: peerSecret, Visibility: GoalMembers}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddGoalComment(ctx, peerGoal, w.marker.ID, markerComment); err != nil {
		t.Fatal(err)
	}
	pub, err := s.CreateResource(ctx, ResourceInput{Slug: "marker-published", Title: "Breathing", Summary: "Slow breaths.",
		Body: "Breathe.", Category: "self-care"}, w.marker.ID, ResourcePublished)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateResource(ctx, ResourceInput{Slug: "marker-draft", Title: markerDraft, Summary: "s", Body: "b",
		Category: "self-care"}, w.marker.ID, ResourceDraft); err != nil {
		t.Fatal(err)
	}
	// Published once, then taken down: its words went through the search index.
	taken, err := s.CreateResource(ctx, ResourceInput{Slug: "marker-taken-down", Title: "Taken down", Summary: "s",
		Body: markerTaken, Category: "self-care"}, w.marker.ID, ResourcePublished)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ReviewResource(ctx, taken.ID, w.peer.ID, DecisionUnpublish, "out of date"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveToToolkit(ctx, w.marker.ID, pub.ID, markerNote); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkHelped(ctx, pub.ID, w.marker.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateReport(ctx, NewReport{ReporterID: w.marker.ID, SubjectID: w.peer.ID, GroupID: w.group.ID,
		MessageID: pp.ID, Reason: ReasonOther, Note: markerReport}); err != nil {
		t.Fatal(err)
	}
	return w
}

// rawFiles reads the database file with its -wal and -shm, as they are on disk.
func rawFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		out[path+suffix] = b
	}
	return out
}

// assertNotInFiles fails for every marker found in the raw files.
func assertNotInFiles(t *testing.T, files map[string][]byte, markers ...string) {
	t.Helper()
	for name, b := range files {
		for _, m := range markers {
			if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(m))) {
				t.Errorf("%q is still in %s", m, name)
			}
		}
	}
}

func TestEraseUserLeavesNoTrace(t *testing.T) {
	storetest.SkipOnPostgres(t, "reads the SQLite file, WAL and shm bytes")
	w := newEraseWorld(t)
	s, ctx := w.s, context.Background()
	before := rawFiles(t, s.path)
	found := false
	for _, b := range before {
		found = found || bytes.Contains(b, []byte(markerMessage))
	}
	if !found {
		t.Fatal("the marker text is not in the files before erasing: the test would prove nothing")
	}
	if ns, _ := s.Notifications(ctx, w.peer.ID, 10, 0); len(ns) != 1 {
		t.Fatalf("the peer has %d notifications before, want the comment's", len(ns))
	}
	var changes []Change
	s.OnChange(func(cs []Change) { changes = append(changes, cs...) })

	er, err := s.EraseUser(ctx, w.marker.ID)
	if err != nil {
		t.Fatal(err)
	}
	if er.MessageCount != 3 || len(er.Messages[w.group.ID]) != 3 {
		t.Fatalf("erased = %+v", er)
	}
	assertNotInFiles(t, rawFiles(t, s.path), markerName, markerMessage, markerGoal, markerStep, markerNote,
		markerDraft, markerComment, markerReport, markerTaken)

	// The peer's notification of the comment went with the one who wrote it.
	var left int
	s.w.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = ?`, w.peer.ID).Scan(&left)
	if left != 0 {
		t.Fatalf("the peer still has %d notifications naming the erased member", left)
	}
	// The messages stay as removed, by the former member, at their places.
	for _, id := range w.msgIDs {
		m, err := s.MessageByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !m.Deleted() || m.Body != "" || m.AuthorName != FormerMemberName || m.AuthorID == w.marker.ID {
			t.Fatalf("erased message = %+v", m)
		}
	}
	// The name is free again; the account is gone; the former member is nobody's to list.
	if _, err := s.UserByID(ctx, w.marker.ID); err != ErrNotFound {
		t.Fatalf("erased account: %v", err)
	}
	if _, err := s.CreateUser(ctx, NewUser{Username: "newcomer", DisplayName: markerName}); err != nil {
		t.Fatalf("the erased member's name is not free: %v", err)
	}
	users, _ := s.ListUsers(ctx, 100, 0)
	for _, u := range users {
		if u.DisplayName == FormerMemberName {
			t.Fatal("the former member account is listed")
		}
	}
	// The published resource stays, without its author.
	if r, err := s.ResourceBySlug(ctx, "marker-published"); err != nil || r.AuthorID != 0 {
		t.Fatalf("published resource after erasure: %+v, %v", r, err)
	}
	// Open sockets close through the change feed: the account's change is announced.
	if !slices.ContainsFunc(changes, func(c Change) bool { return c.Kind == ChangeUser && c.UserID == w.marker.ID }) {
		t.Fatalf("changes = %+v, want the account's", changes)
	}
	// A second erasure of a member reuses the former member account.
	if _, err := s.EraseUser(ctx, w.peer.ID); err != nil {
		t.Fatal(err)
	}
	var formers int
	s.w.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE username = ''`).Scan(&formers)
	if formers != 1 {
		t.Fatalf("%d former member accounts, want 1", formers)
	}
}

func TestEraseLastAdminRefused(t *testing.T) {
	s := openChatStore(t)
	admin := chatUser(t, s, "admin")
	if _, err := s.EraseUser(context.Background(), admin.ID); err != ErrLastAdmin {
		t.Fatalf("erase last admin: %v, want ErrLastAdmin", err)
	}
}

// TestExportFieldByField checks the export against what the member created, and that it
// holds nothing of the other member's.
func TestExportFieldByField(t *testing.T) {
	w := newEraseWorld(t)
	var buf bytes.Buffer
	if err := w.s.ExportUser(context.Background(), w.marker.ID, &buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, buf.String())
	}
	var schema string
	json.Unmarshal(doc["schema"], &schema)
	if schema != ExportSchema {
		t.Fatalf("schema = %q", schema)
	}
	for _, sec := range exportSections {
		if _, ok := doc[sec.Name]; !ok {
			t.Errorf("section %s missing", sec.Name)
		}
	}
	list := func(name string) []map[string]any {
		var out []map[string]any
		if err := json.Unmarshal(doc[name], &out); err != nil {
			t.Fatalf("section %s: %v", name, err)
		}
		return out
	}
	var profile map[string]any
	json.Unmarshal(doc["profile"], &profile)
	if profile["display_name"] != markerName || profile["username"] != "marker" {
		t.Errorf("profile = %v", profile)
	}
	if p := list("login_providers"); len(p) != 1 || p[0]["provider"] != "password" {
		t.Errorf("login_providers = %v", p)
	}
	msgs := list("messages")
	if len(msgs) != 3 || msgs[0]["body"] != markerMessage+" number 0" || msgs[0]["group"] != "welcome" || msgs[2]["seq"] != float64(3) {
		t.Errorf("messages = %v", msgs)
	}
	if r := list("message_reactions"); len(r) != 1 || r[0]["kind"] != "heart" {
		t.Errorf("message_reactions = %v", r)
	}
	if g := list("goals"); len(g) != 1 || g[0]["title"] != markerGoal {
		t.Errorf("goals = %v", g)
	}
	if m := list("goal_milestones"); len(m) != 1 || m[0]["title"] != markerStep {
		t.Errorf("goal_milestones = %v", m)
	}
	if e := list("goal_events"); !slices.ContainsFunc(e, func(x map[string]any) bool { return x["note"] == "went well" }) {
		t.Errorf("goal_events = %v", e)
	}
	if c := list("goal_comments"); len(c) != 1 || c[0]["body"] != markerComment {
		t.Errorf("goal_comments = %v", c)
	}
	if k := list("toolkit"); len(k) != 1 || k[0]["note"] != markerNote {
		t.Errorf("toolkit = %v", k)
	}
	if h := list("helped"); len(h) != 1 || h[0]["resource"] != "marker-published" {
		t.Errorf("helped = %v", h)
	}
	if r := list("resources_submitted"); len(r) != 3 {
		t.Errorf("resources_submitted = %v", r)
	}
	rep := list("reports_filed")
	if len(rep) != 1 || rep[0]["note"] != markerReport {
		t.Errorf("reports_filed = %v", rep)
	}
	if _, ok := rep[0]["subject_id"]; ok {
		t.Errorf("a filed report names its subject: %v", rep[0])
	}
	if g := list("groups"); len(g) != 1 || g[0]["group"] != "welcome" {
		t.Errorf("groups = %v", g)
	}
	if sess := list("sessions"); len(sess) != 0 {
		t.Errorf("sessions = %v", sess)
	}
	// Nothing of the other member's: their goal, their message, their name.
	for _, other := range []string{peerSecret, "hello from peer", `"peer"`, "token_hash", "password_hash"} {
		if strings.Contains(buf.String(), other) {
			t.Errorf("the export holds %q", other)
		}
	}
	// Times are written as RFC 3339.
	if _, ok := msgs[0]["created_at"].(string); !ok {
		t.Errorf("created_at = %#v", msgs[0]["created_at"])
	}
}

// TestExportHidesReportsAboutTheMember: a member's export says nothing of the reports
// about them, not even how moderators handled them: claiming and resolving a report (with
// a note naming the reporter) leave audit entries about the member, and none is exported.
func TestExportHidesReportsAboutTheMember(t *testing.T) {
	w := newEraseWorld(t)
	ctx := context.Background()
	admin, err := w.s.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	var report int64
	if err := w.s.w.QueryRowContext(ctx, `SELECT id FROM reports WHERE subject_id = ?`, w.peer.ID).Scan(&report); err != nil {
		t.Fatal(err)
	}
	if err := w.s.ClaimReport(ctx, report, admin.ID); err != nil {
		t.Fatal(err)
	}
	const resolution = "the one who reported says he wrote to her privately"
	if err := w.s.ResolveReport(ctx, report, admin.ID, OutcomeNoAction, resolution); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.s.ExportUser(ctx, w.peer.ID, &buf); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{resolution, markerReport, "resolve:", "claim", markerName} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the reported member's export holds %q", secret)
		}
	}
}
