package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SanctionKind names what a moderator did to a member.
type SanctionKind string

// The sanction kinds.
const (
	SanctionHide    SanctionKind = "hide"    // one of their messages hidden
	SanctionWarn    SanctionKind = "warn"    // a warning, on their record
	SanctionMute    SanctionKind = "mute"    // may not post in a group for a while
	SanctionBan     SanctionKind = "ban"     // removed from a group and may not rejoin
	SanctionSuspend SanctionKind = "suspend" // may not use Hearth at all for a while
)

// Sanction is one thing a moderator did to a member, as the member's notices page and the
// appeal show it.
type Sanction struct {
	ID          int64
	Kind        SanctionKind
	UserID      int64
	MemberName  string
	GroupID     int64
	GroupName   string
	GroupSlug   string
	MessageID   int64
	ModeratorID int64 // 0 once the moderator's account is gone
	Reason      string
	CreatedAt   time.Time
	ExpiresAt   time.Time // zero: until lifted (or, for hide and warn, not applicable)
	LiftedAt    time.Time
	// Appeal is the member's appeal, if they sent one.
	Appeal *Appeal
}

// InForce reports whether the sanction still applies at now.
func (s Sanction) InForce(now time.Time) bool {
	if !s.LiftedAt.IsZero() {
		return false
	}
	return s.ExpiresAt.IsZero() || s.ExpiresAt.After(now)
}

// Appeal is a member's appeal of a sanction.
type Appeal struct {
	ID           int64
	SanctionID   int64
	UserID       int64
	Note         string
	CreatedAt    time.Time
	DecidedBy    int64
	DecidedAt    time.Time
	Outcome      string // "", "upheld" or "lifted"
	DecisionNote string
}

// AuditEntry is one line of the audit log. Ids only: names are looked up when it is read,
// so a deleted member is an anonymous number there.
type AuditEntry struct {
	ID          int64
	At          time.Time
	ModeratorID int64
	Action      string
	TargetID    int64
	GroupID     int64
	MessageID   int64
	ReportID    int64
	Reason      string
	Detail      string

	// Filled in when read.
	ModeratorName, TargetName, GroupName string
}

// auditTx appends an entry to the audit log inside the action's own transaction. There is
// no other write to the table: no update or delete path exists, and the database refuses
// both (migration 00009's triggers).
func auditTx(ctx context.Context, tx *sql.Tx, now time.Time, e AuditEntry) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, moderator_id, action, target_id, group_id, message_id, report_id, reason, detail)
		VALUES (?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), NULLIF(?, 0), NULLIF(?, 0), ?, ?)`,
		ms(now), e.ModeratorID, e.Action, e.TargetID, e.GroupID, e.MessageID, e.ReportID, e.Reason, e.Detail)
	if err != nil {
		return fmt.Errorf("write audit entry: %w", err)
	}
	return nil
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Scope       ReportScope // which groups' entries the reader may see
	GroupID     int64
	ModeratorID int64
	TargetID    int64
	Limit       int
}

// Audit returns the newest audit entries that match f. A reader limited to some groups
// sees only entries of those groups.
func (s *Store) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 200
	}
	all, groups := f.Scope.args()
	rows, err := s.r.QueryContext(ctx, `SELECT a.id, a.at, a.moderator_id, a.action, COALESCE(a.target_id, 0), COALESCE(a.group_id, 0),
		COALESCE(a.message_id, 0), COALESCE(a.report_id, 0), a.reason, a.detail,
		COALESCE(mu.display_name, ''), COALESCE(tu.display_name, ''), COALESCE(g.name, '')
		FROM audit_log a
		LEFT JOIN users mu ON mu.id = a.moderator_id
		LEFT JOIN users tu ON tu.id = a.target_id
		LEFT JOIN groups g ON g.id = a.group_id
		WHERE (CAST(?1 AS INTEGER) <> 0 OR a.group_id IN (SELECT value FROM json_each(CAST(?2 AS TEXT))))
		  AND (?3 = 0 OR a.group_id = ?3) AND (?4 = 0 OR a.moderator_id = ?4) AND (?5 = 0 OR a.target_id = ?5)
		ORDER BY a.id DESC LIMIT ?6`, all, groups, f.GroupID, f.ModeratorID, f.TargetID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("load audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ModeratorID, &e.Action, &e.TargetID, &e.GroupID, &e.MessageID, &e.ReportID, &e.Reason, &e.Detail,
			&e.ModeratorName, &e.TargetName, &e.GroupName); err != nil {
			return nil, fmt.Errorf("load audit log: %w", err)
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Action is a moderator's action on a member or message: who acts, why, and the report it
// answers (0: none).
type Action struct {
	ModeratorID int64
	Reason      string
	ReportID    int64
}

func (s *Store) insertSanction(ctx context.Context, tx *sql.Tx, a Action, kind SanctionKind, userID, groupID, messageID int64, until time.Time) (int64, error) {
	var exp any
	if !until.IsZero() {
		exp = ms(until)
	}
	res, err := insertRow(ctx, tx, `INSERT INTO sanctions (kind, user_id, group_id, message_id, moderator_id, reason, created_at, expires_at)
		VALUES (?, ?, NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?, ?)`, string(kind), userID, groupID, messageID, a.ModeratorID, a.Reason, ms(s.Now()), exp)
	if err != nil {
		return 0, fmt.Errorf("record %s: %w", kind, err)
	}
	id, _ := res.LastInsertId()
	detail := ""
	if !until.IsZero() {
		detail = "until " + until.UTC().Format(time.RFC3339)
	}
	if err := auditTx(ctx, tx, s.Now(), AuditEntry{ModeratorID: a.ModeratorID, Action: string(kind), TargetID: userID, GroupID: groupID,
		MessageID: messageID, ReportID: a.ReportID, Reason: a.Reason, Detail: detail}); err != nil {
		return 0, err
	}
	return id, s.notifyModTx(ctx, tx, userID, groupID, sanctionWords(kind, until), a.Reason)
}

// sanctionWords is what a sanction of kind means to the member it concerns.
func sanctionWords(kind SanctionKind, until time.Time) string {
	var w string
	switch kind {
	case SanctionHide:
		w = "a message of yours was hidden by a moderator"
	case SanctionWarn:
		w = "a moderator warned you"
	case SanctionMute:
		w = "you were muted in this group"
	case SanctionBan:
		w = "you were banned from this group"
	case SanctionSuspend:
		w = "your account was suspended"
	default:
		w = "a moderator acted"
	}
	if kind == SanctionMute || kind == SanctionBan || kind == SanctionSuspend {
		if until.IsZero() {
			w += " until it is lifted"
		} else {
			w += " until " + until.UTC().Format("2 Jan 2006 15:04 UTC")
		}
	}
	return w
}

// notifyModTx tells userID, in the transaction of the action, that a moderator action
// concerns them: what happened and the reason. Only the member reads it (a notification
// is its recipient's alone); it never names a reporter or the moderator. The caller
// announces ChangeNotification for userID after commit.
func (s *Store) notifyModTx(ctx context.Context, tx *sql.Tx, userID, groupID int64, what, reason string) error {
	detail := what
	if reason != "" {
		detail += ". Reason: " + reason
	}
	if _, err := notifyTx(ctx, tx, Notice{UserID: userID, Kind: NoticeModeration, GroupID: groupID, Detail: detail}, ms(s.Now())); err != nil {
		return fmt.Errorf("notify moderation: %w", err)
	}
	return nil
}

// HideMessage hides a message from everyone but the moderators (and its author, who sees
// that it was hidden and why on their notices page). A removed message is ErrNotFound, one
// already hidden ErrAlreadyHidden.
func (s *Store) HideMessage(ctx context.Context, a Action, messageID int64) (Message, error) {
	var groupID, author int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var deleted, hidden sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT group_id, author_id, deleted_at, hidden_at FROM messages WHERE id = ?`, messageID).
			Scan(&groupID, &author, &deleted, &hidden); err != nil {
			return notFound(err, "load message to hide")
		}
		switch {
		case deleted.Valid:
			return ErrNotFound
		case hidden.Valid:
			return ErrAlreadyHidden
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET hidden_at = ? WHERE id = ?`, ms(s.Now()), messageID); err != nil {
			return fmt.Errorf("hide message: %w", err)
		}
		_, err := s.insertSanction(ctx, tx, a, SanctionHide, author, groupID, messageID, time.Time{})
		return err
	})
	if err != nil {
		return Message{}, err
	}
	s.announce(Change{Kind: ChangeMessage, GroupID: groupID, MessageID: messageID},
		Change{Kind: ChangeSanction, GroupID: groupID, UserID: author}, Change{Kind: ChangeNotification, UserID: author})
	return s.MessageByID(ctx, messageID)
}

// RestoreMessage shows a hidden message again and lifts its hide.
func (s *Store) RestoreMessage(ctx context.Context, a Action, messageID int64) (Message, error) {
	var groupID, author int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var hidden, deleted sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT group_id, author_id, hidden_at, deleted_at FROM messages WHERE id = ?`, messageID).
			Scan(&groupID, &author, &hidden, &deleted); err != nil {
			return notFound(err, "load message to restore")
		}
		if deleted.Valid {
			return ErrNotFound
		}
		if !hidden.Valid {
			return ErrNotHidden
		}
		now := ms(s.Now())
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET hidden_at = NULL WHERE id = ?`, messageID); err != nil {
			return fmt.Errorf("restore message: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sanctions SET lifted_at = ?, lifted_by = ? WHERE message_id = ? AND kind = 'hide' AND lifted_at IS NULL`,
			now, a.ModeratorID, messageID); err != nil {
			return fmt.Errorf("restore message: %w", err)
		}
		return auditTx(ctx, tx, s.Now(), AuditEntry{ModeratorID: a.ModeratorID, Action: "restore", TargetID: author, GroupID: groupID,
			MessageID: messageID, ReportID: a.ReportID, Reason: a.Reason})
	})
	if err != nil {
		return Message{}, err
	}
	s.announce(Change{Kind: ChangeMessage, GroupID: groupID, MessageID: messageID},
		Change{Kind: ChangeSanction, GroupID: groupID, UserID: author})
	return s.MessageByID(ctx, messageID)
}

// Warn records a warning to a member; groupID names the group it concerns (0: none).
func (s *Store) Warn(ctx context.Context, a Action, userID, groupID int64) error {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		_, err := s.insertSanction(ctx, tx, a, SanctionWarn, userID, groupID, 0, time.Time{})
		return err
	})
	if err == nil {
		s.announce(Change{Kind: ChangeSanction, GroupID: groupID, UserID: userID}, Change{Kind: ChangeNotification, UserID: userID})
	}
	return err
}

func userExists(ctx context.Context, tx *sql.Tx, userID int64) error {
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one); err != nil {
		return notFound(err, "load member")
	}
	return nil
}

func isMemberTx(ctx context.Context, tx *sql.Tx, groupID, userID int64) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM memberships WHERE group_id = ? AND user_id = ?`, groupID, userID).Scan(&one)
	if err == sql.ErrNoRows {
		return ErrNotMember
	}
	return err
}

// Mute stops a member posting in a group until until (zero: until lifted). The member
// must belong to the group (ErrNotMember).
func (s *Store) Mute(ctx context.Context, a Action, userID, groupID int64, until time.Time) error {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if err := isMemberTx(ctx, tx, groupID, userID); err != nil {
			return err
		}
		_, err := s.insertSanction(ctx, tx, a, SanctionMute, userID, groupID, 0, until)
		return err
	})
	if err == nil {
		s.announce(Change{Kind: ChangeSanction, GroupID: groupID, UserID: userID}, Change{Kind: ChangeNotification, UserID: userID})
	}
	return err
}

// RemoveMember takes a member out of a group (they may join again).
func (s *Store) RemoveMember(ctx context.Context, a Action, userID, groupID int64) error {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE group_id = ? AND user_id = ?`, groupID, userID)
		if err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotMember
		}
		if err := auditTx(ctx, tx, s.Now(), AuditEntry{ModeratorID: a.ModeratorID, Action: "remove", TargetID: userID, GroupID: groupID,
			ReportID: a.ReportID, Reason: a.Reason}); err != nil {
			return err
		}
		return s.notifyModTx(ctx, tx, userID, groupID, "you were removed from this group (you may join again)", a.Reason)
	})
	if err == nil {
		s.announce(Change{Kind: ChangeMembership, GroupID: groupID, UserID: userID},
			Change{Kind: ChangeSanction, GroupID: groupID, UserID: userID}, Change{Kind: ChangeNotification, UserID: userID})
	}
	return err
}

// Ban removes a member from a group (if they are in it) and keeps them out until until
// (zero: until lifted).
func (s *Store) Ban(ctx context.Context, a Action, userID, groupID int64, until time.Time) error {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.serialize(ctx, tx, lockMember, userID); err != nil {
			return err
		}
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE group_id = ? AND user_id = ?`, groupID, userID); err != nil {
			return fmt.Errorf("ban member: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM join_requests WHERE group_id = ? AND user_id = ?`, groupID, userID); err != nil {
			return fmt.Errorf("ban member: %w", err)
		}
		_, err := s.insertSanction(ctx, tx, a, SanctionBan, userID, groupID, 0, until)
		return err
	})
	if err == nil {
		s.announce(Change{Kind: ChangeMembership, GroupID: groupID, UserID: userID},
			Change{Kind: ChangeSanction, GroupID: groupID, UserID: userID}, Change{Kind: ChangeNotification, UserID: userID})
	}
	return err
}

// bannedTx reports ErrBanned when a ban keeps userID out of groupID now.
func bannedTx(ctx context.Context, tx *sql.Tx, groupID, userID, now int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sanctions WHERE user_id = ? AND group_id = ? AND kind = 'ban'
		AND lifted_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`, userID, groupID, now).Scan(&n); err != nil {
		return fmt.Errorf("check ban: %w", err)
	}
	if n > 0 {
		return ErrBanned
	}
	return nil
}

// Banned reports whether a ban keeps userID out of groupID now.
func (s *Store) Banned(ctx context.Context, groupID, userID int64) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sanctions WHERE user_id = ? AND group_id = ? AND kind = 'ban'
		AND lifted_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`, userID, groupID, ms(s.Now())).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check ban: %w", err)
	}
	return n > 0, nil
}

// Suspend keeps a member out of Hearth until until (zero: until lifted): every session of
// theirs ends now, which closes their sockets through the change feed.
func (s *Store) Suspend(ctx context.Context, a Action, userID int64, until time.Time) error {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
			return fmt.Errorf("suspend: end sessions: %w", err)
		}
		_, err := s.insertSanction(ctx, tx, a, SanctionSuspend, userID, 0, 0, until)
		return err
	})
	if err == nil {
		s.announce(Change{Kind: ChangeSession, UserID: userID}, Change{Kind: ChangeUser, UserID: userID},
			Change{Kind: ChangeSanction, UserID: userID}, Change{Kind: ChangeNotification, UserID: userID})
	}
	return err
}

// ActiveSuspension returns the suspension in force for userID, if any.
func (s *Store) ActiveSuspension(ctx context.Context, userID int64) (Sanction, bool, error) {
	list, err := s.sanctions(ctx, `s.user_id = ? AND s.kind = 'suspend' AND s.lifted_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?)`,
		userID, ms(s.Now()))
	if err != nil || len(list) == 0 {
		return Sanction{}, false, err
	}
	return list[0], true, nil
}

// LiftSanction ends a sanction early. Lifting a hide restores the message.
func (s *Store) LiftSanction(ctx context.Context, a Action, sanctionID int64) (Sanction, error) {
	sn, err := s.SanctionByID(ctx, sanctionID)
	if err != nil {
		return Sanction{}, err
	}
	if !sn.InForce(s.Now()) || sn.Kind == SanctionWarn {
		return Sanction{}, ErrSanctionOver
	}
	if sn.Kind == SanctionHide {
		_, err := s.RestoreMessage(ctx, a, sn.MessageID)
		return sn, err
	}
	err = s.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE sanctions SET lifted_at = ?, lifted_by = ? WHERE id = ?`, ms(s.Now()), a.ModeratorID, sanctionID); err != nil {
			return fmt.Errorf("lift sanction: %w", err)
		}
		return auditTx(ctx, tx, s.Now(), AuditEntry{ModeratorID: a.ModeratorID, Action: "lift:" + string(sn.Kind), TargetID: sn.UserID,
			GroupID: sn.GroupID, Reason: a.Reason})
	})
	if err == nil {
		s.announce(Change{Kind: ChangeSanction, GroupID: sn.GroupID, UserID: sn.UserID})
	}
	return sn, err
}

const sanctionSelect = `SELECT s.id, s.kind, s.user_id, COALESCE(s.group_id, 0), COALESCE(g.name, ''), COALESCE(g.slug, ''),
	COALESCE(s.message_id, 0), COALESCE(s.moderator_id, 0), s.reason, s.created_at, COALESCE(s.expires_at, 0), COALESCE(s.lifted_at, 0),
	a.id IS NOT NULL, COALESCE(a.id, 0), COALESCE(a.note, ''), COALESCE(a.created_at, 0), COALESCE(a.decided_by, 0),
	COALESCE(a.decided_at, 0), COALESCE(a.outcome, ''), COALESCE(a.decision_note, ''), COALESCE(mu.display_name, '')
	FROM sanctions s LEFT JOIN groups g ON g.id = s.group_id LEFT JOIN appeals a ON a.sanction_id = s.id
	LEFT JOIN users mu ON mu.id = s.user_id WHERE `

func (s *Store) sanctions(ctx context.Context, where string, args ...any) ([]Sanction, error) {
	rows, err := s.r.QueryContext(ctx, sanctionSelect+where+` ORDER BY s.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("load sanctions: %w", err)
	}
	defer rows.Close()
	var out []Sanction
	for rows.Next() {
		var sn Sanction
		var ap Appeal
		var hasAppeal bool
		var created, exp, lifted, apCreated, apDecided int64
		if err := rows.Scan(&sn.ID, &sn.Kind, &sn.UserID, &sn.GroupID, &sn.GroupName, &sn.GroupSlug, &sn.MessageID, &sn.ModeratorID,
			&sn.Reason, &created, &exp, &lifted, &hasAppeal, &ap.ID, &ap.Note, &apCreated, &ap.DecidedBy, &apDecided, &ap.Outcome, &ap.DecisionNote, &sn.MemberName); err != nil {
			return nil, fmt.Errorf("load sanctions: %w", err)
		}
		sn.CreatedAt = fromMS(created)
		if exp != 0 {
			sn.ExpiresAt = fromMS(exp)
		}
		if lifted != 0 {
			sn.LiftedAt = fromMS(lifted)
		}
		if hasAppeal {
			ap.SanctionID, ap.UserID, ap.CreatedAt = sn.ID, sn.UserID, fromMS(apCreated)
			if apDecided != 0 {
				ap.DecidedAt = fromMS(apDecided)
			}
			sn.Appeal = &ap
		}
		out = append(out, sn)
	}
	return out, rows.Err()
}

// SanctionByID loads one sanction with its appeal.
func (s *Store) SanctionByID(ctx context.Context, id int64) (Sanction, error) {
	list, err := s.sanctions(ctx, `s.id = ?`, id)
	if err != nil {
		return Sanction{}, err
	}
	if len(list) == 0 {
		return Sanction{}, ErrNotFound
	}
	return list[0], nil
}

// SanctionsOf returns a member's record, newest first: what they see on their notices page.
func (s *Store) SanctionsOf(ctx context.Context, userID int64) ([]Sanction, error) {
	return s.sanctions(ctx, `s.user_id = ?`, userID)
}

// ActiveMute returns the mute in force for userID in groupID, if any.
func (s *Store) ActiveMute(ctx context.Context, groupID, userID int64) (Sanction, bool, error) {
	list, err := s.sanctions(ctx, `s.user_id = ? AND s.group_id = ? AND s.kind = 'mute' AND s.lifted_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?)`,
		userID, groupID, ms(s.Now()))
	if err != nil || len(list) == 0 {
		return Sanction{}, false, err
	}
	return list[0], true, nil
}

// FileAppeal records a member's one appeal of one of their sanctions.
func (s *Store) FileAppeal(ctx context.Context, userID, sanctionID int64, note string) error {
	var groupID int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var owner int64
		var g sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT user_id, group_id FROM sanctions WHERE id = ?`, sanctionID).Scan(&owner, &g); err != nil {
			return notFound(err, "load sanction to appeal")
		}
		if owner != userID {
			return ErrNotFound
		}
		groupID = g.Int64
		_, err := tx.ExecContext(ctx, `INSERT INTO appeals (sanction_id, user_id, note, created_at) VALUES (?, ?, ?, ?)`,
			sanctionID, userID, note, ms(s.Now()))
		if err != nil && isUniqueViolation(err, "") {
			return ErrAlreadyAppealed
		}
		return err
	})
	if err == nil {
		s.announce(Change{Kind: ChangeReport, GroupID: groupID})
	}
	return err
}

// OpenAppeal is an undecided appeal with its sanction, for the queue.
type OpenAppeal struct {
	Appeal
	Sanction   Sanction
	MemberName string
}

// OpenAppeals returns the undecided appeals in scope, oldest first.
func (s *Store) OpenAppeals(ctx context.Context, sc ReportScope) ([]OpenAppeal, error) {
	all, groups := sc.args()
	rows, err := s.r.QueryContext(ctx, `SELECT a.id, a.sanction_id, COALESCE(u.display_name, '') FROM appeals a
		JOIN sanctions s ON s.id = a.sanction_id LEFT JOIN users u ON u.id = a.user_id
		WHERE a.decided_at IS NULL AND (CAST(?1 AS INTEGER) <> 0 OR s.group_id IN (SELECT value FROM json_each(CAST(?2 AS TEXT))))
		ORDER BY a.id LIMIT 100`, all, groups)
	if err != nil {
		return nil, fmt.Errorf("load appeals: %w", err)
	}
	type ref struct {
		id, sid int64
		name    string
	}
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.id, &r.sid, &r.name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load appeals: %w", err)
		}
		refs = append(refs, r)
	}
	rows.Close()
	out := make([]OpenAppeal, 0, len(refs))
	for _, r := range refs {
		sn, err := s.SanctionByID(ctx, r.sid)
		if err != nil {
			return nil, err
		}
		out = append(out, OpenAppeal{Appeal: *sn.Appeal, Sanction: sn, MemberName: r.name})
	}
	return out, nil
}

// AppealByID loads an appeal with its sanction.
func (s *Store) AppealByID(ctx context.Context, id int64) (OpenAppeal, error) {
	var sid int64
	if err := s.r.QueryRowContext(ctx, `SELECT sanction_id FROM appeals WHERE id = ?`, id).Scan(&sid); err != nil {
		return OpenAppeal{}, notFound(err, "load appeal")
	}
	sn, err := s.SanctionByID(ctx, sid)
	if err != nil {
		return OpenAppeal{}, err
	}
	return OpenAppeal{Appeal: *sn.Appeal, Sanction: sn}, nil
}

// DecideAppeal upholds or lifts the sanction an appeal is about. Who may decide is the
// policy's (authz.DecideAppeal); lifting a hide restores the message.
func (s *Store) DecideAppeal(ctx context.Context, a Action, appealID int64, lift bool) error {
	ap, err := s.AppealByID(ctx, appealID)
	if err != nil {
		return err
	}
	if !ap.DecidedAt.IsZero() {
		return ErrDecided
	}
	outcome := "upheld"
	if lift {
		outcome = "lifted"
	}
	err = s.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE appeals SET decided_by = ?, decided_at = ?, outcome = ?, decision_note = ? WHERE id = ? AND decided_at IS NULL`,
			a.ModeratorID, ms(s.Now()), outcome, a.Reason, appealID)
		if err != nil {
			return fmt.Errorf("decide appeal: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrDecided
		}
		if err := auditTx(ctx, tx, s.Now(), AuditEntry{ModeratorID: a.ModeratorID, Action: "appeal:" + outcome, TargetID: ap.Sanction.UserID,
			GroupID: ap.Sanction.GroupID, MessageID: ap.Sanction.MessageID, Reason: a.Reason}); err != nil {
			return err
		}
		what := "your appeal was decided: the sanction stands"
		if lift {
			what = "your appeal was decided: the sanction is lifted"
		}
		return s.notifyModTx(ctx, tx, ap.Sanction.UserID, ap.Sanction.GroupID, what, a.Reason)
	})
	if err != nil {
		return err
	}
	s.announce(Change{Kind: ChangeReport, GroupID: ap.Sanction.GroupID}, Change{Kind: ChangeSanction, GroupID: ap.Sanction.GroupID, UserID: ap.Sanction.UserID},
		Change{Kind: ChangeNotification, UserID: ap.Sanction.UserID})
	if lift && ap.Sanction.InForce(s.Now()) && ap.Sanction.Kind != SanctionWarn {
		if _, err := s.LiftSanction(ctx, a, ap.Sanction.ID); err != nil {
			return err
		}
	}
	return nil
}

// RoomState is a change to a group's room: lock, slow mode, facilitation. nil fields stay.
type RoomState struct {
	Locked      *bool
	SlowSeconds *int
	Facilitated *bool
}

// SetRoomState changes a group's room state, with its audit entry.
func (s *Store) SetRoomState(ctx context.Context, a Action, groupID int64, rs RoomState) error {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		audit := func(action, detail string) error {
			return auditTx(ctx, tx, s.Now(), AuditEntry{ModeratorID: a.ModeratorID, Action: action, GroupID: groupID, Reason: a.Reason, Detail: detail})
		}
		exec := func(q string, args ...any) error {
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("set room state: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrNotFound
			}
			return nil
		}
		if rs.Locked != nil {
			var at any
			action := "unlock"
			if *rs.Locked {
				at, action = ms(s.Now()), "lock"
			}
			if err := exec(`UPDATE groups SET locked_at = ? WHERE id = ?`, at, groupID); err != nil {
				return err
			}
			if err := audit(action, ""); err != nil {
				return err
			}
		}
		if rs.SlowSeconds != nil {
			if err := exec(`UPDATE groups SET slow_mode_seconds = ? WHERE id = ?`, *rs.SlowSeconds, groupID); err != nil {
				return err
			}
			if err := audit("slow_mode", fmt.Sprintf("%d s", *rs.SlowSeconds)); err != nil {
				return err
			}
		}
		if rs.Facilitated != nil {
			if err := exec(`UPDATE groups SET facilitated = ? WHERE id = ?`, *rs.Facilitated, groupID); err != nil {
				return err
			}
			detail := "off"
			if *rs.Facilitated {
				detail = "on"
			}
			if err := audit("facilitated", detail); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.announce(Change{Kind: ChangeGroup, GroupID: groupID})
	}
	return err
}

// CountDeciders counts the site moderators and admins other than userID: whether someone
// else can decide an appeal of userID's action.
func (s *Store) CountDeciders(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role IN ('moderator', 'admin') AND id != ?`, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count moderators: %w", err)
	}
	return n, nil
}

// HasUnseenSanctions reports whether userID has a notice they have not opened yet.
func (s *Store) HasUnseenSanctions(ctx context.Context, userID int64) (bool, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sanctions WHERE user_id = ? AND seen_at IS NULL)`, userID).Scan(&n); err != nil {
		return false, fmt.Errorf("check new notices: %w", err)
	}
	return n != 0, nil
}

// MarkSanctionsSeen records that userID opened their notices.
func (s *Store) MarkSanctionsSeen(ctx context.Context, userID int64) error {
	res, err := s.exec(ctx, `UPDATE sanctions SET seen_at = ? WHERE user_id = ? AND seen_at IS NULL`, ms(s.Now()), userID)
	if err != nil {
		return fmt.Errorf("mark notices seen: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		s.announce(Change{Kind: ChangeSanction, UserID: userID})
	}
	return nil
}

// ActiveInGroup returns the mutes and bans in force in a group, newest first, with the
// members' names: the room settings page lists them with a way to lift each.
func (s *Store) ActiveInGroup(ctx context.Context, groupID int64) ([]Sanction, error) {
	return s.sanctions(ctx, `s.group_id = ? AND s.kind IN ('mute', 'ban') AND s.lifted_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?)`,
		groupID, ms(s.Now()))
}
