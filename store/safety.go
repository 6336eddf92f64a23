package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// CrisisLine is one line of the crisis card: where or who it is for, how to reach it, and
// a short note.
type CrisisLine struct {
	Label string
	Reach string
	Note  string
}

// CrisisLines returns the crisis card's lines in the order an admin set.
func (s *Store) CrisisLines(ctx context.Context) ([]CrisisLine, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT label, reach, note FROM crisis_lines ORDER BY position, id`)
	if err != nil {
		return nil, fmt.Errorf("load crisis lines: %w", err)
	}
	defer rows.Close()
	var out []CrisisLine
	for rows.Next() {
		var l CrisisLine
		if err := rows.Scan(&l.Label, &l.Reach, &l.Note); err != nil {
			return nil, fmt.Errorf("load crisis lines: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load crisis lines: %w", err)
	}
	return out, nil
}

// CrisisPhrases returns the phrases that make the compose box offer the crisis lines to
// the author, sorted.
func (s *Store) CrisisPhrases(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT phrase FROM crisis_phrases ORDER BY phrase`)
	if err != nil {
		return nil, fmt.Errorf("load crisis phrases: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("load crisis phrases: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load crisis phrases: %w", err)
	}
	return out, nil
}

// SetCrisisSupport replaces the crisis card's lines and the crisis phrases in one
// transaction: the admin page edits them together. Phrases are trimmed, lower-cased and
// deduplicated.
func (s *Store) SetCrisisSupport(ctx context.Context, lines []CrisisLine, phrases []string) error {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM crisis_lines`); err != nil {
			return err
		}
		for i, l := range lines {
			if _, err := tx.ExecContext(ctx, `INSERT INTO crisis_lines (position, label, reach, note) VALUES (?, ?, ?, ?)`,
				i+1, l.Label, l.Reach, l.Note); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM crisis_phrases`); err != nil {
			return err
		}
		for _, p := range phrases {
			p = strings.ToLower(strings.TrimSpace(p))
			if p == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO crisis_phrases (phrase) VALUES (?) ON CONFLICT DO NOTHING`, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save crisis support: %w", err)
	}
	s.announce(Change{Kind: ChangeSafety})
	return nil
}

// FilterAction is what the word filter does with a message that contains an entry.
type FilterAction string

// The word filter's actions, from the strictest.
const (
	FilterBlock FilterAction = "block" // refused; the author is told why and keeps the text
	FilterHold  FilterAction = "hold"  // written, held for a moderator's review
	FilterFlag  FilterAction = "flag"  // written and shown, and flagged to the moderation queue
)

// Valid reports whether a is one of the filter's actions.
func (a FilterAction) Valid() bool { return a == FilterBlock || a == FilterHold || a == FilterFlag }

// FilterEntry is one word or phrase of the community's word filter.
type FilterEntry struct {
	ID     int64
	Phrase string
	Action FilterAction
}

// ErrFilterEntryExists is AddFilterEntry's refusal of a phrase the filter already has.
var ErrFilterEntryExists = errors.New("filter entry exists")

// FilterEntries returns the word filter, sorted by phrase.
func (s *Store) FilterEntries(ctx context.Context) ([]FilterEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, phrase, action FROM filter_entries ORDER BY phrase`)
	if err != nil {
		return nil, fmt.Errorf("load word filter: %w", err)
	}
	defer rows.Close()
	var out []FilterEntry
	for rows.Next() {
		var e FilterEntry
		if err := rows.Scan(&e.ID, &e.Phrase, &e.Action); err != nil {
			return nil, fmt.Errorf("load word filter: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load word filter: %w", err)
	}
	return out, nil
}

// AddFilterEntry adds a word or phrase to the filter (trimmed and lower-cased).
func (s *Store) AddFilterEntry(ctx context.Context, phrase string, action FilterAction) (FilterEntry, error) {
	phrase = strings.ToLower(strings.TrimSpace(phrase))
	if phrase == "" || !action.Valid() {
		return FilterEntry{}, fmt.Errorf("add filter entry: empty phrase or unknown action %q", action)
	}
	res, err := insertRow(ctx, s.w, `INSERT INTO filter_entries (phrase, action, created_at) VALUES (?, ?, ?)
		ON CONFLICT (phrase) DO NOTHING`, phrase, string(action), ms(s.Now()))
	if err != nil {
		return FilterEntry{}, fmt.Errorf("add filter entry: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return FilterEntry{}, ErrFilterEntryExists
	}
	id, err := res.LastInsertId()
	if err != nil {
		return FilterEntry{}, fmt.Errorf("add filter entry: %w", err)
	}
	s.announce(Change{Kind: ChangeSafety})
	return FilterEntry{ID: id, Phrase: phrase, Action: action}, nil
}

// DeleteFilterEntry removes one entry of the filter (ErrNotFound when there is none).
func (s *Store) DeleteFilterEntry(ctx context.Context, id int64) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM filter_entries WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete filter entry: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	s.announce(Change{Kind: ChangeSafety})
	return nil
}

// MemberPrefs are a member's display preferences.
type MemberPrefs struct {
	// CWOpen: content-warned messages start open rather than collapsed.
	CWOpen bool
}

// MemberPrefs returns a member's preferences (the defaults when they never chose).
func (s *Store) MemberPrefs(ctx context.Context, userID int64) (MemberPrefs, error) {
	var p MemberPrefs
	err := s.r.QueryRowContext(ctx, `SELECT cw_open FROM member_prefs WHERE user_id = ?`, userID).Scan(&p.CWOpen)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return MemberPrefs{}, fmt.Errorf("load member preferences: %w", err)
	}
	return p, nil
}

// SetMemberPrefs saves a member's preferences.
func (s *Store) SetMemberPrefs(ctx context.Context, userID int64, p MemberPrefs) error {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO member_prefs (user_id, cw_open) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET cw_open = excluded.cw_open`, userID, p.CWOpen); err != nil {
		return fmt.Errorf("save member preferences: %w", err)
	}
	s.announce(Change{Kind: ChangeUser, UserID: userID})
	return nil
}
