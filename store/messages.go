package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Message is one chat message of a group.
type Message struct {
	ID         int64
	GroupID    int64
	Seq        int64 // monotonic per group, assigned at commit
	AuthorID   int64
	AuthorName string
	ClientID   string // the sender's idempotency key, unique per author
	Body       string // empty once deleted
	CreatedAt  time.Time
	EditedAt   time.Time // zero when never edited
	DeletedAt  time.Time // zero unless removed
	// ContentWarning is the author's short warning ("relapse"); others see the message
	// collapsed behind it. Empty for none.
	ContentWarning string
	// Held is set when the word filter held the message for a moderator's review.
	Held bool
	// HiddenAt is when a moderator hid the message (zero unless hidden). Body keeps the
	// text for moderators; every shared rendering shows a placeholder instead.
	HiddenAt time.Time
	// ResourceID is the library resource shared with this message (0 for none): the chat
	// shows it as a card.
	ResourceID int64
	Reactions  []ReactionCount
}

// Edited reports whether the message was changed after it was sent.
func (m Message) Edited() bool { return !m.EditedAt.IsZero() }

// Deleted reports whether the message was removed.
func (m Message) Deleted() bool { return !m.DeletedAt.IsZero() }

// Hidden reports whether a moderator hid the message.
func (m Message) Hidden() bool { return !m.HiddenAt.IsZero() }

// ReactionKinds is the small, supportive set of reactions, in display order.
var ReactionKinds = []string{"heart", "pray", "strong", "grow"}

// ValidReaction reports whether kind is one of ReactionKinds.
func ValidReaction(kind string) bool {
	for _, k := range ReactionKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// ReactionCount is how many members reacted to a message with one kind.
type ReactionCount struct {
	Kind  string
	Count int
}

const messageColumns = `m.id, m.group_id, m.seq, m.author_id, u.display_name, m.client_id, m.body,
	m.created_at, COALESCE(m.edited_at, 0), COALESCE(m.deleted_at, 0), m.content_warning, m.held, COALESCE(m.hidden_at, 0), COALESCE(m.resource_id, 0)`

func scanMessage(row interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var created, edited, deleted, hidden int64
	err := row.Scan(&m.ID, &m.GroupID, &m.Seq, &m.AuthorID, &m.AuthorName, &m.ClientID, &m.Body,
		&created, &edited, &deleted, &m.ContentWarning, &m.Held, &hidden, &m.ResourceID)
	if hidden != 0 {
		m.HiddenAt = fromMS(hidden)
	}
	m.CreatedAt = fromMS(created)
	if edited != 0 {
		m.EditedAt = fromMS(edited)
	}
	if deleted != 0 {
		m.DeletedAt = fromMS(deleted)
	}
	return m, err
}

// MessageByID loads one message with its reactions.
func (s *Store) MessageByID(ctx context.Context, id int64) (Message, error) {
	m, err := scanMessage(s.r.QueryRowContext(ctx, `SELECT `+messageColumns+`
		FROM messages m JOIN users u ON u.id = m.author_id WHERE m.id = CAST(? AS INTEGER)`, id))
	if err != nil {
		return Message{}, notFound(err, "load message")
	}
	msgs := []Message{m}
	if err := s.loadReactions(ctx, msgs); err != nil {
		return Message{}, err
	}
	return msgs[0], nil
}

// The hot message reads (TestHotQueryPlans checks their plans). Both skip messages the
// word filter holds: until a moderator approves one, only its author (HeldMessages) and
// the moderators (the /mod queue) see it; history, catch-up and mentions never do.
const (
	messagesBeforeSQL = `SELECT ` + messageColumns + `
		FROM messages m JOIN users u ON u.id = m.author_id
		WHERE m.group_id = CAST(? AS INTEGER) AND m.seq < ? AND m.held = 0 ORDER BY m.seq DESC LIMIT CAST(? AS INTEGER)`
	messagesAfterSQL = `SELECT ` + messageColumns + `
		FROM messages m JOIN users u ON u.id = m.author_id
		WHERE m.group_id = CAST(? AS INTEGER) AND m.seq > ? AND m.held = 0 ORDER BY m.seq LIMIT CAST(? AS INTEGER)`
	reactionCountsSQL = `SELECT message_id, kind, count(*) FROM reactions
		WHERE message_id IN (SELECT value FROM json_each(CAST(? AS TEXT))) GROUP BY message_id, kind`
)

// MessagesBefore returns up to limit messages of a group with seq < before (0: the latest),
// oldest first, with reactions. It pages history backwards.
func (s *Store) MessagesBefore(ctx context.Context, groupID, before int64, limit int) ([]Message, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	// Newest first straight off the (group_id, seq) index, reversed here: cheaper than
	// letting SQLite sort the page again.
	rows, err := s.r.QueryContext(ctx, messagesBeforeSQL, groupID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("load message history: %w", err)
	}
	msgs, err := collectMessages(rows)
	if err != nil {
		return nil, fmt.Errorf("load message history: %w", err)
	}
	slices.Reverse(msgs)
	return msgs, s.loadReactions(ctx, msgs)
}

// MessagesAfter returns up to limit messages of a group with seq > after, oldest first,
// with reactions. A reconnecting client catches up with it.
func (s *Store) MessagesAfter(ctx context.Context, groupID, after int64, limit int) ([]Message, error) {
	rows, err := s.r.QueryContext(ctx, messagesAfterSQL, groupID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("load missed messages: %w", err)
	}
	msgs, err := collectMessages(rows)
	if err != nil {
		return nil, fmt.Errorf("load missed messages: %w", err)
	}
	return msgs, s.loadReactions(ctx, msgs)
}

// LastSeq returns the highest message sequence of a group (0 when it has none).
func (s *Store) LastSeq(ctx context.Context, groupID int64) (int64, error) {
	var seq int64
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM messages WHERE group_id = ?`, groupID).Scan(&seq); err != nil {
		return 0, fmt.Errorf("load last sequence: %w", err)
	}
	return seq, nil
}

// CountMessages returns how many rows a group's message table holds.
func (s *Store) CountMessages(ctx context.Context, groupID int64) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE group_id = ?`, groupID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count messages: %w", err)
	}
	return n, nil
}

func collectMessages(rows *sql.Rows) ([]Message, error) {
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) loadReactions(ctx context.Context, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	ids := make([]int64, len(msgs))
	idx := make(map[int64]int, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
		idx[m.ID] = i
	}
	rows, err := s.r.QueryContext(ctx, reactionCountsSQL, int64sJSON(ids))
	if err != nil {
		return fmt.Errorf("load reactions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var rc ReactionCount
		if err := rows.Scan(&id, &rc.Kind, &rc.Count); err != nil {
			return fmt.Errorf("load reactions: %w", err)
		}
		i := idx[id]
		msgs[i].Reactions = append(msgs[i].Reactions, rc)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load reactions: %w", err)
	}
	for i := range msgs {
		sortReactions(msgs[i].Reactions)
	}
	return nil
}

// sortReactions orders counts like ReactionKinds, so every render shows them the same way.
func sortReactions(rs []ReactionCount) {
	order := func(k string) int {
		for i, kk := range ReactionKinds {
			if kk == k {
				return i
			}
		}
		return len(ReactionKinds)
	}
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && order(rs[j].Kind) < order(rs[j-1].Kind); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// ErrNotAuthor is returned when someone changes a message that is not theirs.
var ErrNotAuthor = errors.New("not the author of this message")

// EditMessage replaces the body of authorID's own message and marks it edited. A deleted
// message cannot be edited (ErrNotFound).
func (s *Store) EditMessage(ctx context.Context, id, authorID int64, body string) (Message, error) {
	if err := s.changeOwnMessage(ctx, id, authorID,
		`UPDATE messages SET body = ?, edited_at = ? WHERE id = ? AND deleted_at IS NULL`,
		body, ms(s.Now()), id); err != nil {
		return Message{}, err
	}
	return s.MessageByID(ctx, id)
}

// DeleteMessage removes authorID's own message: its text is erased and it shows as removed.
func (s *Store) DeleteMessage(ctx context.Context, id, authorID int64) (Message, error) {
	if err := s.changeOwnMessage(ctx, id, authorID,
		`UPDATE messages SET body = '', deleted_at = ? WHERE id = ? AND deleted_at IS NULL`,
		ms(s.Now()), id); err != nil {
		return Message{}, err
	}
	return s.MessageByID(ctx, id)
}

func (s *Store) changeOwnMessage(ctx context.Context, id, authorID int64, query string, args ...any) error {
	var groupID int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var author int64
		var deleted sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT group_id, author_id, COALESCE(deleted_at, hidden_at) FROM messages WHERE id = ?`, id).Scan(&groupID, &author, &deleted); err != nil {
			return notFound(err, "load message")
		}
		if author != authorID {
			return ErrNotAuthor
		}
		if deleted.Valid {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("change message: %w", err)
		}
		return nil
	})
	if err == nil {
		s.announce(Change{Kind: ChangeMessage, GroupID: groupID, MessageID: id})
	}
	return err
}

// ToggleReaction adds userID's reaction of kind to a message, or takes it back if present,
// and returns the message with its new counts. Reactions on removed messages are ErrNotFound.
func (s *Store) ToggleReaction(ctx context.Context, messageID, userID int64, kind string) (Message, error) {
	if !ValidReaction(kind) {
		return Message{}, fmt.Errorf("toggle reaction: unknown kind %q", kind)
	}
	var groupID int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var deleted sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT group_id, COALESCE(deleted_at, hidden_at) FROM messages WHERE id = ?`, messageID).Scan(&groupID, &deleted); err != nil {
			return notFound(err, "load message")
		}
		if deleted.Valid {
			return ErrNotFound
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND kind = ?`, messageID, userID, kind)
		if err != nil {
			return fmt.Errorf("toggle reaction: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO reactions (message_id, user_id, kind, created_at) VALUES (?, ?, ?, ?)`,
			messageID, userID, kind, ms(s.Now())); err != nil {
			return fmt.Errorf("toggle reaction: %w", err)
		}
		return nil
	})
	if err != nil {
		return Message{}, err
	}
	s.announce(Change{Kind: ChangeMessage, GroupID: groupID, MessageID: messageID})
	return s.MessageByID(ctx, messageID)
}
