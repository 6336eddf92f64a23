package store

import (
	"context"
	"fmt"
	"time"
)

// MemberProfile is what a member page (/members/{id}) may show of a member: Hearth is
// pseudonymous, so never their username, e-mail or anything else of their account. It
// carries the facts about the viewer it was loaded for, for authz.SeeMember.
type MemberProfile struct {
	ID          int64
	DisplayName string
	Since       time.Time // when they joined Hearth
	// SharesGroup: the viewer and the member belong to a group together.
	SharesGroup bool
	// SharesGoalWithAll: the member has a goal shared with all members (not archived).
	SharesGoalWithAll bool
}

// MemberProfileFor loads member memberID as viewerID may be shown them, with the facts the
// policy needs. A member that does not exist is ErrNotFound.
func (s *Store) MemberProfileFor(ctx context.Context, memberID, viewerID int64) (MemberProfile, error) {
	var p MemberProfile
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT u.id, u.display_name, u.created_at,
		`+sharesGroupSQL("u.id", "CAST(?2 AS INTEGER)")+`,
		EXISTS (SELECT 1 FROM goals g WHERE g.user_id = u.id AND g.visibility = 'members' AND g.state <> 'archived')
		FROM users u WHERE u.id = CAST(?1 AS INTEGER)`, memberID, viewerID).Scan(&p.ID, &p.DisplayName, &created, &p.SharesGroup, &p.SharesGoalWithAll)
	if err != nil {
		return MemberProfile{}, notFound(err, "load member profile")
	}
	p.Since = fromMS(created)
	return p, nil
}

// GroupRef names a group for a link.
type GroupRef struct {
	Slug, Name string
}

// GroupsInCommon lists the groups members a and b both belong to, by name.
func (s *Store) GroupsInCommon(ctx context.Context, a, b int64) ([]GroupRef, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT gr.slug, gr.name FROM memberships ma
		JOIN memberships mb ON mb.group_id = ma.group_id AND mb.user_id = CAST(?2 AS INTEGER)
		JOIN groups gr ON gr.id = ma.group_id
		WHERE ma.user_id = CAST(?1 AS INTEGER) ORDER BY gr.name LIMIT 200`, a, b)
	if err != nil {
		return nil, fmt.Errorf("list groups in common: %w", err)
	}
	defer rows.Close()
	var out []GroupRef
	for rows.Next() {
		var g GroupRef
		if err := rows.Scan(&g.Slug, &g.Name); err != nil {
			return nil, fmt.Errorf("list groups in common: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GoalsOfFor lists ownerID's goals that are not archived, newest first, each with the facts
// about viewerID the policy needs (as GoalFor): the caller keeps those authz.SeeGoal
// allows. Private goals are left out here already unless viewerID is their buddy.
func (s *Store) GoalsOfFor(ctx context.Context, ownerID, viewerID int64) ([]Goal, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+goalColumns+`,
		EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = g.group_id AND m.user_id = CAST(?2 AS INTEGER)),
		EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = g.group_id AND m.user_id = g.user_id)`+goalFrom+`
		WHERE g.user_id = CAST(?1 AS INTEGER) AND g.state <> 'archived'
			AND (g.visibility <> 'private' OR g.user_id = CAST(?2 AS INTEGER) OR g.buddy_id = CAST(?2 AS INTEGER))
		ORDER BY g.updated_at DESC, g.id DESC LIMIT 200`, ownerID, viewerID)
	if err != nil {
		return nil, fmt.Errorf("list a member's goals: %w", err)
	}
	defer rows.Close()
	var out []Goal
	for rows.Next() {
		g, err := scanGoalFor(rows)
		if err != nil {
			return nil, fmt.Errorf("list a member's goals: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
