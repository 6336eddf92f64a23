package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Erasing an account (issue 13, "Delete my account").
//
// A member's chat messages stay in their rooms as "message removed" (so the conversation
// around them still reads, and history paging and resume see no hole), but nothing of them
// is left: the text, content warning and shared card are cleared and the row is handed to
// the one "former member" account (FormerMemberName), which nobody can log in as. Everything
// else that is theirs goes with their users row, by the foreign keys' ON DELETE CASCADE;
// what is someone else's record (a group they created, a resource they wrote and published,
// a report a moderator resolved) keeps the row with their id set to NULL. The audit log
// keeps their id, which then names nobody.
//
// erasePlan says what erasing does to every column that holds a member's id; the coverage
// test (TestMemberDataCoverage) fails when a table with such a column is added without an
// entry here and in exportCoverage, and checks that "cascade" and "set null" are what the
// schema's foreign keys really do.

// eraseHow is what erasing a member does to one column holding their id.
type eraseHow int

const (
	// eraseCascade: the row goes with the users row (ON DELETE CASCADE).
	eraseCascade eraseHow = iota + 1
	// eraseSetNull: the row is someone else's record and stays, the id becomes NULL.
	eraseSetNull
	// eraseExplicit: EraseUser handles the rows itself before the users row goes (Why says how).
	eraseExplicit
	// eraseAnonymous: the id stays as a number that names nobody once the users row is gone.
	eraseAnonymous
)

// eraseRule is the plan for one "table.column".
type eraseRule struct {
	How eraseHow
	Why string
}

// erasePlan covers every column that holds a member's id, as "table.column".
var erasePlan = map[string]eraseRule{
	"sessions.user_id":              {eraseCascade, "logins end at once"},
	"groups.created_by":             {eraseSetNull, "the group is the community's"},
	"memberships.user_id":           {eraseCascade, ""},
	"group_invites.created_by":      {eraseSetNull, "a group's invite link stays the group's"},
	"join_requests.user_id":         {eraseCascade, ""},
	"messages.author_id":            {eraseExplicit, "text cleared, shown as \"message removed\", handed to the former member account; held ones deleted"},
	"reactions.user_id":             {eraseCascade, ""},
	"password_resets.user_id":       {eraseCascade, ""},
	"user_identities.user_id":       {eraseCascade, "links to login providers end with the account"},
	"oauth_flows.user_id":           {eraseCascade, "a login with a provider under way ends"},
	"resources.author_id":           {eraseExplicit, "published resources stay as community content with no author; drafts, pending and unpublished ones are deleted"},
	"resource_revisions.editor_id":  {eraseSetNull, "a revision of community content stays, without its editor"},
	"resource_helped.user_id":       {eraseCascade, ""},
	"toolkit_items.user_id":         {eraseCascade, ""},
	"resource_reviews.moderator_id": {eraseSetNull, "the review is the resource's history"},
	"goals.user_id":                 {eraseCascade, "milestones, updates, reactions, comments and notifications about the goal go with it"},
	"goals.buddy_id":                {eraseSetNull, "the goal is its owner's"},
	"goal_reactions.user_id":        {eraseCascade, ""},
	"goal_comments.user_id":         {eraseCascade, ""},
	"notifications.user_id":         {eraseCascade, ""},
	"notification_actors.actor_id":  {eraseCascade, "another member's news that names them goes"},
	"notification_settings.user_id": {eraseCascade, ""},
	"reports.reporter_id":           {eraseCascade, ""},
	"reports.subject_id":            {eraseCascade, "reports about them (and the notes in them) go"},
	"reports.claimed_by":            {eraseSetNull, "the report is the reporter's"},
	"reports.resolved_by":           {eraseSetNull, "the report is the reporter's"},
	"sanctions.user_id":             {eraseCascade, ""},
	"sanctions.moderator_id":        {eraseSetNull, "the sanction is its member's record"},
	"sanctions.lifted_by":           {eraseSetNull, "the sanction is its member's record"},
	"appeals.user_id":               {eraseCascade, ""},
	"appeals.decided_by":            {eraseSetNull, "the appeal is its member's"},
	"member_prefs.user_id":          {eraseCascade, ""},
	"audit_log.moderator_id":        {eraseAnonymous, "append-only, ids only: the id then names nobody"},
	"audit_log.target_id":           {eraseAnonymous, "append-only, ids only: the id then names nobody"},
}

// userIDColumnsWithoutFK are columns that hold a member's id without a foreign key, which
// PRAGMA foreign_key_list cannot find. A new one must be added here by hand.
var userIDColumnsWithoutFK = []string{"audit_log.moderator_id", "audit_log.target_id"}

// FormerMemberName is the name shown on the messages of erased accounts. It has a space,
// which no display name may have, so no member can take it.
const FormerMemberName = "former member"

// Erased says what EraseUser did, for the live updates and the log (counts only).
type Erased struct {
	UserID int64
	// Messages are the erased messages still shown as removed, newest last, per group; at
	// most eraseLiveMessages per group (open pages show the latest; older ones are re-read).
	Messages map[int64][]int64
	// MessageCount is how many messages were erased in all.
	MessageCount int
	Groups       []int64 // the groups they belonged to
}

// eraseLiveMessages bounds the erased messages per group that EraseUser names for live
// updates: open pages show the newest, and every page re-reads history after the change.
const eraseLiveMessages = 500

// EraseUser deletes the account userID and everything that is theirs, in one transaction
// (erasePlan), then checkpoints the WAL so their words are not left in it. The last admin
// cannot be erased (ErrLastAdmin).
func (s *Store) EraseUser(ctx context.Context, userID int64) (Erased, error) {
	er := Erased{UserID: userID, Messages: map[int64][]int64{}}
	now := ms(s.Now())
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		er = Erased{UserID: userID, Messages: map[int64][]int64{}} // afresh if InTx runs this again
		var role Role
		var username string
		if err := tx.QueryRowContext(ctx, `SELECT role, username FROM users WHERE id = ?`, userID).Scan(&role, &username); err != nil {
			return notFound(err, "load user to erase")
		}
		if username == "" {
			return ErrNotFound // the former member account itself
		}
		if role == RoleAdmin {
			if err := s.serialize(ctx, tx, lockAdmins, 0); err != nil {
				return err
			}
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin'`).Scan(&admins); err != nil {
				return fmt.Errorf("erase user: count admins: %w", err)
			}
			if admins <= 1 {
				return ErrLastAdmin
			}
		}
		// Failed logins counted under their username (a hash of it) go too.
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_backoff WHERE key = ?`, backoffKey(strings.ToLower(strings.TrimSpace(username)))); err != nil {
			return fmt.Errorf("erase user: login back-off: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT group_id FROM memberships WHERE user_id = ?`, userID)
		if err != nil {
			return fmt.Errorf("erase user: list groups: %w", err)
		}
		for rows.Next() {
			var g int64
			if err := rows.Scan(&g); err != nil {
				rows.Close()
				return fmt.Errorf("erase user: list groups: %w", err)
			}
			er.Groups = append(er.Groups, g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("erase user: list groups: %w", err)
		}
		if err := s.eraseMessagesTx(ctx, tx, userID, now, &er); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM resources WHERE author_id = ? AND status != 'published'`, userID); err != nil {
			return fmt.Errorf("erase user: delete unpublished resources: %w", err)
		}
		// FTS4 deletes by appending "deleted" markers: the words of a resource that was
		// once published (and since taken down, deleted above, or edited) stay in the
		// index's segments until they are merged. Merging them all now leaves only what is
		// published today, and secure_delete zeroes the pages the old segments held.
		if !s.pg { // PostgreSQL's index is a column of the row, gone with it
			if _, err := tx.ExecContext(ctx, `INSERT INTO resources_fts(resources_fts) VALUES ('optimize')`); err != nil {
				return fmt.Errorf("erase user: merge the search index: %w", err)
			}
		}
		// Other members' news that names them (a cheer, a comment, a mention) loses them
		// with the cascade; a notification left with nobody in it goes.
		notified, err := queryIDs(ctx, tx, `SELECT DISTINCT n.user_id FROM notification_actors a
			JOIN notifications n ON n.id = a.notification_id WHERE a.actor_id = ? AND n.user_id != ?`, userID, userID)
		if err != nil {
			return fmt.Errorf("erase user: find notifications naming them: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, userID); err != nil {
			return fmt.Errorf("erase user: delete account: %w", err)
		}
		for _, u := range notified {
			if err := dropEmptyNotices(ctx, tx, u); err != nil {
				return fmt.Errorf("erase user: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return Erased{}, err
	}
	changes := []Change{
		{Kind: ChangeUser, UserID: userID},
		{Kind: ChangeSession, UserID: userID},
		{Kind: ChangeNotification},
		{Kind: ChangeResource},
		{Kind: ChangeToolkit, UserID: userID},
		{Kind: ChangeReport},
		{Kind: ChangeSanction, UserID: userID},
		{Kind: ChangeGoal, UserID: userID},
	}
	for _, g := range er.Groups {
		// Their goals shared with a group leave its board too.
		changes = append(changes, Change{Kind: ChangeMembership, GroupID: g, UserID: userID},
			Change{Kind: ChangeGoal, GroupID: g, UserID: userID})
	}
	for g := range er.Messages {
		changes = append(changes, Change{Kind: ChangeMessage, GroupID: g})
	}
	s.announce(changes...)
	// secure_delete (in the DSN) zeroes the freed bytes in the database; the old page
	// images are still in the WAL until a checkpoint copies the new ones back and empties it.
	if err := s.Checkpoint(ctx); err != nil {
		return er, fmt.Errorf("erase user: %w", err)
	}
	return er, nil
}

// eraseMessagesTx clears userID's messages and hands them to the former member account;
// messages the word filter still holds were never shown and are deleted.
func (s *Store) eraseMessagesTx(ctx context.Context, tx *sql.Tx, userID, now int64, er *Erased) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE author_id = ? AND held <> 0`, userID); err != nil {
		return fmt.Errorf("erase user: delete held messages: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE author_id = ?`, userID).Scan(&n); err != nil {
		return fmt.Errorf("erase user: count messages: %w", err)
	}
	er.MessageCount = n
	if n == 0 {
		return nil
	}
	former, err := formerMemberTx(ctx, tx)
	if err != nil {
		return err
	}
	// The newest messages per group, for the live update of open pages.
	rows, err := tx.QueryContext(ctx, `SELECT group_id, id FROM (
		SELECT group_id, id, row_number() OVER (PARTITION BY group_id ORDER BY seq DESC) AS r
		FROM messages WHERE author_id = ?) AS newest WHERE r <= ? ORDER BY group_id, id`, userID, eraseLiveMessages)
	if err != nil {
		return fmt.Errorf("erase user: list messages: %w", err)
	}
	for rows.Next() {
		var g, id int64
		if err := rows.Scan(&g, &id); err != nil {
			rows.Close()
			return fmt.Errorf("erase user: list messages: %w", err)
		}
		er.Messages[g] = append(er.Messages[g], id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("erase user: list messages: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET author_id = ?, client_id = 'erased-' || id, body = '',
		content_warning = '', resource_id = NULL, edited_at = NULL, hidden_at = NULL, deleted_at = COALESCE(deleted_at, ?)
		WHERE author_id = ?`, former, now, userID); err != nil {
		return fmt.Errorf("erase user: clear messages: %w", err)
	}
	return nil
}

// formerMemberTx returns the id of the one "former member" account, creating it the first
// time. It has an empty username and no password, so nobody can log in as it, and it is
// left out of the member lists and counts.
func formerMemberTx(ctx context.Context, tx *sql.Tx) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ''`).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("find former member account: %w", err)
	}
	res, err := insertRow(ctx, tx, `INSERT INTO users (username, display_name, display_name_skeleton, role, created_at)
		VALUES ('', ?, ?, 'member', 0)`, FormerMemberName, NameSkeleton(FormerMemberName))
	if err != nil {
		return 0, fmt.Errorf("create former member account: %w", err)
	}
	return res.LastInsertId()
}

// Checkpoint copies the WAL into the database and truncates it to nothing, so erased words
// are not left in the -wal file. It waits for readers on old snapshots (an export in
// progress) for a short while only, on the writer's connection held for the purpose, so
// the chat's writer is never stalled for long; if readers stay, it reports so and the WAL
// is emptied by a later checkpoint.
//
// On PostgreSQL it does nothing: the server owns its WAL, and its autovacuum reclaims the
// erased rows' space.
func (s *Store) Checkpoint(ctx context.Context) error {
	if s.pg {
		return nil
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 1000`); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	// Back to the DSN's value before the connection returns to the pool.
	defer conn.ExecContext(context.Background(), `PRAGMA busy_timeout = 10000`) //nolint:errcheck
	for range 3 {
		var busy, logFrames, done int
		if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if busy == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return errors.New("checkpoint: readers kept the WAL in use; a later checkpoint empties it")
}
