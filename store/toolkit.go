package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ToolkitItem is one resource a member saved to their private toolkit, with their note.
// Nobody but the member ever sees it.
type ToolkitItem struct {
	ID         int64
	UserID     int64
	ResourceID int64
	Note       string
	Position   int
	CreatedAt  time.Time
}

// ToolkitEntry is a toolkit item with the resource it points at.
type ToolkitEntry struct {
	ToolkitItem
	Resource Resource
}

const toolkitColumns = `t.id, t.user_id, t.resource_id, t.note, t.position, t.created_at`

func scanToolkitItem(row interface{ Scan(...any) error }, extra ...any) (ToolkitItem, error) {
	var t ToolkitItem
	var created int64
	err := row.Scan(append([]any{&t.ID, &t.UserID, &t.ResourceID, &t.Note, &t.Position, &created}, extra...)...)
	t.CreatedAt = fromMS(created)
	return t, err
}

// SaveToToolkit puts a resource in userID's toolkit, at the end, with note; saving one that
// is already there replaces its note and keeps its place.
func (s *Store) SaveToToolkit(ctx context.Context, userID, resourceID int64, note string) (ToolkitItem, error) {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO toolkit_items (user_id, resource_id, note, position, created_at)
			VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(position), 0) + 1 FROM toolkit_items WHERE user_id = ?1), ?4)
			ON CONFLICT (user_id, resource_id) DO UPDATE SET note = excluded.note`,
			userID, resourceID, note, ms(s.Now()))
		if err != nil {
			return fmt.Errorf("save to toolkit: %w", err)
		}
		return nil
	})
	if err != nil {
		return ToolkitItem{}, err
	}
	s.announce(Change{Kind: ChangeToolkit, UserID: userID, ResourceID: resourceID})
	return s.ToolkitItemFor(ctx, userID, resourceID)
}

// ToolkitItemByID loads a toolkit item whoever owns it; the caller asks the policy whether
// the member asking may use it.
func (s *Store) ToolkitItemByID(ctx context.Context, id int64) (ToolkitItem, error) {
	t, err := scanToolkitItem(s.r.QueryRowContext(ctx, `SELECT `+toolkitColumns+` FROM toolkit_items t WHERE t.id = CAST(? AS INTEGER)`, id))
	if err != nil {
		return ToolkitItem{}, notFound(err, "load toolkit item")
	}
	return t, nil
}

// ToolkitItemFor returns the item for a resource in userID's toolkit, or ErrNotFound.
func (s *Store) ToolkitItemFor(ctx context.Context, userID, resourceID int64) (ToolkitItem, error) {
	t, err := scanToolkitItem(s.r.QueryRowContext(ctx, `SELECT `+toolkitColumns+` FROM toolkit_items t
		WHERE t.user_id = CAST(? AS INTEGER) AND t.resource_id = CAST(? AS INTEGER)`, userID, resourceID))
	if err != nil {
		return ToolkitItem{}, notFound(err, "load toolkit item")
	}
	return t, nil
}

// Toolkit returns userID's toolkit in their order, each item with its resource in whatever
// status it now has (the page says when one is no longer available).
func (s *Store) Toolkit(ctx context.Context, userID int64) ([]ToolkitEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+toolkitColumns+`, `+resourceColumns+`
		FROM toolkit_items t JOIN resources r ON r.id = t.resource_id LEFT JOIN users u ON u.id = r.author_id
		WHERE t.user_id = CAST(? AS INTEGER) ORDER BY t.position, t.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list toolkit: %w", err)
	}
	defer rows.Close()
	var out []ToolkitEntry
	for rows.Next() {
		var e ToolkitEntry
		var r Resource
		var tags string
		var created, updated int64
		e.ToolkitItem, err = scanToolkitItem(rows, &r.ID, &r.Slug, &r.Title, &r.Summary, &r.Body, &r.Category, &tags,
			&r.Link, &r.Warning, &r.Source, &r.AuthorID, &r.AuthorName, &r.Status, &r.ReviewNote, &r.HelpedCount, &created, &updated)
		if err != nil {
			return nil, fmt.Errorf("list toolkit: %w", err)
		}
		r.Tags, r.CreatedAt, r.UpdatedAt = splitTags(tags), fromMS(created), fromMS(updated)
		e.Resource = r
		out = append(out, e)
	}
	return out, rows.Err()
}

// SetToolkitNote replaces the note of userID's toolkit item.
func (s *Store) SetToolkitNote(ctx context.Context, userID, itemID int64, note string) error {
	res, err := s.exec(ctx, `UPDATE toolkit_items SET note = ? WHERE id = ? AND user_id = ?`, note, itemID, userID)
	if err != nil {
		return fmt.Errorf("set toolkit note: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	s.announce(Change{Kind: ChangeToolkit, UserID: userID})
	return nil
}

// MoveToolkitItem moves userID's item one place up (delta < 0) or down (delta > 0) in their
// toolkit by swapping it with its neighbour; at either end nothing moves.
func (s *Store) MoveToolkitItem(ctx context.Context, userID, itemID int64, delta int) error {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var pos int
		err := tx.QueryRowContext(ctx, `SELECT position FROM toolkit_items WHERE id = ? AND user_id = ?`, itemID, userID).Scan(&pos)
		if err != nil {
			return notFound(err, "move toolkit item")
		}
		q := `SELECT id, position FROM toolkit_items WHERE user_id = ? AND position < ? ORDER BY position DESC LIMIT 1`
		if delta > 0 {
			q = `SELECT id, position FROM toolkit_items WHERE user_id = ? AND position > ? ORDER BY position LIMIT 1`
		}
		var otherID int64
		var otherPos int
		err = tx.QueryRowContext(ctx, q, userID, pos).Scan(&otherID, &otherPos)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("move toolkit item: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE toolkit_items SET position = ? WHERE id = ?`, otherPos, itemID); err != nil {
			return fmt.Errorf("move toolkit item: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE toolkit_items SET position = ? WHERE id = ?`, pos, otherID); err != nil {
			return fmt.Errorf("move toolkit item: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.announce(Change{Kind: ChangeToolkit, UserID: userID})
	return nil
}

// RemoveToolkitItem takes an item out of userID's toolkit.
func (s *Store) RemoveToolkitItem(ctx context.Context, userID, itemID int64) error {
	res, err := s.exec(ctx, `DELETE FROM toolkit_items WHERE id = ? AND user_id = ?`, itemID, userID)
	if err != nil {
		return fmt.Errorf("remove toolkit item: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	s.announce(Change{Kind: ChangeToolkit, UserID: userID})
	return nil
}
