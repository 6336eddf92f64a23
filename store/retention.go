package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Retention (issue 13): an admin may have a group's chat messages erased once they are
// older than the group's RetentionDays. Erased means deleted: reactions, mentions and
// resolved reports about them go too. History paging (seq < before) and resume
// (seq > since) read by sequence and pass over the gap. Two kinds of message stay until
// they no longer need to:
//   - the group's newest message is cleared instead (text gone, shown as removed), because
//     the next message's sequence is MAX(seq) + 1 and must never go back;
//   - a message with an unresolved report, or one the word filter holds, waits for its
//     moderator: erasing it would erase the report.

// MaxRetentionDays bounds the setting (ten years).
const MaxRetentionDays = 3650

// RetentionBatch is how many messages one retention transaction erases, so the chat's
// writer never waits long behind it.
const RetentionBatch = 500

// SetGroupRetention sets how many days a group's messages are kept (0: kept).
func (s *Store) SetGroupRetention(ctx context.Context, groupID int64, days int) error {
	if days < 0 || days > MaxRetentionDays {
		return fmt.Errorf("set retention: %d days is out of range", days)
	}
	res, err := s.exec(ctx, `UPDATE groups SET retention_days = ? WHERE id = ?`, days, groupID)
	if err != nil {
		return fmt.Errorf("set retention: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	s.announce(Change{Kind: ChangeGroup, GroupID: groupID})
	return nil
}

// retentionEligible selects, for a group and a cutoff, the messages retention may delete.
const retentionEligible = `FROM messages m
	WHERE m.group_id = ? AND m.created_at < ? AND m.held = 0
	  AND m.seq < (SELECT MAX(seq) FROM messages WHERE group_id = m.group_id)
	  AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.message_id = m.id AND r.resolved_at IS NULL)`

// RetentionCount is the dry run: how many of the group's messages a retention of days
// would erase now.
func (s *Store) RetentionCount(ctx context.Context, groupID int64, days int) (int, error) {
	if days <= 0 {
		return 0, nil
	}
	cutoff := ms(s.Now().Add(-time.Duration(days) * 24 * time.Hour))
	var n, last int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) `+retentionEligible, groupID, cutoff).Scan(&n); err != nil {
		return 0, fmt.Errorf("count messages past retention: %w", err)
	}
	// The newest message is cleared, not deleted: it counts when it is old and not yet clear.
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE group_id = ? AND created_at < ? AND deleted_at IS NULL
		AND seq = (SELECT MAX(seq) FROM messages WHERE group_id = ?) AND held = 0`, groupID, cutoff, groupID).Scan(&last); err != nil {
		return 0, fmt.Errorf("count messages past retention: %w", err)
	}
	return n + last, nil
}

// RetentionResult is what one retention run did, in counts.
type RetentionResult struct {
	Groups   int // groups with retention on
	Erased   int // messages erased in all
	Batches  int // transactions
	PerGroup map[int64]int
}

// EraseExpiredMessages runs retention once over every group that has it on, in
// transactions of at most batch messages (RetentionBatch when batch <= 0). progress, if
// set, is called after each batch with the group and the running count (never any text).
func (s *Store) EraseExpiredMessages(ctx context.Context, batch int, progress func(groupID int64, erased int)) (RetentionResult, error) {
	if batch <= 0 {
		batch = RetentionBatch
	}
	res := RetentionResult{PerGroup: map[int64]int{}}
	rows, err := s.r.QueryContext(ctx, `SELECT id, retention_days FROM groups WHERE retention_days > 0 ORDER BY id`)
	if err != nil {
		return res, fmt.Errorf("retention: list groups: %w", err)
	}
	type target struct {
		id   int64
		days int
	}
	var targets []target
	for rows.Next() {
		var t target
		if err := rows.Scan(&t.id, &t.days); err != nil {
			rows.Close()
			return res, fmt.Errorf("retention: list groups: %w", err)
		}
		targets = append(targets, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("retention: list groups: %w", err)
	}
	res.Groups = len(targets)
	for _, t := range targets {
		cutoff := ms(s.Now().Add(-time.Duration(t.days) * 24 * time.Hour))
		for {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			n, err := s.eraseExpiredBatch(ctx, t.id, cutoff, batch)
			if err != nil {
				return res, err
			}
			if n == 0 {
				break
			}
			res.Batches++
			res.Erased += n
			res.PerGroup[t.id] += n
			if progress != nil {
				progress(t.id, res.PerGroup[t.id])
			}
		}
	}
	if res.Erased > 0 {
		// As after erasing an account: the freed bytes are zeroed (secure_delete) and the
		// WAL holding the old pages is emptied.
		if err := s.Checkpoint(ctx); err != nil {
			return res, fmt.Errorf("retention: %w", err)
		}
	}
	return res, nil
}

// eraseExpiredBatch erases up to batch of a group's messages older than cutoff in one
// transaction and returns how many it erased. Mentions of the erased messages leave the
// notifications they were in (a notification left with nobody in it goes).
func (s *Store) eraseExpiredBatch(ctx context.Context, groupID, cutoff int64, batch int) (int, error) {
	var n int
	var notified []int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		notified = notified[:0] // afresh if InTx runs this again
		ids, err := queryIDs(ctx, tx, `SELECT m.id `+retentionEligible+` ORDER BY m.seq LIMIT ?`, groupID, cutoff, batch)
		if err != nil {
			return fmt.Errorf("retention: find messages: %w", err)
		}
		if len(ids) < batch {
			// The newest message, if it is old: cleared, the row kept for the sequence.
			last, err := queryIDs(ctx, tx, `SELECT id FROM messages WHERE group_id = ? AND created_at < ? AND deleted_at IS NULL
				AND held = 0 AND seq = (SELECT MAX(seq) FROM messages WHERE group_id = ?)`, groupID, cutoff, groupID)
			if err != nil {
				return fmt.Errorf("retention: find the newest message: %w", err)
			}
			if len(last) == 1 {
				if _, err := tx.ExecContext(ctx, `UPDATE messages SET body = '', content_warning = '', resource_id = NULL,
					deleted_at = ? WHERE id = ?`, ms(s.Now()), last[0]); err != nil {
					return fmt.Errorf("retention: clear the newest message: %w", err)
				}
				n++
				if notified, err = forgetMentionsTx(ctx, tx, last); err != nil {
					return err
				}
			}
		}
		if len(ids) == 0 {
			return nil
		}
		users, err := queryIDs(ctx, tx, `SELECT DISTINCT n.user_id FROM notification_actors a
			JOIN notifications n ON n.id = a.notification_id WHERE a.message_id IN (SELECT value FROM json_each(?))`, int64sJSON(ids))
		if err != nil {
			return fmt.Errorf("retention: find mentions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE id IN (SELECT value FROM json_each(?))`, int64sJSON(ids)); err != nil {
			return fmt.Errorf("retention: delete messages: %w", err)
		}
		n += len(ids)
		// Deleting has no history trigger (only inserts and updates do): move it here, in
		// the same transaction, for whatever caches the group's history under it.
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET history_version = history_version + 1 WHERE id = ?`, groupID); err != nil {
			return fmt.Errorf("retention: move history version: %w", err)
		}
		for _, u := range users {
			if err := dropEmptyNotices(ctx, tx, u); err != nil {
				return err
			}
		}
		notified = append(notified, users...)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		changes := []Change{{Kind: ChangeMessage, GroupID: groupID}}
		for _, u := range notified {
			changes = append(changes, Change{Kind: ChangeNotification, UserID: u})
		}
		s.announce(changes...)
	}
	return n, nil
}

// forgetMentionsTx takes cleared messages out of the notifications that named them and
// returns whose notifications changed.
func forgetMentionsTx(ctx context.Context, tx *sql.Tx, messageIDs []int64) ([]int64, error) {
	users, err := queryIDs(ctx, tx, `SELECT DISTINCT n.user_id FROM notification_actors a
		JOIN notifications n ON n.id = a.notification_id WHERE a.message_id IN (SELECT value FROM json_each(?))`, int64sJSON(messageIDs))
	if err != nil {
		return nil, fmt.Errorf("forget mentions: %w", err)
	}
	if len(users) == 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM notification_actors WHERE message_id IN (SELECT value FROM json_each(?))`, int64sJSON(messageIDs)); err != nil {
		return nil, fmt.Errorf("forget mentions: %w", err)
	}
	for _, u := range users {
		if err := dropEmptyNotices(ctx, tx, u); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// queryIDs runs a query of one integer column in tx and returns its values.
func queryIDs(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
