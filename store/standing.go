package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Actor names a member acting in a group through one of their sessions: a chat socket, or
// the sender of a message.
type Actor struct {
	SessionID, UserID, GroupID int64
}

// Standing is what the store holds, at one moment, about an Actor: the facts the
// authorization policy (package authz) decides from. A nil pointer means the row does not
// exist. Sanctions that come later (mute, ban, lock, slow mode) add their facts here, so the
// committer and the live re-check see them without changing shape.
type Standing struct {
	// SessionAlive reports that the session exists, belongs to the member and is unexpired.
	SessionAlive bool
	// User is the account: ID, DisplayName and Role (read for every message, so only what
	// the policy and the message need).
	User *User
	// Group is the group: ID, Slug, Visibility and ArchivedAt.
	Group *Group
	// Membership is the member's membership of the group: IDs, IsModerator and JoinedAt.
	Membership *Membership

	// Now is the store's clock when the Standing was read: sanctions expire against it.
	Now time.Time
	// Suspended: the account is suspended site-wide right now.
	Suspended bool
	// Muted: the member is muted in the group right now, until MutedUntil (zero: until a
	// moderator lifts it), for MuteReason.
	Muted      bool
	MutedUntil time.Time
	MuteReason string
	// LastPostAt is when the member last posted in the group; read only while the group is
	// in slow mode (zero otherwise, or when they never posted).
	LastPostAt time.Time
	// FacilitatorHere is not read from the store: the live chat fills it in for a
	// facilitated group (one of the group's moderators has the room open).
	FacilitatorHere bool
}

// standingFrom loads one Standing per row of the source p (columns sid, uid, gid and a key
// k). Every group, user and membership column is read through a LEFT JOIN, so a row exists
// for each actor whatever is missing.
const standingFrom = `
	SELECT p.k,
	       EXISTS (SELECT 1 FROM sessions s WHERE s.id = p.sid AND s.user_id = p.uid AND s.expires_at > CAST(?1 AS INTEGER)),
	       u.id IS NOT NULL, COALESCE(u.display_name, ''), COALESCE(u.role, ''),
	       g.id IS NOT NULL, COALESCE(g.slug, ''), COALESCE(g.visibility, ''), COALESCE(g.archived_at, 0),
	       m.user_id IS NOT NULL, COALESCE(m.is_moderator, 0), COALESCE(m.joined_at, 0),
	       COALESCE(g.locked_at, 0), COALESCE(g.slow_mode_seconds, 0), COALESCE(g.facilitated, 0),
	       EXISTS (SELECT 1 FROM sanctions su WHERE su.user_id = p.uid AND su.kind = 'suspend' AND su.lifted_at IS NULL
	               AND (su.expires_at IS NULL OR su.expires_at > CAST(?1 AS INTEGER))),
	       mu.id IS NOT NULL, COALESCE(mu.expires_at, 0), COALESCE(mu.reason, ''),
	       -- The member's last post, only in slow mode; "+lm.group_id" keeps SQLite on the
	       -- author's index (their messages) rather than the group's (everyone's).
	       CASE WHEN COALESCE(g.slow_mode_seconds, 0) > 0 THEN
	            COALESCE((SELECT MAX(lm.created_at) FROM messages lm WHERE lm.author_id = p.uid AND +lm.group_id = p.gid), 0)
	            ELSE 0 END
	FROM %s
	LEFT JOIN users u ON u.id = p.uid
	LEFT JOIN groups g ON g.id = p.gid
	LEFT JOIN memberships m ON m.group_id = p.gid AND m.user_id = p.uid
	LEFT JOIN sanctions mu ON mu.id = (
	     SELECT sm.id FROM sanctions sm WHERE sm.user_id = p.uid AND sm.group_id = p.gid AND sm.kind = 'mute'
	     AND sm.lifted_at IS NULL AND (sm.expires_at IS NULL OR sm.expires_at > CAST(?1 AS INTEGER))
	     ORDER BY sm.expires_at IS NULL DESC, sm.expires_at DESC LIMIT 1)`

// standingOneSQL reads one actor's Standing (now, session, user, group).
var standingOneSQL = fmt.Sprintf(standingFrom,
	`(SELECT 0 AS k, CAST(?2 AS INTEGER) AS sid, CAST(?3 AS INTEGER) AS uid, CAST(?4 AS INTEGER) AS gid) p`)

// standingManySQL reads the Standing of every actor of a JSON list [[sid,uid,gid],...] (now,
// list); k is the actor's index in the list.
var standingManySQL = fmt.Sprintf(standingFrom,
	`(SELECT j.key AS k, j.value ->> 0 AS sid, j.value ->> 1 AS uid, j.value ->> 2 AS gid
	  FROM json_each(CAST(?2 AS TEXT)) j) p`)

// standingManyPG is standingManySQL on PostgreSQL, which numbers a JSON array from 1.
var standingManyPG = fmt.Sprintf(standingFrom,
	`(SELECT j.k - 1 AS k, CAST(j.value ->> 0 AS INTEGER) AS sid, CAST(j.value ->> 1 AS INTEGER) AS uid,
	  CAST(j.value ->> 2 AS INTEGER) AS gid FROM json_array_elements(CAST(?2 AS JSON)) WITH ORDINALITY AS j(value, k)) p`)

func scanStanding(row interface{ Scan(...any) error }, a Actor) (int64, Standing, error) {
	var (
		k                            int64
		st                           Standing
		u                            User
		g                            Group
		m                            Membership
		hasUser, hasGroup, hasMember bool
		joined, archived             int64
		locked, muteUntil, lastPost  int64
	)
	err := row.Scan(&k, &st.SessionAlive,
		&hasUser, &u.DisplayName, &u.Role,
		&hasGroup, &g.Slug, &g.Visibility, &archived,
		&hasMember, &m.IsModerator, &joined,
		&locked, &g.SlowModeSeconds, &g.Facilitated,
		&st.Suspended, &st.Muted, &muteUntil, &st.MuteReason, &lastPost)
	if err != nil {
		return 0, Standing{}, err
	}
	if locked != 0 {
		g.LockedAt = fromMS(locked)
	}
	if muteUntil != 0 {
		st.MutedUntil = fromMS(muteUntil)
	}
	if lastPost != 0 {
		st.LastPostAt = fromMS(lastPost)
	}
	if hasUser {
		u.ID = a.UserID
		st.User = &u
	}
	if hasGroup {
		g.ID = a.GroupID
		if archived != 0 {
			g.ArchivedAt = fromMS(archived)
		}
		st.Group = &g
	}
	if hasMember {
		m.GroupID, m.UserID, m.JoinedAt = a.GroupID, a.UserID, fromMS(joined)
		st.Membership = &m
	}
	return k, st, nil
}

// standingTx reads one actor's Standing with a statement of the transaction it is decided in.
func (s *Store) standingTx(ctx context.Context, stmt *sql.Stmt, a Actor) (Standing, error) {
	now := s.Now()
	_, st, err := scanStanding(stmt.QueryRowContext(ctx, ms(now), a.SessionID, a.UserID, a.GroupID), a)
	if err != nil {
		return Standing{}, fmt.Errorf("load standing of sender: %w", err)
	}
	st.Now = now
	return st, nil
}

// Standings returns the Standing of each actor, in order, read in one query. The live chat
// re-checks its open sockets with it.
func (s *Store) Standings(ctx context.Context, actors []Actor) ([]Standing, error) {
	return s.standings(ctx, s.r, actors)
}

// queryer is the read pool, the writer or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// standings is Standings through q: the committer on PostgreSQL reads its senders' standing
// inside its transaction with it.
func (s *Store) standings(ctx context.Context, q queryer, actors []Actor) ([]Standing, error) {
	out := make([]Standing, len(actors))
	if len(actors) == 0 {
		return out, nil
	}
	b := make([]byte, 0, len(actors)*20+2)
	b = append(b, '[')
	for i, a := range actors {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "[%d,%d,%d]", a.SessionID, a.UserID, a.GroupID)
	}
	b = append(b, ']')
	now := s.Now()
	query := standingManySQL
	if s.pg {
		query = standingManyPG
	}
	rows, err := q.QueryContext(ctx, query, ms(now), string(b))
	if err != nil {
		return nil, fmt.Errorf("load standings: %w", err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var a Actor
		// The key comes first; scan into a placeholder actor and fix the ids below.
		k, st, err := scanStanding(rows, a)
		if err != nil {
			return nil, fmt.Errorf("load standings: %w", err)
		}
		if k < 0 || int(k) >= len(out) {
			return nil, fmt.Errorf("load standings: row for unknown actor %d", k)
		}
		a = actors[k]
		if st.User != nil {
			st.User.ID = a.UserID
		}
		if st.Group != nil {
			st.Group.ID = a.GroupID
		}
		if st.Membership != nil {
			st.Membership.GroupID, st.Membership.UserID = a.GroupID, a.UserID
		}
		st.Now = now
		out[k] = st
		seen++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load standings: %w", err)
	}
	if seen != len(actors) {
		return nil, fmt.Errorf("load standings: %d rows for %d actors", seen, len(actors))
	}
	return out, nil
}
