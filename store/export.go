package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Exporting a member's data (issue 13, "Export my data"). The file is one JSON object,
// {"schema": "hearth-export/1", "exported_at": …, "profile": {…}, "<section>": [...], …},
// documented in docs/export.md. It is written to the response as rows are read: every
// section is a query whose rows are encoded one at a time, and the large ones are read in
// pages by id, so a member with 100,000 messages is never held in memory.
//
// One section per table (or per part of a table that is the member's): to cover a new
// table, add a section here, a row to exportCoverage and docs/export.md, and a rule to
// erasePlan (erase.go). TestMemberDataCoverage fails until all of that is done.

// ExportSchema names the version of the export file's layout. A change that removes or
// renames a field makes it hearth-export/2; adding a section or a field does not.
const ExportSchema = "hearth-export/1"

// exportPage is how many rows a paged section reads per query: the LIMIT of every paged
// section's SQL.
const exportPage = 1000

// exportSection is one key of the export file. Its query takes the member's id and, when
// Paged, its first column's value in the last row of the previous page (From before the
// first page) as the second argument: the first column is the page key, an index's order,
// so each page is read straight from the index. Columns are named as they appear in the file; those ending in
// "_at" hold unix milliseconds and are written as RFC 3339 times (null for none).
type exportSection struct {
	Name   string
	Single bool // one object (the profile), not a list
	Paged  bool
	From   any // the page key before the first page: 0 when nil
	SQL    string
	// If set, the section is written only when this table exists (a table another part of
	// Hearth adds), and is an empty list otherwise.
	NeedsTable string
}

// exportSections are written in this order.
var exportSections = []exportSection{
	{Name: "profile", Single: true, SQL: `SELECT u.id, u.username, u.display_name, u.email, u.role, u.created_at,
		COALESCE(p.cw_open, 0) AS content_warnings_open
		FROM users u LEFT JOIN member_prefs p ON p.user_id = u.id WHERE u.id = ?`},
	{Name: "login_providers", SQL: `SELECT 'password' AS provider FROM users WHERE id = ? AND password_hash != ''`},
	{Name: "login_providers_linked", NeedsTable: "user_identities",
		SQL: `SELECT provider, created_at FROM user_identities WHERE user_id = ? ORDER BY provider`},
	{Name: "sessions", SQL: `SELECT id, created_at, last_seen_at, expires_at, user_agent, ip
		FROM sessions WHERE user_id = ? ORDER BY id`},
	{Name: "password_resets", SQL: `SELECT created_at, expires_at, used_at FROM password_resets WHERE user_id = ? ORDER BY id`},
	{Name: "groups", SQL: `SELECT g.slug AS "group", g.name, m.is_moderator = 1 AS group_moderator, m.joined_at,
		m.guidelines_accepted_at, m.last_read_seq FROM memberships m JOIN groups g ON g.id = m.group_id
		WHERE m.user_id = ? ORDER BY g.slug`},
	{Name: "groups_created", SQL: `SELECT slug AS "group", name, created_at FROM groups WHERE created_by = ? ORDER BY id`},
	{Name: "join_requests", SQL: `SELECT g.slug AS "group", j.note, j.created_at, j.approved_at
		FROM join_requests j JOIN groups g ON g.id = j.group_id WHERE j.user_id = ? ORDER BY j.created_at`},
	{Name: "invites_created", SQL: `SELECT g.slug AS "group", i.created_at, i.expires_at, i.max_uses, i.uses
		FROM group_invites i JOIN groups g ON g.id = i.group_id WHERE i.created_by = ? ORDER BY i.id`},
	// Paged in the order of the (author_id, client_id) index the chat's writer keeps anyway:
	// by id it would need an index of its own on the hottest table, or a sort per page.
	{Name: "messages", Paged: true, From: "", SQL: `SELECT m.client_id, m.id, g.slug AS "group", m.seq, m.body, m.content_warning,
		m.created_at, m.edited_at, m.deleted_at, m.hidden_at, m.held = 1 AS held_for_review, r.slug AS shared_resource
		FROM messages m JOIN groups g ON g.id = m.group_id LEFT JOIN resources r ON r.id = m.resource_id
		WHERE m.author_id = ? AND m.client_id > ? ORDER BY m.client_id LIMIT 1000`},
	{Name: "message_reactions", SQL: `SELECT r.message_id, g.slug AS "group", r.kind, r.created_at
		FROM reactions r JOIN messages m ON m.id = r.message_id JOIN groups g ON g.id = m.group_id
		WHERE r.user_id = ? ORDER BY r.message_id, r.kind`},
	{Name: "goals", SQL: `SELECT g.id, g.title, g.why, g.target_date, g.visibility, gr.slug AS shared_with_group,
		g.state, g.comments_off = 1 AS comments_off, g.created_at, g.updated_at, g.buddy_id IS NOT NULL AS has_buddy
		FROM goals g LEFT JOIN groups gr ON gr.id = g.group_id WHERE g.user_id = ? ORDER BY g.id`},
	{Name: "goal_milestones", SQL: `SELECT m.id, m.goal_id, m.position, m.title, m.done_at
		FROM goal_milestones m JOIN goals g ON g.id = m.goal_id WHERE g.user_id = ? ORDER BY m.goal_id, m.position`},
	{Name: "goal_events", SQL: `SELECT e.id, e.goal_id, e.kind, e.note, e.milestone_title, e.feeling, e.created_at
		FROM goal_events e JOIN goals g ON g.id = e.goal_id WHERE g.user_id = ? ORDER BY e.id`},
	{Name: "goal_reactions_received", SQL: `SELECT r.goal_id, r.kind, count(*) AS count
		FROM goal_reactions r JOIN goals g ON g.id = r.goal_id WHERE g.user_id = ? GROUP BY r.goal_id, r.kind ORDER BY r.goal_id, r.kind`},
	{Name: "goal_reactions", SQL: `SELECT goal_id, kind, created_at FROM goal_reactions WHERE user_id = ? ORDER BY created_at`},
	{Name: "goal_comments", Paged: true, SQL: `SELECT id, goal_id, body, created_at FROM goal_comments
		WHERE user_id = ? AND id > ? ORDER BY id LIMIT 1000`},
	{Name: "toolkit", SQL: `SELECT r.slug AS resource, r.title, t.note, t.position, t.created_at
		FROM toolkit_items t JOIN resources r ON r.id = t.resource_id WHERE t.user_id = ? ORDER BY t.position`},
	{Name: "helped", SQL: `SELECT r.slug AS resource, h.created_at FROM resource_helped h JOIN resources r ON r.id = h.resource_id
		WHERE h.user_id = ? ORDER BY h.created_at`},
	{Name: "resources_submitted", SQL: `SELECT slug, title, summary, body, category, tags, link, warning, source, status,
		review_note, helped_count, created_at, updated_at FROM resources WHERE author_id = ? ORDER BY id`},
	{Name: "resource_revisions", SQL: `SELECT r.slug AS resource, v.id AS revision, v.note, v.created_at
		FROM resource_revisions v JOIN resources r ON r.id = v.resource_id WHERE v.editor_id = ? ORDER BY v.id`},
	{Name: "resource_reviews", SQL: `SELECT r.slug AS resource, v.decision, v.note, v.created_at
		FROM resource_reviews v JOIN resources r ON r.id = v.resource_id WHERE v.moderator_id = ? ORDER BY v.id`},
	// Reports the member filed: what they said and how it ended, never who or what was
	// reported beyond the message's id and group (the reported member's data is not theirs).
	{Name: "reports_filed", SQL: `SELECT r.id, r.reason, r.note, g.slug AS "group", r.message_id, r.created_at, r.resolved_at, r.outcome
		FROM reports r LEFT JOIN groups g ON g.id = r.group_id WHERE r.reporter_id = ? ORDER BY r.id`},
	{Name: "sanctions", SQL: `SELECT s.id, s.kind, g.slug AS "group", s.message_id, s.reason, s.created_at, s.expires_at,
		s.lifted_at, s.seen_at FROM sanctions s LEFT JOIN groups g ON g.id = s.group_id WHERE s.user_id = ? ORDER BY s.id`},
	{Name: "appeals", SQL: `SELECT sanction_id, note, created_at, decided_at, outcome, decision_note
		FROM appeals WHERE user_id = ? ORDER BY id`},
	// What moderators did about the member, and what the member did as a moderator: the
	// audit log holds ids, and only the action, the time and the reason are given. The
	// handling of reports about the member (claims and resolutions, with the moderators'
	// notes) is left out: it would tell them they were reported, when, where, and perhaps
	// by whom. What they were told of (warnings, mutes, hides, appeals) is in.
	{Name: "audit_about_me", SQL: `SELECT a.action, g.slug AS "group", a.reason, a.at AS recorded_at
		FROM audit_log a LEFT JOIN groups g ON g.id = a.group_id
		WHERE a.target_id = ? AND a.action != 'claim' AND a.action NOT LIKE 'resolve:%' ORDER BY a.id`},
	{Name: "moderation_actions", Paged: true, SQL: `SELECT a.id, a.action, g.slug AS "group", a.reason, a.at AS recorded_at
		FROM audit_log a LEFT JOIN groups g ON g.id = a.group_id WHERE a.moderator_id = ? AND a.id > ? ORDER BY a.id LIMIT 1000`},
	{Name: "notifications", Paged: true, SQL: `SELECT n.id, n.kind, n.goal_id, g.slug AS "group", n.detail, n.created_at,
		n.updated_at, n.read_at FROM notifications n LEFT JOIN groups g ON g.id = n.group_id
		WHERE n.user_id = ? AND n.id > ? ORDER BY n.id LIMIT 1000`},
	{Name: "notification_settings_off", SQL: `SELECT kind FROM notification_settings WHERE user_id = ? ORDER BY kind`},
}

// exportCoverage says, for every column holding a member's id ("table.column"), which
// section exports the member's rows, or, starting with "-", why none does.
var exportCoverage = map[string]string{
	"users.id":                      "profile",
	"member_prefs.user_id":          "profile",
	"sessions.user_id":              "sessions",
	"password_resets.user_id":       "password_resets",
	"user_identities.user_id":       "login_providers_linked",
	"oauth_flows.user_id":           "-a login with a provider under way, gone after 10 minutes; it holds only hashes",
	"groups.created_by":             "groups_created",
	"memberships.user_id":           "groups",
	"join_requests.user_id":         "join_requests",
	"group_invites.created_by":      "invites_created",
	"messages.author_id":            "messages",
	"reactions.user_id":             "message_reactions",
	"goals.user_id":                 "goals",
	"goals.buddy_id":                "-the goal and its words are its owner's; a buddy sees it in Hearth",
	"goal_reactions.user_id":        "goal_reactions",
	"goal_comments.user_id":         "goal_comments",
	"toolkit_items.user_id":         "toolkit",
	"resource_helped.user_id":       "helped",
	"resources.author_id":           "resources_submitted",
	"resource_revisions.editor_id":  "resource_revisions",
	"resource_reviews.moderator_id": "resource_reviews",
	"reports.reporter_id":           "reports_filed",
	"reports.subject_id":            "-reports about a member are for moderators only: exporting them would tell who reported whom",
	"reports.claimed_by":            "-the report is its reporter's; the moderator's acts are in moderation_actions",
	"reports.resolved_by":           "-the report is its reporter's; the moderator's acts are in moderation_actions",
	"sanctions.user_id":             "sanctions",
	"sanctions.moderator_id":        "-the sanction is its member's record; the moderator's acts are in moderation_actions",
	"sanctions.lifted_by":           "-the sanction is its member's record; the moderator's acts are in moderation_actions",
	"appeals.user_id":               "appeals",
	"appeals.decided_by":            "-the appeal is its member's; the moderator's acts are in moderation_actions",
	"audit_log.moderator_id":        "moderation_actions",
	"audit_log.target_id":           "audit_about_me",
	"notifications.user_id":         "notifications",
	"notification_actors.actor_id":  "-another member's notification, which names them as its actor",
	"notification_settings.user_id": "notification_settings_off",
}

// ExportUser writes everything Hearth holds about userID to w as one JSON document, read
// from one snapshot of the database. It returns ErrNotFound for an unknown account.
func (s *Store) ExportUser(ctx context.Context, userID int64, w io.Writer) error {
	conn, err := s.r.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer conn.Close()
	// One read transaction: every section sees the same moment, and WAL lets the writer
	// carry on meanwhile.
	begin := `BEGIN`
	if s.pg {
		begin = `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		return fmt.Errorf("export: begin: %w", err)
	}
	defer conn.ExecContext(context.Background(), `ROLLBACK`) //nolint:errcheck // a read transaction
	var one int
	if err := conn.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ? AND username != ''`, userID).Scan(&one); err != nil {
		return notFound(err, "export: load account")
	}
	tables := map[string]bool{}
	listTables := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if s.pg {
		listTables = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := conn.QueryContext(ctx, listTables)
	if err != nil {
		return fmt.Errorf("export: list tables: %w", err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("export: list tables: %w", err)
		}
		tables[n] = true
	}
	rows.Close()

	bw := bufio.NewWriterSize(w, 32<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	fmt.Fprintf(bw, "{\"schema\":%q,\n\"exported_at\":%q", ExportSchema, s.Now().Format(time.RFC3339))
	for _, sec := range exportSections {
		fmt.Fprintf(bw, ",\n%q:", sec.Name)
		if sec.NeedsTable != "" && !tables[sec.NeedsTable] {
			bw.WriteString("[]")
			continue
		}
		if err := exportSectionRows(ctx, conn, bw, enc, sec, userID); err != nil {
			return fmt.Errorf("export section %s: %w", sec.Name, err)
		}
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// exportSectionRows writes one section: an object, or a list of objects read page by page.
func exportSectionRows(ctx context.Context, conn *sql.Conn, bw *bufio.Writer, enc *json.Encoder, sec exportSection, userID int64) error {
	if !sec.Single {
		bw.WriteByte('[')
	}
	first := true
	after := sec.From
	if after == nil {
		after = int64(0)
	}
	for {
		args := []any{userID}
		if sec.Paged {
			args = append(args, after)
		}
		rows, err := conn.QueryContext(ctx, sec.SQL, args...)
		if err != nil {
			return err
		}
		n, last, err := exportRows(rows, bw, enc, sec.Single, &first)
		if err != nil {
			return err
		}
		if !sec.Paged || n < exportPage {
			break
		}
		after = last
		// A long export must not hold the response writer's buffer: what is encoded goes out.
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	if sec.Single {
		if first {
			bw.WriteString("null")
		}
		return nil
	}
	_, err := bw.WriteString("]")
	return err
}

// exportRows encodes each row as an object in column order and returns how many it wrote
// and the first column of the last row (the paging key).
func exportRows(rows *sql.Rows, bw *bufio.Writer, enc *json.Encoder, single bool, first *bool) (int, any, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	obj := exportRow{cols: cols, vals: vals}
	n := 0
	var last any
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, last, err
		}
		last = vals[0]
		if b, ok := last.([]byte); ok {
			last = string(b)
		}
		if !*first {
			bw.WriteByte(',')
		}
		*first = false
		if err := enc.Encode(obj); err != nil {
			return n, last, err
		}
		n++
		if single {
			break
		}
	}
	return n, last, rows.Err()
}

// exportRow is one row as a JSON object with its keys in column order.
type exportRow struct {
	cols []string
	vals []any
}

func (r exportRow) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range r.cols {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(c)
		b.Write(k)
		b.WriteByte(':')
		v := r.vals[i]
		if bs, ok := v.([]byte); ok {
			v = string(bs)
		}
		if n, ok := v.(int64); ok && strings.HasSuffix(c, "_at") {
			v = fromMS(n).Format(time.RFC3339Nano)
		}
		j, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c, err)
		}
		b.Write(j)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
