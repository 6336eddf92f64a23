package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Invite is a link that lets people join a private group. Only the SHA-256 of its token is
// stored, so a database copy does not leak working links.
type Invite struct {
	ID        int64
	GroupID   int64
	CreatedBy int64
	CreatedAt time.Time
	ExpiresAt time.Time
	MaxUses   int
	Uses      int
}

// ErrInviteUsedUp is returned for an invite that expired or has no uses left.
var ErrInviteUsedUp = errors.New("invite expired or used up")

// CreateInvite records an invite link for groupID.
func (s *Store) CreateInvite(ctx context.Context, groupID, createdBy int64, tokenHash []byte, ttl time.Duration, maxUses int) (Invite, error) {
	now := s.Now()
	inv := Invite{GroupID: groupID, CreatedBy: createdBy, CreatedAt: now, ExpiresAt: now.Add(ttl), MaxUses: maxUses}
	res, err := s.insertRowHealth(ctx, `
		INSERT INTO group_invites (group_id, token_hash, created_by, created_at, expires_at, max_uses)
		VALUES (?, ?, ?, ?, ?, ?)`, groupID, tokenHash, createdBy, ms(now), ms(inv.ExpiresAt), maxUses)
	if err != nil {
		return Invite{}, fmt.Errorf("create invite: %w", err)
	}
	if inv.ID, err = res.LastInsertId(); err != nil {
		return Invite{}, fmt.Errorf("create invite: %w", err)
	}
	return inv, nil
}

// ListInvites returns a group's invites that can still be used, newest first.
func (s *Store) ListInvites(ctx context.Context, groupID int64) ([]Invite, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT id, group_id, COALESCE(created_by, 0), created_at, expires_at, max_uses, uses
		FROM group_invites WHERE group_id = ? AND expires_at > ? AND uses < max_uses
		ORDER BY id DESC`, groupID, ms(s.Now()))
	if err != nil {
		return nil, fmt.Errorf("list invites: %w", err)
	}
	defer rows.Close()
	var out []Invite
	for rows.Next() {
		var inv Invite
		var created, expires int64
		if err := rows.Scan(&inv.ID, &inv.GroupID, &inv.CreatedBy, &created, &expires, &inv.MaxUses, &inv.Uses); err != nil {
			return nil, fmt.Errorf("list invites: %w", err)
		}
		inv.CreatedAt, inv.ExpiresAt = fromMS(created), fromMS(expires)
		out = append(out, inv)
	}
	return out, rows.Err()
}

// RevokeInvite ends an invite link of groupID at once: it counts as expired from now on.
func (s *Store) RevokeInvite(ctx context.Context, groupID, inviteID int64) error {
	res, err := s.exec(ctx, `UPDATE group_invites SET expires_at = ? WHERE id = ? AND group_id = ? AND expires_at > ?`,
		ms(s.Now()), inviteID, groupID, ms(s.Now()))
	if err != nil {
		return fmt.Errorf("revoke invite: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// InviteByToken returns the group an invite token hash leads to, without using the invite,
// and whether the invite can still be used. An unknown token is ErrNotFound.
func (s *Store) InviteByToken(ctx context.Context, tokenHash []byte) (Group, bool, error) {
	var usable bool
	g, err := scanGroup(s.r.QueryRowContext(ctx, `SELECT `+groupColumns+`
		FROM group_invites i JOIN groups g ON g.id = i.group_id
		WHERE i.token_hash = CAST(? AS BLOB)`, tokenHash))
	if err != nil {
		return Group{}, false, notFound(err, "load invite")
	}
	err = s.r.QueryRowContext(ctx, `SELECT expires_at > ? AND uses < max_uses FROM group_invites WHERE token_hash = ?`,
		ms(s.Now()), tokenHash).Scan(&usable)
	if err != nil {
		return Group{}, false, notFound(err, "load invite")
	}
	return g, usable, nil
}

// JoinByInvite uses one of an invite's uses and makes userID a member of its group, in one
// transaction. A member who already belongs uses nothing. An unknown invite is ErrNotFound;
// an expired or used-up one is ErrInviteUsedUp.
func (s *Store) JoinByInvite(ctx context.Context, tokenHash []byte, userID int64) (Group, error) {
	var groupID int64
	now := ms(s.Now())
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var id, expires int64
		var maxUses, uses int
		err := tx.QueryRowContext(ctx, `SELECT id, group_id, expires_at, max_uses, uses
			FROM group_invites WHERE token_hash = ?`, tokenHash).Scan(&id, &groupID, &expires, &maxUses, &uses)
		if err != nil {
			return notFound(err, "load invite")
		}
		var member bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM memberships
			WHERE group_id = ? AND user_id = ?)`, groupID, userID).Scan(&member); err != nil {
			return fmt.Errorf("check membership: %w", err)
		}
		if member {
			return nil
		}
		if expires <= now || uses >= maxUses {
			return ErrInviteUsedUp
		}
		// Conditional, so two members taking the last use at once cannot both have it.
		res, err := tx.ExecContext(ctx, `UPDATE group_invites SET uses = uses + 1 WHERE id = ? AND uses < max_uses AND expires_at > ?`, id, now)
		if err != nil {
			return fmt.Errorf("use invite: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("use invite: %w", err)
		} else if n == 0 {
			return ErrInviteUsedUp
		}
		return s.joinTx(ctx, tx, groupID, userID, now)
	})
	if err != nil {
		return Group{}, err
	}
	s.announce(Change{Kind: ChangeMembership, GroupID: groupID, UserID: userID})
	return s.GroupByID(ctx, groupID)
}

// JoinRequest is a non-member's request to join a private group.
type JoinRequest struct {
	GroupID     int64
	UserID      int64
	DisplayName string
	Note        string
	CreatedAt   time.Time
}

// RequestToJoin records a join request; asking again replaces the note (and leaves an
// approval in place).
func (s *Store) RequestToJoin(ctx context.Context, groupID, userID int64, note string) error {
	if _, err := s.exec(ctx, `
		INSERT INTO join_requests (group_id, user_id, note, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (group_id, user_id) DO UPDATE SET note = excluded.note`,
		groupID, userID, note, ms(s.Now())); err != nil {
		return fmt.Errorf("request to join: %w", err)
	}
	return nil
}

// HasJoinRequest reports whether userID has a pending request for groupID.
func (s *Store) HasJoinRequest(ctx context.Context, groupID, userID int64) (bool, error) {
	var ok bool
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM join_requests WHERE group_id = ? AND user_id = ?)`,
		groupID, userID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("check join request: %w", err)
	}
	return ok, nil
}

// ListJoinRequests returns a group's pending requests, oldest first.
func (s *Store) ListJoinRequests(ctx context.Context, groupID int64) ([]JoinRequest, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT r.group_id, r.user_id, u.display_name, r.note, r.created_at
		FROM join_requests r JOIN users u ON u.id = r.user_id
		WHERE r.group_id = CAST(? AS INTEGER) AND r.approved_at IS NULL ORDER BY r.created_at, r.user_id`, groupID)
	if err != nil {
		return nil, fmt.Errorf("list join requests: %w", err)
	}
	defer rows.Close()
	var out []JoinRequest
	for rows.Next() {
		var jr JoinRequest
		var created int64
		if err := rows.Scan(&jr.GroupID, &jr.UserID, &jr.DisplayName, &jr.Note, &created); err != nil {
			return nil, fmt.Errorf("list join requests: %w", err)
		}
		jr.CreatedAt = fromMS(created)
		out = append(out, jr)
	}
	return out, rows.Err()
}

// ApproveJoinRequest approves a pending request: the member may now see the group's
// guidelines and join by accepting them (Join removes the request). A missing or already
// approved request is ErrNotFound.
func (s *Store) ApproveJoinRequest(ctx context.Context, groupID, userID int64) error {
	return s.decideJoinRequest(ctx, groupID, userID, true)
}

// DenyJoinRequest deletes a pending request. A missing request is ErrNotFound.
func (s *Store) DenyJoinRequest(ctx context.Context, groupID, userID int64) error {
	return s.decideJoinRequest(ctx, groupID, userID, false)
}

// decideJoinRequest approves or denies a pending request and tells the member, in one
// transaction.
func (s *Store) decideJoinRequest(ctx context.Context, groupID, userID int64, approve bool) error {
	now := ms(s.Now())
	notified := false
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		q, detail := `DELETE FROM join_requests WHERE group_id = ? AND user_id = ?`, "declined"
		args := []any{groupID, userID}
		if approve {
			q, detail = `UPDATE join_requests SET approved_at = ? WHERE group_id = ? AND user_id = ? AND approved_at IS NULL`, "approved"
			args = append([]any{now}, args...)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("decide join request: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		notified, err = notifyTx(ctx, tx, Notice{UserID: userID, Kind: NoticeJoinRequest, GroupID: groupID, Detail: detail}, now)
		return err
	})
	if err != nil {
		return err
	}
	ch := []Change{{Kind: ChangeMembership, GroupID: groupID, UserID: userID}}
	if notified {
		ch = append(ch, Change{Kind: ChangeNotification, UserID: userID})
	}
	s.announce(ch...)
	return nil
}
