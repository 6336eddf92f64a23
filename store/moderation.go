package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Moderation: reports, sanctions, appeals and the audit log. Every moderator action writes
// its audit entry in the same transaction as the action itself, so there is no action
// without its entry and no entry without its action.

// ReportReason is why a member reported a message or a member.
type ReportReason string

// The report reasons. ReasonCare ("I'm worried about this person") is a care concern: it
// comes first in the queue and is raised to the admins when nobody claims it.
const (
	ReasonCare       ReportReason = "care"
	ReasonHarassment ReportReason = "harassment"
	ReasonSpam       ReportReason = "spam"
	ReasonUnsafe     ReportReason = "unsafe"
	ReasonOther      ReportReason = "other"
)

// ReportReasons lists the reasons in the order the report form offers them.
var ReportReasons = []ReportReason{ReasonCare, ReasonHarassment, ReasonSpam, ReasonUnsafe, ReasonOther}

// ValidReportReason reports whether r is one of ReportReasons.
func ValidReportReason(r string) bool {
	for _, k := range ReportReasons {
		if string(k) == r {
			return true
		}
	}
	return false
}

// MaxReasonLen bounds report notes, action reasons, appeal notes and resolution notes, in
// characters.
const MaxReasonLen = 500

// Moderation errors.
var (
	ErrAlreadyReported = errors.New("already reported")
	ErrAlreadyClaimed  = errors.New("claimed by another moderator")
	ErrResolved        = errors.New("already resolved")
	ErrAlreadyHidden   = errors.New("already hidden")
	ErrNotHidden       = errors.New("not hidden")
	ErrNotMember       = errors.New("not a member of the group")
	ErrBanned          = errors.New("banned from the group")
	ErrAlreadyAppealed = errors.New("already appealed")
	ErrSanctionOver    = errors.New("sanction no longer in force")
	ErrDecided         = errors.New("appeal already decided")
)

// NewReport is a report a member files, or the word filter (ReporterID 0).
type NewReport struct {
	ReporterID int64 // 0: the community's word filter flagged the message
	SubjectID  int64 // the reported member (the author of a reported message)
	GroupID    int64 // 0: none (a check-in asked for outside a group)
	MessageID  int64 // 0: a report about the member, not a message
	// CommentID names a reported goal comment (then MessageID and GroupID are 0: a
	// comment's reports are reviewed by site moderators and admins).
	CommentID int64
	Reason    ReportReason
	Note      string
}

// CreateReport files a report. A second open report by the same member on the same message
// (or the same member in the same group) is ErrAlreadyReported; a report on a removed or
// hidden message is ErrNotFound.
func (s *Store) CreateReport(ctx context.Context, r NewReport) (int64, error) {
	var id int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if r.MessageID != 0 {
			var gone sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(deleted_at, hidden_at) FROM messages WHERE id = ?`, r.MessageID).Scan(&gone); err != nil {
				return notFound(err, "load reported message")
			}
			if gone.Valid {
				return ErrNotFound
			}
		}
		if r.CommentID != 0 {
			var hidden sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT hidden_at FROM goal_comments WHERE id = ?`, r.CommentID).Scan(&hidden); err != nil {
				return notFound(err, "load reported comment")
			}
			if hidden.Valid {
				return ErrNotFound
			}
		}
		res, err := insertRow(ctx, tx, `INSERT INTO reports (reporter_id, subject_id, group_id, message_id, comment_id, reason, note, created_at)
			VALUES (NULLIF(?, 0), ?, NULLIF(?, 0), NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?)`,
			r.ReporterID, r.SubjectID, r.GroupID, r.MessageID, r.CommentID, string(r.Reason), r.Note, ms(s.Now()))
		if err != nil {
			if isUniqueViolation(err, "") {
				return ErrAlreadyReported
			}
			return fmt.Errorf("file report: %w", err)
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, err
	}
	s.announce(Change{Kind: ChangeReport, GroupID: r.GroupID})
	return id, nil
}

// ReportScope is which reports a moderator reviews: all of them, or those of the groups
// they moderate.
type ReportScope struct {
	All    bool
	Groups []int64
}

func (sc ReportScope) args() (bool, string) { return sc.All, int64sJSON(sc.Groups) }

// QueueItem is one entry of the moderators' queue: the open reports about one message (or
// one member in one group), merged.
type QueueItem struct {
	ReportID     int64 // the oldest open report of the entry: what claim and resolve name
	MessageID    int64
	CommentID    int64            // a reported goal comment (MessageID 0)
	Comment      *ReportedComment // the reported comment, if any
	SubjectID    int64
	SubjectName  string
	GroupID      int64
	GroupName    string
	GroupSlug    string
	Care         bool
	SelfCheckIn  bool // the member asked for a check-in themselves
	Filtered     bool // the word filter flagged the message (a report without a reporter)
	Reasons      []ReportReason
	Notes        []string
	Reporters    int // how many members reported it (the word filter is not counted)
	Newest       time.Time
	Oldest       time.Time
	ClaimedBy    int64
	ClaimerName  string
	Message      *Message  // the reported message, if any
	Context      []Message // a few messages around it, the reported one included
	MessageState string    // "", "hidden" or "removed"
}

var (
	queueSQLite = fmt.Sprintf(queueSQL, "group_concat(DISTINCT r.reason) AS reasons, COALESCE(group_concat(NULLIF(r.note, ''), char(31)), '') AS notes")
	queuePG     = fmt.Sprintf(queueSQL, "string_agg(DISTINCT r.reason, ',') AS reasons, COALESCE(string_agg(NULLIF(r.note, ''), chr(31)), '') AS notes")
)

// queueSQL is the moderators' queue; its %s are the two lists, written per engine
// (queueListsSQLite, queueListsPG).
const queueSQL = `
WITH t AS (
    SELECT COALESCE(r.message_id, 0) AS mid, COALESCE(r.comment_id, 0) AS cid, r.subject_id AS sid, COALESCE(r.group_id, 0) AS gid,
           MIN(r.id) AS rid, MAX(CASE WHEN r.reason = 'care' THEN 1 ELSE 0 END) AS care,
           MAX(CASE WHEN r.reporter_id = r.subject_id THEN 1 ELSE 0 END) AS self,
           MAX(CASE WHEN r.reporter_id IS NULL THEN 1 ELSE 0 END) AS filtered,
           MAX(r.created_at) AS newest, MIN(r.created_at) AS oldest, COUNT(DISTINCT r.reporter_id) AS n,
           %s,
           MAX(COALESCE(r.claimed_by, 0)) AS claimer
    FROM reports r
    WHERE r.resolved_at IS NULL AND (CAST(?1 AS INTEGER) <> 0 OR r.group_id IN (SELECT value FROM json_each(CAST(?2 AS TEXT))))
    GROUP BY mid, cid, sid, gid
    HAVING MIN(r.id) > CAST(?4 AS INTEGER))
SELECT t.rid, t.mid, t.cid, t.sid, COALESCE(u.display_name, ''), t.gid, COALESCE(g.name, ''), COALESCE(g.slug, ''),
       t.care, t.self, t.filtered, t.reasons, t.notes, t.n, t.newest, t.oldest, t.claimer, COALESCE(c.display_name, ''),
       count(*) OVER ()
FROM t
LEFT JOIN users u ON u.id = t.sid
LEFT JOIN groups g ON g.id = t.gid
LEFT JOIN users c ON c.id = t.claimer
ORDER BY t.care DESC, t.newest DESC, t.rid DESC
LIMIT CAST(?3 AS INTEGER)`

// Queue returns the open reports in scope, merged per message (or member), care concerns
// first and then the newest, at most limit entries, with each reported message and
// contextN messages either side of it; total is how many entries there are in all. after
// leaves out the entries whose first report is not newer than that report id (the live
// queue asks for what is new since it last looked).
func (s *Store) Queue(ctx context.Context, sc ReportScope, after int64, limit, contextN int) (items []QueueItem, total int, err error) {
	all, groups := sc.args()
	q := queueSQLite
	if s.pg {
		q = queuePG
	}
	rows, err := s.r.QueryContext(ctx, q, all, groups, limit, after)
	if err != nil {
		return nil, 0, fmt.Errorf("load report queue: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it QueueItem
		var reasons, notes string
		var newest, oldest int64
		if err := rows.Scan(&it.ReportID, &it.MessageID, &it.CommentID, &it.SubjectID, &it.SubjectName, &it.GroupID, &it.GroupName, &it.GroupSlug,
			&it.Care, &it.SelfCheckIn, &it.Filtered, &reasons, &notes, &it.Reporters, &newest, &oldest, &it.ClaimedBy, &it.ClaimerName, &total); err != nil {
			return nil, 0, fmt.Errorf("load report queue: %w", err)
		}
		for _, r := range strings.Split(reasons, ",") {
			it.Reasons = append(it.Reasons, ReportReason(r))
		}
		if notes != "" {
			it.Notes = strings.Split(notes, "\x1f")
		}
		it.Newest, it.Oldest = fromMS(newest), fromMS(oldest)
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("load report queue: %w", err)
	}
	rows.Close()
	if err := s.loadReportedMessages(ctx, items, contextN); err != nil {
		return nil, 0, err
	}
	if err := s.loadReportedComments(ctx, items); err != nil {
		return nil, 0, err
	}
	return items, total, nil
}

// ReportedComment is a reported goal comment as the moderators' queue shows it: its text
// (even once hidden: the moderators decide on it), its author, and the goal it is on.
// GoalTitle is the goal's title; the queue shows it only to a moderator who may see the
// goal (handlers decide with authz.SeeGoal, and blank it otherwise).
type ReportedComment struct {
	ID         int64
	GoalID     int64
	GoalTitle  string
	AuthorID   int64
	AuthorName string
	Body       string
	CreatedAt  time.Time
	Hidden     bool
}

// loadReportedComments fills each comment item's comment, in one query.
func (s *Store) loadReportedComments(ctx context.Context, items []QueueItem) error {
	var ids []int64
	for _, it := range items {
		if it.CommentID != 0 {
			ids = append(ids, it.CommentID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT c.id, c.goal_id, g.title, c.user_id, u.display_name, c.body, c.created_at, c.hidden_at IS NOT NULL
		FROM goal_comments c JOIN goals g ON g.id = c.goal_id JOIN users u ON u.id = c.user_id
		WHERE c.id IN (SELECT value FROM json_each(CAST(? AS TEXT)))`, int64sJSON(ids))
	if err != nil {
		return fmt.Errorf("load reported comments: %w", err)
	}
	defer rows.Close()
	got := map[int64]*ReportedComment{}
	for rows.Next() {
		var c ReportedComment
		var at int64
		if err := rows.Scan(&c.ID, &c.GoalID, &c.GoalTitle, &c.AuthorID, &c.AuthorName, &c.Body, &at, &c.Hidden); err != nil {
			return fmt.Errorf("load reported comments: %w", err)
		}
		c.CreatedAt = fromMS(at)
		got[c.ID] = &c
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load reported comments: %w", err)
	}
	for i := range items {
		if c := got[items[i].CommentID]; c != nil {
			cc := *c
			items[i].Comment = &cc
		}
	}
	return nil
}

// aroundSQL loads, for each reported message of a JSON list of ids, itself and the messages
// up to ?2 sequences either side of it, in one query; k is the reported message's id.
const aroundSQL = `WITH t AS (SELECT r.id AS k, r.group_id AS gid, r.seq AS s FROM messages r
	    WHERE r.id IN (SELECT value FROM json_each(CAST(?1 AS TEXT))))
	SELECT t.k, ` + messageColumns + `
	FROM t JOIN messages m ON m.group_id = t.gid AND m.seq BETWEEN t.s - CAST(?2 AS INTEGER) AND t.s + CAST(?2 AS INTEGER)
	JOIN users u ON u.id = m.author_id
	ORDER BY t.k, m.seq`

// loadReportedMessages fills each item's reported message and its context.
func (s *Store) loadReportedMessages(ctx context.Context, items []QueueItem, n int) error {
	var ids []int64
	at := map[int64][]int{}
	for i, it := range items {
		if it.MessageID != 0 {
			if _, ok := at[it.MessageID]; !ok {
				ids = append(ids, it.MessageID)
			}
			at[it.MessageID] = append(at[it.MessageID], i)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.r.QueryContext(ctx, aroundSQL, int64sJSON(ids), n)
	if err != nil {
		return fmt.Errorf("load reported messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k int64
		var m Message
		var created, edited, deleted, hidden int64
		if err := rows.Scan(&k, &m.ID, &m.GroupID, &m.Seq, &m.AuthorID, &m.AuthorName, &m.ClientID, &m.Body,
			&created, &edited, &deleted, &m.ContentWarning, &m.Held, &hidden, &m.ResourceID); err != nil {
			return fmt.Errorf("load reported messages: %w", err)
		}
		m.CreatedAt = fromMS(created)
		if edited != 0 {
			m.EditedAt = fromMS(edited)
		}
		if deleted != 0 {
			m.DeletedAt = fromMS(deleted)
		}
		if hidden != 0 {
			m.HiddenAt = fromMS(hidden)
		}
		for _, i := range at[k] {
			it := &items[i]
			it.Context = append(it.Context, m)
			if m.ID == k {
				mm := m
				it.Message = &mm
				switch {
				case m.Deleted():
					it.MessageState = "removed"
				case m.Hidden():
					it.MessageState = "hidden"
				}
			}
		}
	}
	return rows.Err()
}

// Report is one filed report.
type Report struct {
	ID                      int64
	ReporterID, SubjectID   int64 // ReporterID 0: the word filter
	GroupID, MessageID      int64
	CommentID               int64
	Reason                  ReportReason
	Note                    string
	CreatedAt               time.Time
	ClaimedBy, ResolvedBy   int64
	Resolved                bool
	Outcome, ResolutionNote string
}

// ReportByID loads one report.
func (s *Store) ReportByID(ctx context.Context, id int64) (Report, error) {
	var r Report
	var created int64
	var resolved sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT id, COALESCE(reporter_id, 0), subject_id, COALESCE(group_id, 0), COALESCE(message_id, 0),
		COALESCE(comment_id, 0), reason, note,
		created_at, COALESCE(claimed_by, 0), COALESCE(resolved_by, 0), resolved_at, COALESCE(outcome, ''), resolution_note
		FROM reports WHERE id = ?`, id).Scan(&r.ID, &r.ReporterID, &r.SubjectID, &r.GroupID, &r.MessageID, &r.CommentID, &r.Reason, &r.Note,
		&created, &r.ClaimedBy, &r.ResolvedBy, &resolved, &r.Outcome, &r.ResolutionNote)
	if err != nil {
		return Report{}, notFound(err, "load report")
	}
	r.CreatedAt, r.Resolved = fromMS(created), resolved.Valid
	return r, nil
}

// sameTarget selects the open reports about the same message, comment or member as report ?1.
const sameTarget = `resolved_at IS NULL AND (COALESCE(message_id, 0), COALESCE(comment_id, 0), subject_id, COALESCE(group_id, 0)) =
	(SELECT COALESCE(message_id, 0), COALESCE(comment_id, 0), subject_id, COALESCE(group_id, 0) FROM reports WHERE id = CAST(?1 AS INTEGER))`

// ClaimReport marks a report (and every open report about the same thing) as being
// handled by moderatorID. Claimed by someone else: ErrAlreadyClaimed; resolved: ErrResolved.
func (s *Store) ClaimReport(ctx context.Context, reportID, moderatorID int64) error {
	var groupID int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		// Two moderators acting on one report at once: the second sees the first's claim.
		if err := s.serialize(ctx, tx, lockReports, 0); err != nil {
			return err
		}
		var claimer int64
		var resolved sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(group_id, 0), COALESCE(claimed_by, 0), resolved_at FROM reports WHERE id = ?`, reportID).
			Scan(&groupID, &claimer, &resolved); err != nil {
			return notFound(err, "load report to claim")
		}
		switch {
		case resolved.Valid:
			return ErrResolved
		case claimer != 0 && claimer != moderatorID:
			return ErrAlreadyClaimed
		}
		var other int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM reports WHERE `+sameTarget+` AND claimed_by IS NOT NULL AND claimed_by != ?2`,
			reportID, moderatorID).Scan(&other); err != nil {
			return fmt.Errorf("claim report: %w", err)
		}
		if other > 0 {
			return ErrAlreadyClaimed
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET claimed_by = ?2, claimed_at = ?3 WHERE `+sameTarget,
			reportID, moderatorID, ms(s.Now())); err != nil {
			return fmt.Errorf("claim report: %w", err)
		}
		return auditTx(ctx, tx, s.Now(), AuditEntry{ModeratorID: moderatorID, Action: "claim", ReportID: reportID, GroupID: groupID})
	})
	if err == nil {
		s.announce(Change{Kind: ChangeReport, GroupID: groupID})
	}
	return err
}

// Outcomes of a resolved report.
const (
	OutcomeNoAction    = "no_action"
	OutcomeActionTaken = "action_taken"
)

// ResolveReport closes a report and every open report about the same thing with an
// outcome and a note. A report another moderator claimed is theirs to resolve
// (ErrAlreadyClaimed).
func (s *Store) ResolveReport(ctx context.Context, reportID, moderatorID int64, outcome, note string) error {
	if outcome != OutcomeNoAction && outcome != OutcomeActionTaken {
		return fmt.Errorf("resolve report: unknown outcome %q", outcome)
	}
	var groupID, subject, message int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		// Two moderators acting on one report at once: the second sees the first's claim.
		if err := s.serialize(ctx, tx, lockReports, 0); err != nil {
			return err
		}
		var claimer int64
		var resolved sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(group_id, 0), subject_id, COALESCE(message_id, 0), COALESCE(claimed_by, 0), resolved_at FROM reports WHERE id = ?`, reportID).
			Scan(&groupID, &subject, &message, &claimer, &resolved); err != nil {
			return notFound(err, "load report to resolve")
		}
		switch {
		case resolved.Valid:
			return ErrResolved
		case claimer != 0 && claimer != moderatorID:
			return ErrAlreadyClaimed
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET resolved_by = ?2, resolved_at = ?3, outcome = ?4, resolution_note = ?5,
			claimed_by = COALESCE(claimed_by, ?2), claimed_at = COALESCE(claimed_at, ?3) WHERE `+sameTarget,
			reportID, moderatorID, ms(s.Now()), outcome, note); err != nil {
			return fmt.Errorf("resolve report: %w", err)
		}
		return auditTx(ctx, tx, s.Now(), AuditEntry{ModeratorID: moderatorID, Action: "resolve:" + outcome, ReportID: reportID,
			GroupID: groupID, TargetID: subject, MessageID: message, Reason: note})
	})
	if err == nil {
		s.announce(Change{Kind: ChangeReport, GroupID: groupID})
	}
	return err
}

// HandledSince counts the queue entries moderatorID resolved since t (their day's work).
func (s *Store) HandledSince(ctx context.Context, moderatorID int64, t time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM reports WHERE resolved_by = ? AND resolved_at >= ?
		GROUP BY COALESCE(message_id, 0), COALESCE(comment_id, 0), subject_id, COALESCE(group_id, 0), resolved_at) AS resolved`, moderatorID, ms(t)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count handled reports: %w", err)
	}
	return n, nil
}

// CareAlert is a care concern nobody claimed in time.
type CareAlert struct {
	ReportID  int64
	GroupName string
	CreatedAt time.Time
}

// StaleCareConcerns returns the open, unclaimed care concerns filed before now-wait, oldest
// first; raised lists those among them that had not been raised before: they are marked
// raised now and every admin gets a NoticeModeration notification, so each is raised once.
func (s *Store) StaleCareConcerns(ctx context.Context, wait time.Duration) (all []CareAlert, raised []CareAlert, err error) {
	cut := ms(s.Now().Add(-wait))
	var notified []int64
	err = s.InTx(ctx, func(tx *sql.Tx) error {
		all, raised, notified = nil, nil, nil // afresh if InTx runs this again
		rows, err := tx.QueryContext(ctx, `SELECT r.id, COALESCE(g.name, ''), r.created_at, r.raised_at IS NULL FROM reports r
			LEFT JOIN groups g ON g.id = r.group_id
			WHERE r.reason = 'care' AND r.resolved_at IS NULL AND r.claimed_by IS NULL AND r.created_at <= ? ORDER BY r.created_at`, cut)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a CareAlert
			var at int64
			var fresh bool
			if err := rows.Scan(&a.ReportID, &a.GroupName, &at, &fresh); err != nil {
				return err
			}
			a.CreatedAt = fromMS(at)
			all = append(all, a)
			if fresh {
				raised = append(raised, a)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if len(raised) == 0 {
			return nil
		}
		admins, err := adminsTx(ctx, tx)
		if err != nil {
			return err
		}
		for _, a := range raised {
			if _, err := tx.ExecContext(ctx, `UPDATE reports SET raised_at = ? WHERE id = ?`, ms(s.Now()), a.ReportID); err != nil {
				return err
			}
			// Raised once per report (raised_at), in the same transaction: no admin is told
			// twice, and none is told if the mark does not commit. The text names no one.
			where := ""
			if a.GroupName != "" {
				where = " in " + a.GroupName
			}
			detail := fmt.Sprintf("a care concern%s has waited %s unclaimed: please open the moderation queue",
				where, s.Now().Sub(a.CreatedAt).Round(time.Minute))
			for _, id := range admins {
				ok, err := notifyTx(ctx, tx, Notice{UserID: id, Kind: NoticeModeration, Detail: detail}, ms(s.Now()))
				if err != nil {
					return err
				}
				if ok {
					notified = append(notified, id)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("load unclaimed care concerns: %w", err)
	}
	for _, id := range notified {
		s.announce(Change{Kind: ChangeNotification, UserID: id})
	}
	return all, raised, nil
}

// ModeratedGroups returns the ids of the groups userID is a group moderator of.
func (s *Store) ModeratedGroups(ctx context.Context, userID int64) ([]int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT group_id FROM memberships WHERE user_id = ? AND is_moderator <> 0`, userID)
	if err != nil {
		return nil, fmt.Errorf("load moderated groups: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("load moderated groups: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// LastReportID is the newest report's id (0: none): where the live queue starts.
func (s *Store) LastReportID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM reports`).Scan(&id); err != nil {
		return 0, fmt.Errorf("load last report id: %w", err)
	}
	return id, nil
}

// MessageReported reports whether anyone ever reported the message: a site moderator may
// then read it (and act on it) in a private group they are not a member of.
func (s *Store) MessageReported(ctx context.Context, messageID int64) (bool, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM reports WHERE message_id = ?`, messageID).Scan(&n); err != nil {
		return false, fmt.Errorf("check reports of message: %w", err)
	}
	return n > 0, nil
}

// adminsTx returns the ids of the site admins.
func adminsTx(ctx context.Context, tx *sql.Tx) ([]int64, error) {
	ids, err := queryIDs(ctx, tx, `SELECT id FROM users WHERE role = 'admin'`)
	if err != nil {
		return nil, fmt.Errorf("load admins: %w", err)
	}
	return ids, nil
}

// HideReason returns the reason of the hide in force on a message ("" when it is not
// hidden): what its moderators and its author read beside it in the room.
func (s *Store) HideReason(ctx context.Context, messageID int64) (string, error) {
	var reason string
	err := s.r.QueryRowContext(ctx, `SELECT reason FROM sanctions WHERE message_id = ? AND kind = 'hide' AND lifted_at IS NULL
		ORDER BY id DESC LIMIT 1`, messageID).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("load hide reason: %w", err)
	}
	return reason, nil
}
