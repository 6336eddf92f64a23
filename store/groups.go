package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Visibility says who can see a group.
type Visibility string

// Visibilities: a public group is listed to and joinable by any member; a private group is
// invisible to non-members, who join by invite link or approved request.
const (
	Public  Visibility = "public"
	Private Visibility = "private"
)

// Group is a peer support group.
type Group struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	Guidelines  string
	Visibility  Visibility
	CreatedBy   int64 // 0 when the creator's account is gone
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// HistoryVersion moves with every change to the group's chat history (kept by
	// triggers), so a rendered history can be cached under it.
	HistoryVersion int64
	// MemberCount is how many members the group has (kept by triggers).
	MemberCount int
	// ArchivedAt is when the group was archived (zero while it is active). An archived
	// group is read-only and left out of the group list.
	ArchivedAt time.Time
	// LockedAt is when its moderators locked the room (zero while open): members read but
	// do not post.
	LockedAt time.Time
	// SlowModeSeconds is the slow mode: a member posts at most one message per this many
	// seconds (0: off).
	SlowModeSeconds int
	// Facilitated rooms take members' messages only while one of the group's moderators
	// has the room open.
	Facilitated bool
	// RetentionDays erases the room's chat messages once they are this many days old
	// (0: kept; store/retention.go).
	RetentionDays int
}

// Locked reports whether the room is locked.
func (g Group) Locked() bool { return !g.LockedAt.IsZero() }

// Archived reports whether the group is archived.
func (g Group) Archived() bool { return !g.ArchivedAt.IsZero() }

// Membership is one member's place in a group, including their read marker.
type Membership struct {
	GroupID            int64
	UserID             int64
	IsModerator        bool
	JoinedAt           time.Time
	GuidelinesAccepted time.Time
	LastReadSeq        int64
	// Approved is set on a non-member's (empty) membership when the group's moderators
	// approved their request to join: they may read the guidelines and join.
	Approved bool
	// Muted is set (by GroupForMember) while a moderator's mute keeps the member from
	// posting, until MutedUntil (zero: until lifted).
	Muted      bool
	MutedUntil time.Time
}

// ErrSlugTaken is returned when a group slug is already in use.
var ErrSlugTaken = errors.New("slug taken")

// GroupInput holds the editable fields of a group.
type GroupInput struct {
	Slug        string
	Name        string
	Description string
	Guidelines  string
	Visibility  Visibility
}

const groupColumns = `g.id, g.slug, g.name, g.description, g.guidelines, g.visibility,
	COALESCE(g.created_by, 0), g.created_at, g.updated_at, g.history_version, g.member_count,
	COALESCE(g.archived_at, 0), COALESCE(g.locked_at, 0), g.slow_mode_seconds, g.facilitated, g.retention_days`

func scanGroup(row interface{ Scan(...any) error }, extra ...any) (Group, error) {
	var g Group
	var created, updated, archived, locked int64
	dest := append([]any{&g.ID, &g.Slug, &g.Name, &g.Description, &g.Guidelines, &g.Visibility,
		&g.CreatedBy, &created, &updated, &g.HistoryVersion, &g.MemberCount, &archived,
		&locked, &g.SlowModeSeconds, &g.Facilitated, &g.RetentionDays}, extra...)
	err := row.Scan(dest...)
	if locked != 0 {
		g.LockedAt = fromMS(locked)
	}
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	if archived != 0 {
		g.ArchivedAt = fromMS(archived)
	}
	return g, err
}

// CreateGroup inserts a group; its creator becomes its first member and group moderator.
func (s *Store) CreateGroup(ctx context.Context, in GroupInput, createdBy int64) (Group, error) {
	now := s.Now()
	g := Group{Slug: in.Slug, Name: in.Name, Description: in.Description, Guidelines: in.Guidelines,
		Visibility: in.Visibility, CreatedBy: createdBy, CreatedAt: now, UpdatedAt: now}
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		res, err := insertRow(ctx, tx, `
			INSERT INTO groups (slug, name, description, guidelines, visibility, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			g.Slug, g.Name, g.Description, g.Guidelines, g.Visibility, createdBy, ms(now), ms(now))
		if isUniqueViolation(err, "groups.slug") {
			return ErrSlugTaken
		}
		if err != nil {
			return fmt.Errorf("insert group: %w", err)
		}
		if g.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO memberships (group_id, user_id, is_moderator, joined_at, guidelines_accepted_at)
			VALUES (?, ?, 1, ?, ?)`, g.ID, createdBy, ms(now), ms(now)); err != nil {
			return fmt.Errorf("add creator to group: %w", err)
		}
		return nil
	})
	if err != nil {
		return Group{}, err
	}
	return g, nil
}

// UpdateGroup changes a group's editable fields. When its address changes, the old one is
// kept in group_slugs so links and open pages that use it still lead to the group.
func (s *Store) UpdateGroup(ctx context.Context, id int64, in GroupInput) (Group, error) {
	defer s.announce(Change{Kind: ChangeGroup, GroupID: id})
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var old string
		if err := tx.QueryRowContext(ctx, `SELECT slug FROM groups WHERE id = ?`, id).Scan(&old); err != nil {
			return notFound(err, "load group to update")
		}
		_, err := tx.ExecContext(ctx, `
			UPDATE groups SET slug = ?, name = ?, description = ?, guidelines = ?, visibility = ?, updated_at = ?
			WHERE id = ?`, in.Slug, in.Name, in.Description, in.Guidelines, in.Visibility, ms(s.Now()), id)
		if isUniqueViolation(err, "groups.slug") {
			return ErrSlugTaken
		}
		if err != nil {
			return fmt.Errorf("update group: %w", err)
		}
		if strings.EqualFold(old, in.Slug) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_slugs WHERE slug = ?`, in.Slug); err != nil {
			return fmt.Errorf("update group: free new address: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_slugs (slug, group_id) VALUES (?, ?)
			ON CONFLICT (slug) DO UPDATE SET group_id = excluded.group_id`, old, id); err != nil {
			return fmt.Errorf("update group: keep old address: %w", err)
		}
		return nil
	})
	if err != nil {
		return Group{}, err
	}
	return s.GroupByID(ctx, id)
}

// CurrentSlug returns the address a group now has for one it used before, or ErrNotFound
// when slug was never a group's address (a current address is not looked up here).
func (s *Store) CurrentSlug(ctx context.Context, slug string) (string, error) {
	var cur string
	err := s.r.QueryRowContext(ctx, `SELECT g.slug FROM group_slugs o JOIN groups g ON g.id = o.group_id
		WHERE o.slug = CAST(? AS CITEXT)`, slug).Scan(&cur)
	if err != nil {
		return "", notFound(err, "look up an earlier group address")
	}
	return cur, nil
}

// SlugInUse reports whether a slug is a group's current address.
func (s *Store) SlugInUse(ctx context.Context, slug string) (bool, error) {
	var used bool
	if err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM groups WHERE slug = ?)`, slug).Scan(&used); err != nil {
		return false, fmt.Errorf("check group address: %w", err)
	}
	return used, nil
}

// SetArchived archives a group (read-only, out of the list) or brings it back.
func (s *Store) SetArchived(ctx context.Context, id int64, archived bool) error {
	defer s.announce(Change{Kind: ChangeGroup, GroupID: id})
	var at any
	if archived {
		at = ms(s.Now())
	}
	res, err := s.exec(ctx, `UPDATE groups SET archived_at = ?, updated_at = ? WHERE id = ?`, at, ms(s.Now()), id)
	if err != nil {
		return fmt.Errorf("archive group: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteGroup removes a group with its memberships, invites, requests and whole chat.
func (s *Store) DeleteGroup(ctx context.Context, id int64) error {
	defer s.announce(Change{Kind: ChangeGroup, GroupID: id})
	res, err := s.exec(ctx, `DELETE FROM groups WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete group: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// GroupBySlug loads a group by its slug (case-insensitive).
func (s *Store) GroupBySlug(ctx context.Context, slug string) (Group, error) {
	g, err := scanGroup(s.r.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.slug = ?`, slug))
	if err != nil {
		return Group{}, notFound(err, "load group by slug")
	}
	return g, nil
}

// GroupByID loads a group.
func (s *Store) GroupByID(ctx context.Context, id int64) (Group, error) {
	g, err := scanGroup(s.r.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.id = ?`, id))
	if err != nil {
		return Group{}, notFound(err, "load group by id")
	}
	return g, nil
}

// GroupSummary is a row of the group list as one member sees it.
type GroupSummary struct {
	Group
	Members  int
	IsMember bool
	Unread   int
}

// ListGroupsFor returns the groups userID may see: every active public group and the
// private groups they belong to, with member counts and their unread counts, ordered by
// name. With everything set (for admins) it returns every group, archived ones included.
func (s *Store) ListGroupsFor(ctx context.Context, userID int64, everything bool) ([]GroupSummary, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT `+groupColumns+`,
		       m.user_id IS NOT NULL,
		       CASE WHEN m.user_id IS NULL THEN 0 ELSE
		         (SELECT count(*) FROM messages x WHERE x.group_id = g.id AND x.seq > m.last_read_seq
		            AND x.author_id != ? AND x.deleted_at IS NULL) END
		FROM groups g
		LEFT JOIN memberships m ON m.group_id = g.id AND m.user_id = CAST(? AS INTEGER)
		WHERE CAST(? AS INTEGER) <> 0 OR (g.archived_at IS NULL AND (g.visibility = 'public' OR m.user_id IS NOT NULL))
		ORDER BY lower(g.name), g.id`, userID, userID, everything)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	defer rows.Close()
	var out []GroupSummary
	for rows.Next() {
		var gs GroupSummary
		gs.Group, err = scanGroup(rows, &gs.IsMember, &gs.Unread)
		if err != nil {
			return nil, fmt.Errorf("list groups: %w", err)
		}
		gs.Members = gs.MemberCount
		out = append(out, gs)
	}
	return out, rows.Err()
}

const groupForMemberSQL = `SELECT ` + groupColumns + `,
	       m.user_id IS NOT NULL, COALESCE(m.is_moderator, 0), COALESCE(m.joined_at, 0),
	       COALESCE(m.guidelines_accepted_at, 0), COALESCE(m.last_read_seq, 0),
	       m.user_id IS NULL AND EXISTS (SELECT 1 FROM join_requests r WHERE r.group_id = g.id
	         AND r.user_id = CAST(?1 AS INTEGER) AND r.approved_at IS NOT NULL),
	       COALESCE((SELECT COALESCE(sm.expires_at, -1) FROM sanctions sm WHERE sm.user_id = CAST(?1 AS INTEGER) AND sm.group_id = g.id
	         AND sm.kind = 'mute' AND sm.lifted_at IS NULL AND (sm.expires_at IS NULL OR sm.expires_at > CAST(?3 AS INTEGER))
	         ORDER BY sm.expires_at IS NULL DESC, sm.expires_at DESC LIMIT 1), 0)
	FROM groups g LEFT JOIN memberships m ON m.group_id = g.id AND m.user_id = CAST(?1 AS INTEGER)
	WHERE g.slug = CAST(?2 AS CITEXT)`

// GroupForMember loads a group by its slug together with userID's membership of it, in one
// read: every group route needs both. isMember is false (and m zero) for a non-member; then
// m.Approved says whether the group's moderators approved their request to join.
func (s *Store) GroupForMember(ctx context.Context, slug string, userID int64) (g Group, m Membership, isMember bool, err error) {
	var joined, accepted, muted int64
	var approved bool
	g, err = scanGroup(s.r.QueryRowContext(ctx, groupForMemberSQL, userID, slug, ms(s.Now())),
		&isMember, &m.IsModerator, &joined, &accepted, &m.LastReadSeq, &approved, &muted)
	if err != nil {
		return Group{}, Membership{}, false, notFound(err, "load group with membership")
	}
	m.Muted = muted != 0
	if muted > 0 {
		m.MutedUntil = fromMS(muted)
	}
	if !isMember {
		return g, Membership{Approved: approved}, false, nil
	}
	m.GroupID, m.UserID = g.ID, userID
	m.JoinedAt, m.GuidelinesAccepted = fromMS(joined), fromMS(accepted)
	return g, m, true, nil
}

// MembershipOf returns userID's membership of groupID, or ErrNotFound.
func (s *Store) MembershipOf(ctx context.Context, groupID, userID int64) (Membership, error) {
	var m Membership
	var joined, accepted int64
	err := s.r.QueryRowContext(ctx, `
		SELECT group_id, user_id, is_moderator, joined_at, guidelines_accepted_at, last_read_seq
		FROM memberships WHERE group_id = ? AND user_id = ?`, groupID, userID).Scan(
		&m.GroupID, &m.UserID, &m.IsModerator, &joined, &accepted, &m.LastReadSeq)
	if err != nil {
		return Membership{}, notFound(err, "load membership")
	}
	m.JoinedAt, m.GuidelinesAccepted = fromMS(joined), fromMS(accepted)
	return m, nil
}

// Join adds userID to groupID, recording that they accepted the guidelines now. Joining a
// group one already belongs to changes nothing. Access rules are the caller's: Join does not
// check visibility.
func (s *Store) Join(ctx context.Context, groupID, userID int64) error {
	defer s.announce(Change{Kind: ChangeMembership, GroupID: groupID, UserID: userID})
	return s.InTx(ctx, func(tx *sql.Tx) error {
		return s.joinTx(ctx, tx, groupID, userID, ms(s.Now()))
	})
}

func (s *Store) joinTx(ctx context.Context, tx *sql.Tx, groupID, userID, now int64) error {
	// Under the same lock as Ban, so a ban committed meanwhile is seen.
	if err := s.serialize(ctx, tx, lockMember, userID); err != nil {
		return err
	}
	// A ban keeps a member out by every way in: the guidelines, an invite, a request.
	if err := bannedTx(ctx, tx, groupID, userID, now); err != nil {
		return err
	}
	// A new member starts with everything already written marked read.
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO memberships (group_id, user_id, joined_at, guidelines_accepted_at, last_read_seq)
		VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE group_id = ?))
		ON CONFLICT (group_id, user_id) DO NOTHING`, groupID, userID, now, now, groupID); err != nil {
		return fmt.Errorf("join group: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM join_requests WHERE group_id = ? AND user_id = ?`, groupID, userID); err != nil {
		return fmt.Errorf("join group: clear request: %w", err)
	}
	return nil
}

// Leave removes userID from groupID. It returns ErrNotFound if they were not a member.
func (s *Store) Leave(ctx context.Context, groupID, userID int64) error {
	defer s.announce(Change{Kind: ChangeMembership, GroupID: groupID, UserID: userID})
	res, err := s.exec(ctx, `DELETE FROM memberships WHERE group_id = ? AND user_id = ?`, groupID, userID)
	if err != nil {
		return fmt.Errorf("leave group: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetGroupModerator grants or withdraws a member's group moderator flag.
func (s *Store) SetGroupModerator(ctx context.Context, groupID, userID int64, mod bool) error {
	defer s.announce(Change{Kind: ChangeMembership, GroupID: groupID, UserID: userID})
	res, err := s.exec(ctx, `UPDATE memberships SET is_moderator = ? WHERE group_id = ? AND user_id = ?`, mod, groupID, userID)
	if err != nil {
		return fmt.Errorf("set group moderator: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Member is a group member as others see them.
type Member struct {
	UserID      int64
	DisplayName string
	IsModerator bool
	JoinedAt    time.Time
}

// ListMembers returns a group's members ordered by display name.
func (s *Store) ListMembers(ctx context.Context, groupID int64) ([]Member, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT u.id, u.display_name, m.is_moderator, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.group_id = CAST(? AS INTEGER) ORDER BY u.display_name`, groupID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		var joined int64
		if err := rows.Scan(&m.UserID, &m.DisplayName, &m.IsModerator, &joined); err != nil {
			return nil, fmt.Errorf("list members: %w", err)
		}
		m.JoinedAt = fromMS(joined)
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkRead moves a member's read marker forward to seq (never backward).
func (s *Store) MarkRead(ctx context.Context, groupID, userID, seq int64) error {
	if _, err := s.exec(ctx, `UPDATE memberships SET last_read_seq = ?
		WHERE group_id = ? AND user_id = ? AND last_read_seq < ?`, seq, groupID, userID, seq); err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	return nil
}

// ReadMark is one member's read position in one group.
type ReadMark struct{ GroupID, UserID, Seq int64 }

// MarkReadMany moves several read markers forward in one transaction; the chat hub flushes
// what its connections delivered this way, so it costs one commit per flush, not per member.
func (s *Store) MarkReadMany(ctx context.Context, marks []ReadMark) error {
	if len(marks) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE memberships SET last_read_seq = ?
			WHERE group_id = ? AND user_id = ? AND last_read_seq < ?`)
		if err != nil {
			return fmt.Errorf("mark read: %w", err)
		}
		defer st.Close()
		for _, m := range marks {
			if _, err := st.ExecContext(ctx, m.Seq, m.GroupID, m.UserID, m.Seq); err != nil {
				return fmt.Errorf("mark read: %w", err)
			}
		}
		return nil
	})
}

// MemberPair names one member of one group.
type MemberPair struct{ GroupID, UserID int64 }

// MembershipsAlive reports which of the given pairs are still memberships. The chat hub
// uses it to drop sockets of members who left or were removed on another node.
func (s *Store) MembershipsAlive(ctx context.Context, pairs []MemberPair) (map[MemberPair]bool, error) {
	alive := make(map[MemberPair]bool, len(pairs))
	if len(pairs) == 0 {
		return alive, nil
	}
	b := make([]byte, 0, len(pairs)*12+2)
	b = append(b, '[')
	for i, p := range pairs {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "[%d,%d]", p.GroupID, p.UserID)
	}
	b = append(b, ']')
	q := `SELECT m.group_id, m.user_id FROM json_each(CAST(? AS TEXT)) j
		JOIN memberships m ON m.group_id = j.value ->> 0 AND m.user_id = j.value ->> 1`
	if s.pg {
		q = `SELECT m.group_id, m.user_id FROM json_array_elements(CAST(? AS JSON)) j
		JOIN memberships m ON m.group_id = CAST(j.value ->> 0 AS INTEGER) AND m.user_id = CAST(j.value ->> 1 AS INTEGER)`
	}
	rows, err := s.r.QueryContext(ctx, q, string(b))
	if err != nil {
		return nil, fmt.Errorf("check live memberships: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p MemberPair
		if err := rows.Scan(&p.GroupID, &p.UserID); err != nil {
			return nil, fmt.Errorf("check live memberships: %w", err)
		}
		alive[p] = true
	}
	return alive, rows.Err()
}
