package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// GoalReactionKinds are the kind reactions peers give, in display order.
var GoalReactionKinds = []string{"clap", "strong", "grow", "heart"}

// ValidGoalReaction reports whether kind is one of GoalReactionKinds.
func ValidGoalReaction(kind string) bool {
	for _, k := range GoalReactionKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// ToggleGoalReaction adds userID's reaction of kind to the goal, or takes it back. A new
// reaction notifies the owner (coalesced with others about the same goal).
func (s *Store) ToggleGoalReaction(ctx context.Context, g Goal, userID int64, kind string) (added bool, err error) {
	now := ms(s.Now())
	notified := false
	err = s.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM goal_reactions WHERE goal_id = ? AND user_id = ? AND kind = ?`, g.ID, userID, kind)
		if err != nil {
			return fmt.Errorf("react to goal: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO goal_reactions (goal_id, user_id, kind, created_at) VALUES (?, ?, ?, ?)`,
			g.ID, userID, kind, now); err != nil {
			return fmt.Errorf("react to goal: %w", err)
		}
		added = true
		notified, err = notifyTx(ctx, tx, Notice{UserID: g.UserID, Kind: NoticeCheer, GoalID: g.ID, ActorID: userID}, now)
		return err
	})
	if err != nil {
		return false, err
	}
	ch := goalChanges(g.ID, g.UserID, g.BoardGroup(), 0)
	if notified {
		ch = append(ch, Change{Kind: ChangeNotification, UserID: g.UserID})
	}
	s.announce(ch...)
	return added, nil
}

// GoalReactionCount is how many members gave one kind of reaction, and whether the viewer did.
type GoalReactionCount struct {
	Kind  string
	Count int
	Mine  bool
}

// GoalReactions counts a goal's reactions by kind, in GoalReactionKinds order, with the
// viewer's own marked.
func (s *Store) GoalReactions(ctx context.Context, goalID, viewerID int64) ([]GoalReactionCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT kind, COUNT(*), MAX(CASE WHEN user_id = ? THEN 1 ELSE 0 END) FROM goal_reactions WHERE goal_id = ? GROUP BY kind`, viewerID, goalID)
	if err != nil {
		return nil, fmt.Errorf("count goal reactions: %w", err)
	}
	defer rows.Close()
	got := map[string]GoalReactionCount{}
	for rows.Next() {
		var r GoalReactionCount
		if err := rows.Scan(&r.Kind, &r.Count, &r.Mine); err != nil {
			return nil, fmt.Errorf("count goal reactions: %w", err)
		}
		got[r.Kind] = r
	}
	out := make([]GoalReactionCount, 0, len(GoalReactionKinds))
	for _, k := range GoalReactionKinds {
		r := got[k]
		r.Kind = k
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddGoalComment writes a peer's comment and notifies the owner.
func (s *Store) AddGoalComment(ctx context.Context, g Goal, userID int64, body string) error {
	now := ms(s.Now())
	notified := false
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var off bool
		if err := tx.QueryRowContext(ctx, `SELECT comments_off FROM goals WHERE id = ?`, g.ID).Scan(&off); err != nil {
			return notFound(err, "comment on goal")
		}
		if off {
			return ErrGoalState
		}
		res, err := insertRow(ctx, tx, `INSERT INTO goal_comments (goal_id, user_id, body, created_at) VALUES (?, ?, ?, ?)`, g.ID, userID, body, now)
		if err != nil {
			return fmt.Errorf("comment on goal: %w", err)
		}
		cid, _ := res.LastInsertId()
		notified, err = notifyTx(ctx, tx, Notice{UserID: g.UserID, Kind: NoticeComment, GoalID: g.ID, ActorID: userID, CommentID: cid}, now)
		return err
	})
	if err != nil {
		return err
	}
	ch := goalChanges(g.ID, g.UserID, g.BoardGroup(), 0)
	if notified {
		ch = append(ch, Change{Kind: ChangeNotification, UserID: g.UserID})
	}
	s.announce(ch...)
	return nil
}

// GoalComments lists a goal's comments, oldest first.
func (s *Store) GoalComments(ctx context.Context, goalID int64) ([]GoalComment, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT c.id, c.goal_id, c.user_id, u.display_name, c.body, c.created_at, COALESCE(c.hidden_at, 0)
		FROM goal_comments c JOIN users u ON u.id = c.user_id WHERE c.goal_id = ? ORDER BY c.id`, goalID)
	if err != nil {
		return nil, fmt.Errorf("load goal comments: %w", err)
	}
	defer rows.Close()
	var out []GoalComment
	for rows.Next() {
		var c GoalComment
		var at, hidden int64
		if err := rows.Scan(&c.ID, &c.GoalID, &c.UserID, &c.AuthorName, &c.Body, &at, &hidden); err != nil {
			return nil, fmt.Errorf("load goal comments: %w", err)
		}
		c.CreatedAt = fromMS(at)
		c.hide(hidden)
		out = append(out, c)
	}
	return out, rows.Err()
}

// GoalComment loads one comment of the goal; another goal's is ErrNotFound.
func (s *Store) GoalComment(ctx context.Context, goalID, id int64) (GoalComment, error) {
	var c GoalComment
	var at, hidden int64
	err := s.r.QueryRowContext(ctx, `SELECT c.id, c.goal_id, c.user_id, u.display_name, c.body, c.created_at, COALESCE(c.hidden_at, 0)
		FROM goal_comments c JOIN users u ON u.id = c.user_id WHERE c.id = ? AND c.goal_id = ?`, id, goalID).Scan(
		&c.ID, &c.GoalID, &c.UserID, &c.AuthorName, &c.Body, &at, &hidden)
	if err != nil {
		return GoalComment{}, notFound(err, "load goal comment")
	}
	c.CreatedAt = fromMS(at)
	c.hide(hidden)
	return c, nil
}

// hide marks a comment read with hidden_at (ms, 0: shown) as hidden, and keeps its text
// out of every reader's hands: only the moderators' queue reads a hidden comment's text
// (ReportedComment).
func (c *GoalComment) hide(hiddenAt int64) {
	if hiddenAt != 0 {
		c.HiddenAt, c.Body = fromMS(hiddenAt), ""
	}
}

// Hidden reports whether a moderator hid the comment.
func (c GoalComment) Hidden() bool { return !c.HiddenAt.IsZero() }

// HideGoalComment hides a goal comment for everyone, with the moderator's reason: in one
// transaction it sets hidden_at, writes the audit entry ("hide_comment", the comment's id
// in the detail), tells the author privately why (their notices, as for a hidden message),
// and, when the hide answers a report (a.ReportID), resolves every open report about the
// comment as "action taken". A comment already hidden is ErrAlreadyHidden; one that is
// gone, ErrNotFound.
func (s *Store) HideGoalComment(ctx context.Context, a Action, commentID int64) error {
	var g Goal
	var author int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var hidden sql.NullInt64
		var group sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT c.user_id, c.hidden_at, g.id, g.user_id, g.group_id, g.visibility FROM goal_comments c
			JOIN goals g ON g.id = c.goal_id WHERE c.id = ?`, commentID).Scan(&author, &hidden, &g.ID, &g.UserID, &group, &g.Visibility); err != nil {
			return notFound(err, "load comment to hide")
		}
		if hidden.Valid {
			return ErrAlreadyHidden
		}
		g.GroupID = group.Int64
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE goal_comments SET hidden_at = ? WHERE id = ?`, ms(now), commentID); err != nil {
			return fmt.Errorf("hide comment: %w", err)
		}
		detail := "comment " + strconv.FormatInt(commentID, 10)
		if err := auditTx(ctx, tx, now, AuditEntry{ModeratorID: a.ModeratorID, Action: "hide_comment", TargetID: author,
			ReportID: a.ReportID, Reason: a.Reason, Detail: detail}); err != nil {
			return err
		}
		if a.ReportID != 0 {
			res, err := tx.ExecContext(ctx, `UPDATE reports SET resolved_by = ?2, resolved_at = ?3, outcome = 'action_taken',
				resolution_note = ?4, claimed_by = COALESCE(claimed_by, ?2), claimed_at = COALESCE(claimed_at, ?3)
				WHERE comment_id = ?1 AND resolved_at IS NULL`, commentID, a.ModeratorID, ms(now), a.Reason)
			if err != nil {
				return fmt.Errorf("hide comment: resolve its reports: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				if err := auditTx(ctx, tx, now, AuditEntry{ModeratorID: a.ModeratorID, Action: "resolve:" + OutcomeActionTaken,
					TargetID: author, ReportID: a.ReportID, Reason: a.Reason, Detail: detail}); err != nil {
					return err
				}
			}
		}
		return s.notifyModTx(ctx, tx, author, 0, "a comment of yours on a goal was hidden by a moderator", a.Reason)
	})
	if err != nil {
		return err
	}
	s.announce(append(goalChanges(g.ID, g.UserID, g.BoardGroup(), 0),
		Change{Kind: ChangeReport}, Change{Kind: ChangeNotification, UserID: author})...)
	return nil
}

// DeleteGoalComment deletes a comment; the notification it was part of loses it, and goes
// when nothing is left of it.
func (s *Store) DeleteGoalComment(ctx context.Context, g Goal, id int64) error {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM goal_comments WHERE id = ? AND goal_id = ?`, id, g.ID)
		if err != nil {
			return fmt.Errorf("delete goal comment: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return dropEmptyNotices(ctx, tx, g.UserID)
	})
	if err != nil {
		return err
	}
	s.announce(append(goalChanges(g.ID, g.UserID, g.BoardGroup(), 0), Change{Kind: ChangeNotification, UserID: g.UserID})...)
	return nil
}
