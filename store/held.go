package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ErrNotHeld is ApproveHeld's and RejectHeld's refusal of a message that is not (or no
// longer) held for review.
var ErrNotHeld = errors.New("not held for review")

// A message the word filter held (messages.held = 1) is seen by its author (HeldMessages)
// and the moderators (the /mod queue, through the report the filter filed) only, until a
// moderator approves it (it joins the room) or rejects it (its text is deleted, like a
// removal, and it stays out of every listing).

// ApproveHeld releases a held message to its room: held is cleared, the filter's open
// reports on it are resolved, and the decision is audited, in one transaction.
func (s *Store) ApproveHeld(ctx context.Context, a Action, messageID int64) (Message, error) {
	return s.decideHeld(ctx, a, messageID, true)
}

// RejectHeld deletes a held message's text (it never reaches the room), resolves the
// filter's reports, audits the decision and tells the author, in one transaction.
func (s *Store) RejectHeld(ctx context.Context, a Action, messageID int64) (Message, error) {
	return s.decideHeld(ctx, a, messageID, false)
}

func (s *Store) decideHeld(ctx context.Context, a Action, messageID int64, approve bool) (Message, error) {
	var groupID, author int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var held bool
		var deleted sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT group_id, author_id, held, deleted_at FROM messages WHERE id = ?`, messageID).
			Scan(&groupID, &author, &held, &deleted); err != nil {
			return notFound(err, "load held message")
		}
		if !held || deleted.Valid {
			return ErrNotHeld
		}
		now := ms(s.Now())
		action, outcome := "approve", "no_action"
		if approve {
			if _, err := tx.ExecContext(ctx, `UPDATE messages SET held = 0 WHERE id = ?`, messageID); err != nil {
				return fmt.Errorf("approve held message: %w", err)
			}
		} else {
			action, outcome = "reject", "action_taken"
			if _, err := tx.ExecContext(ctx, `UPDATE messages SET body = '', content_warning = '', deleted_at = ? WHERE id = ?`, now, messageID); err != nil {
				return fmt.Errorf("reject held message: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET resolved_by = ?, resolved_at = ?, outcome = ?, resolution_note = ?
			WHERE message_id = ? AND reporter_id IS NULL AND resolved_at IS NULL`, a.ModeratorID, now, outcome, a.Reason, messageID); err != nil {
			return fmt.Errorf("resolve the filter's report: %w", err)
		}
		if err := auditTx(ctx, tx, s.Now(), AuditEntry{ModeratorID: a.ModeratorID, Action: action, TargetID: author, GroupID: groupID,
			MessageID: messageID, ReportID: a.ReportID, Reason: a.Reason}); err != nil {
			return err
		}
		if approve {
			return nil
		}
		return s.notifyModTx(ctx, tx, author, groupID, "a message of yours held for review was not approved", a.Reason)
	})
	if err != nil {
		return Message{}, err
	}
	changes := []Change{{Kind: ChangeMessage, GroupID: groupID, MessageID: messageID}, {Kind: ChangeReport, GroupID: groupID}}
	if !approve {
		changes = append(changes, Change{Kind: ChangeNotification, UserID: author})
	}
	s.announce(changes...)
	return s.MessageByID(ctx, messageID)
}

// heldMessagesSQL runs on every group page a member opens. INDEXED BY messages_held keeps
// it on the few held rows: the planner otherwise walks the group's whole history by seq
// to save a sort of at most 50 rows (TestHotQueryPlans, BenchmarkGroupPage).
const heldMessagesSQL = `SELECT ` + messageColumns + `
	FROM messages m INDEXED BY messages_held JOIN users u ON u.id = m.author_id
	WHERE m.group_id = CAST(? AS INTEGER) AND m.author_id = CAST(? AS INTEGER) AND m.held <> 0 AND m.deleted_at IS NULL
	ORDER BY m.seq LIMIT 50`

// heldMessagesPG is heldMessagesSQL without SQLite's index hint.
var heldMessagesPG = strings.Replace(heldMessagesSQL, " INDEXED BY messages_held", "", 1)

// HeldMessages returns authorID's messages in groupID that wait for review, oldest first:
// the author's own list on the group page ("held for review").
func (s *Store) HeldMessages(ctx context.Context, groupID, authorID int64) ([]Message, error) {
	q := heldMessagesSQL
	if s.pg {
		q = heldMessagesPG
	}
	rows, err := s.r.QueryContext(ctx, q, groupID, authorID)
	if err != nil {
		return nil, fmt.Errorf("load held messages: %w", err)
	}
	msgs, err := collectMessages(rows)
	if err != nil {
		return nil, fmt.Errorf("load held messages: %w", err)
	}
	return msgs, nil
}
