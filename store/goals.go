package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// GoalVisibility says who sees a goal besides its owner and buddy.
type GoalVisibility string

// Goal visibilities.
const (
	GoalPrivate GoalVisibility = "private" // the owner and their buddy only
	GoalGroup   GoalVisibility = "group"   // the members of one of the owner's groups
	GoalMembers GoalVisibility = "members" // every member of this Hearth
)

// GoalState is where a goal stands.
type GoalState string

// Goal states.
const (
	GoalActive    GoalState = "active"
	GoalPaused    GoalState = "paused"
	GoalCompleted GoalState = "completed"
	GoalArchived  GoalState = "archived"
)

// Goal is a member's goal.
type Goal struct {
	ID         int64
	UserID     int64
	OwnerName  string
	Title      string
	Why        string
	TargetDate string // YYYY-MM-DD or ""
	Visibility GoalVisibility
	GroupID    int64 // the group it is shared with (GoalGroup)
	GroupName  string
	GroupSlug  string
	BuddyID    int64
	BuddyName  string
	// BuddyShares: the buddy and the owner share a group now. A buddy is chosen among the
	// owner's peers; once they share no group any more the buddy is kept, dormant: they
	// neither see the goal as its buddy nor hear of it, until the two share a group again
	// or the owner chooses another (the owner is told on the goal's page).
	BuddyShares bool
	State       GoalState
	CommentsOff bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ActiveMS    int64     // time of every finished run of progress
	ActiveSince time.Time // start of the current run (zero when not active)
	Restarts    int
	Milestones  int // how many milestones
	Done        int // how many are checked off
	// Facts about the viewer the goal was loaded for (GoalFor), for the policy.
	ViewerInGroup bool // the viewer is a member of GroupID
	OwnerInGroup  bool // the owner still is a member of GroupID
}

// DaysOfProgress is the number of days the goal has been active in total, across every
// pause and restart, at now, rounded to the nearest day; a goal active for any time at all
// has at least one.
func (g Goal) DaysOfProgress(now time.Time) int {
	total := g.ActiveMS
	if !g.ActiveSince.IsZero() && now.After(g.ActiveSince) {
		total += now.Sub(g.ActiveSince).Milliseconds()
	}
	const day = 86_400_000
	d := int((total + day/2) / day)
	if d == 0 && total > 0 {
		d = 1
	}
	return d
}

// DaysChangeAt is the first instant after now at which DaysOfProgress changes, or the zero
// time if it never will (the goal is not running), so a cache of it can last exactly that
// long.
func (g Goal) DaysChangeAt(now time.Time) time.Time {
	if g.ActiveSince.IsZero() {
		return time.Time{}
	}
	base := now // from here on the total grows with the clock
	if base.Before(g.ActiveSince) {
		base = g.ActiveSince
	}
	const day, half = 86_400_000, 43_200_000
	total := g.ActiveMS + base.Sub(g.ActiveSince).Milliseconds()
	if total <= 0 { // 0 days, and 1 as soon as any time has passed
		return base.Add(time.Millisecond)
	}
	d := max((total+half)/day, 1) // the days shown: rounded, and at least one
	next := (d+1)*day - half      // where (total + day/2) / day reaches d+1
	return base.Add(time.Duration(next-total) * time.Millisecond)
}

// Percent is how much of the goal's milestones are done, 0 to 100.
func (g Goal) Percent() int {
	if g.State == GoalCompleted {
		return 100
	}
	if g.Milestones == 0 {
		return 0
	}
	return g.Done * 100 / g.Milestones
}

// Milestone is one small step of a goal.
type Milestone struct {
	ID       int64
	GoalID   int64
	Position int
	Title    string
	DoneAt   time.Time // zero until checked off
}

// Done reports whether the milestone is checked off.
func (m Milestone) Done() bool { return !m.DoneAt.IsZero() }

// GoalEventKind names an entry of a goal's history.
type GoalEventKind string

// Goal event kinds.
const (
	EventCreated   GoalEventKind = "created"
	EventUpdate    GoalEventKind = "update"
	EventMilestone GoalEventKind = "milestone"
	EventPaused    GoalEventKind = "paused"
	EventRestarted GoalEventKind = "restarted"
	EventCompleted GoalEventKind = "completed"
	EventArchived  GoalEventKind = "archived"
)

// GoalEvent is one entry of a goal's history: the chart, the updates list and the feeds are
// drawn from these.
type GoalEvent struct {
	ID             int64
	GoalID         int64
	Kind           GoalEventKind
	Note           string
	MilestoneTitle string
	Feeling        int // 0: not said; 1-5 otherwise
	Done           int // milestones done after this event
	CreatedAt      time.Time
	// For feeds: whose goal, and which.
	OwnerName string
	GoalTitle string
}

// GoalComment is a peer's short encouragement.
type GoalComment struct {
	ID         int64
	GoalID     int64
	UserID     int64
	AuthorName string
	Body       string
	CreatedAt  time.Time
	HiddenAt   time.Time // when a moderator hid it (zero unless hidden; goal_encourage.go)
}

// GoalInput holds a goal's editable fields.
type GoalInput struct {
	Title      string
	Why        string
	TargetDate string
	Visibility GoalVisibility
	GroupID    int64
	BuddyID    int64
}

// Errors the goal writers return for input that does not fit.
var (
	ErrGoalGroup  = errors.New("store: not a group of the goal's owner")
	ErrGoalBuddy  = errors.New("store: the buddy shares no group with the goal's owner")
	ErrStaleOrder = errors.New("store: the milestones changed meanwhile")
	ErrGoalState  = errors.New("store: not possible in the goal's state")
)

// goalColumns are a goal's columns, with whether its buddy shares a group with its owner.
var goalColumns = `g.id, g.user_id, u.display_name, g.title, g.why, g.target_date, g.visibility,
	COALESCE(g.group_id, 0), COALESCE(gr.name, ''), COALESCE(gr.slug, ''), COALESCE(g.buddy_id, 0), COALESCE(b.display_name, ''),
	g.state, g.comments_off, g.created_at, g.updated_at, g.active_ms, COALESCE(g.active_since, 0), g.restarts,
	g.milestone_count, g.done_count, ` + sharesGroupSQL("g.user_id", "g.buddy_id")

const goalFrom = ` FROM goals g JOIN users u ON u.id = g.user_id
	LEFT JOIN groups gr ON gr.id = g.group_id LEFT JOIN users b ON b.id = g.buddy_id`

// sharesGroupSQL is the SQL condition that members a and b (column names or parameters)
// belong to a group together: a walk of a's memberships (memberships_user), each checked by
// the primary key (group_id, user_id).
func sharesGroupSQL(a, b string) string {
	return `EXISTS (SELECT 1 FROM memberships sa JOIN memberships sb ON sb.group_id = sa.group_id AND sb.user_id = ` + b +
		` WHERE sa.user_id = ` + a + `)`
}

// ShareAGroup reports whether members a and b belong to a group together.
func (s *Store) ShareAGroup(ctx context.Context, a, b int64) (bool, error) {
	var yes bool
	if err := s.r.QueryRowContext(ctx, `SELECT `+sharesGroupSQL("CAST(?1 AS INTEGER)", "CAST(?2 AS INTEGER)"), a, b).Scan(&yes); err != nil {
		return false, fmt.Errorf("check a shared group: %w", err)
	}
	return yes, nil
}

func scanGoal(row interface{ Scan(...any) error }, extra ...any) (Goal, error) {
	var g Goal
	var created, updated, since int64
	err := row.Scan(append([]any{&g.ID, &g.UserID, &g.OwnerName, &g.Title, &g.Why, &g.TargetDate, &g.Visibility,
		&g.GroupID, &g.GroupName, &g.GroupSlug, &g.BuddyID, &g.BuddyName, &g.State, &g.CommentsOff,
		&created, &updated, &g.ActiveMS, &since, &g.Restarts, &g.Milestones, &g.Done, &g.BuddyShares}, extra...)...)
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	if since != 0 {
		g.ActiveSince = fromMS(since)
	}
	return g, err
}

// GoalFor loads a goal with the facts the policy needs about viewerID: whether the viewer
// and the owner are members of the group it is shared with.
func (s *Store) GoalFor(ctx context.Context, goalID, viewerID int64) (Goal, error) {
	g, err := scanGoalFor(s.r.QueryRowContext(ctx, `SELECT `+goalColumns+`,
		EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = g.group_id AND m.user_id = CAST(?2 AS INTEGER)),
		EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = g.group_id AND m.user_id = g.user_id)`+
		goalFrom+` WHERE g.id = CAST(?1 AS INTEGER)`, goalID, viewerID))
	if err != nil {
		return Goal{}, notFound(err, "load goal")
	}
	return g, nil
}

// scanGoalFor is scanGoal with the two viewer facts.
func scanGoalFor(row interface{ Scan(...any) error }) (Goal, error) {
	var g Goal
	var vin, oin bool
	g, err := scanGoal(row, &vin, &oin)
	g.ViewerInGroup, g.OwnerInGroup = vin, oin
	return g, err
}

// goalsQuery runs a goal listing.
func (s *Store) goalsQuery(ctx context.Context, q string, args ...any) ([]Goal, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+goalColumns+`, 0, 0`+goalFrom+q, args...)
	if err != nil {
		return nil, fmt.Errorf("list goals: %w", err)
	}
	defer rows.Close()
	var out []Goal
	for rows.Next() {
		g, err := scanGoalFor(rows)
		if err != nil {
			return nil, fmt.Errorf("list goals: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GoalsOf lists a member's own goals: active and paused first, then completed, then
// archived; newest first within each.
func (s *Store) GoalsOf(ctx context.Context, userID int64) ([]Goal, error) {
	return s.goalsQuery(ctx, ` WHERE g.user_id = CAST(? AS INTEGER)
		ORDER BY CASE g.state WHEN 'active' THEN 0 WHEN 'paused' THEN 0 WHEN 'completed' THEN 1 ELSE 2 END, g.id DESC`, userID)
}

// GoalsSharedWith lists other members' goals viewerID may see: shared with all members,
// shared with a group both belong to, or whose buddy the viewer is. Archived goals are left
// out.
func (s *Store) GoalsSharedWith(ctx context.Context, viewerID int64, limit int) ([]Goal, error) {
	return s.goalsQuery(ctx, ` WHERE g.user_id <> ?1 AND g.state <> 'archived' AND (
		g.visibility = 'members' OR (g.buddy_id = ?1 AND `+sharesGroupSQL("g.user_id", "?1")+`) OR (g.visibility = 'group'
		AND EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = g.group_id AND m.user_id = ?1)
		AND EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = g.group_id AND m.user_id = g.user_id)))
		ORDER BY g.updated_at DESC LIMIT ?2`, viewerID, limit)
}

// BoardGoals lists the goals shared with a group whose owners still belong to it, most
// recently active first. Archived goals are left out.
func (s *Store) BoardGoals(ctx context.Context, groupID int64) ([]Goal, error) {
	return s.goalsQuery(ctx, ` WHERE g.group_id = CAST(?1 AS INTEGER) AND g.visibility = 'group' AND g.state <> 'archived'
		AND EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = g.group_id AND m.user_id = g.user_id)
		ORDER BY g.updated_at DESC LIMIT 500`, groupID)
}

// BoardFeed lists the latest milestones, updates and completions of the goals on a group's
// board, newest first.
func (s *Store) BoardFeed(ctx context.Context, groupID int64, limit int) ([]GoalEvent, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT e.id, e.goal_id, e.kind, e.note, e.milestone_title, COALESCE(e.feeling, 0), e.done, e.created_at, u.display_name, g.title
		FROM goals g JOIN goal_events e ON e.goal_id = g.id JOIN users u ON u.id = g.user_id
		WHERE g.group_id = CAST(?1 AS INTEGER) AND g.visibility = 'group' AND g.state <> 'archived'
		AND e.kind IN ('milestone', 'update', 'completed')
		AND EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = g.group_id AND m.user_id = g.user_id)
		ORDER BY e.id DESC LIMIT CAST(?2 AS INTEGER)`, groupID, limit)
	if err != nil {
		return nil, fmt.Errorf("load board feed: %w", err)
	}
	return scanEvents(rows, true)
}

func scanEvents(rows *sql.Rows, feed bool) ([]GoalEvent, error) {
	defer rows.Close()
	var out []GoalEvent
	for rows.Next() {
		var e GoalEvent
		var at int64
		dest := []any{&e.ID, &e.GoalID, &e.Kind, &e.Note, &e.MilestoneTitle, &e.Feeling, &e.Done, &at}
		if feed {
			dest = append(dest, &e.OwnerName, &e.GoalTitle)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("load goal history: %w", err)
		}
		e.CreatedAt = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// GoalEvents returns a goal's whole history, oldest first.
func (s *Store) GoalEvents(ctx context.Context, goalID int64) ([]GoalEvent, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT id, goal_id, kind, note, milestone_title, COALESCE(feeling, 0), done, created_at
		FROM goal_events WHERE goal_id = ? ORDER BY id`, goalID)
	if err != nil {
		return nil, fmt.Errorf("load goal history: %w", err)
	}
	return scanEvents(rows, false)
}

// Milestones returns a goal's milestones in order.
func (s *Store) Milestones(ctx context.Context, goalID int64) ([]Milestone, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, goal_id, position, title, COALESCE(done_at, 0)
		FROM goal_milestones WHERE goal_id = ? ORDER BY position, id`, goalID)
	if err != nil {
		return nil, fmt.Errorf("load milestones: %w", err)
	}
	defer rows.Close()
	var out []Milestone
	for rows.Next() {
		var m Milestone
		var done int64
		if err := rows.Scan(&m.ID, &m.GoalID, &m.Position, &m.Title, &done); err != nil {
			return nil, fmt.Errorf("load milestones: %w", err)
		}
		if done != 0 {
			m.DoneAt = fromMS(done)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// checkGoalInput checks, inside the writing transaction, that the shared group is one of
// the owner's and that the buddy shares a group with them. keep is the goal's buddy so far:
// keeping them is allowed even while they are dormant (no group shared any more).
func checkGoalInput(ctx context.Context, tx *sql.Tx, owner int64, in GoalInput, keep int64) error {
	var ok bool
	if in.Visibility == GoalGroup {
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE group_id = ? AND user_id = ?)`,
			in.GroupID, owner).Scan(&ok); err != nil {
			return fmt.Errorf("check goal group: %w", err)
		}
		if !ok {
			return ErrGoalGroup
		}
	}
	if in.BuddyID != 0 && in.BuddyID != keep {
		if in.BuddyID == owner {
			return ErrGoalBuddy
		}
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM memberships a JOIN memberships b ON b.group_id = a.group_id
			WHERE a.user_id = ? AND b.user_id = ?)`, owner, in.BuddyID).Scan(&ok); err != nil {
			return fmt.Errorf("check goal buddy: %w", err)
		}
		if !ok {
			return ErrGoalBuddy
		}
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CreateGoal writes a goal with its first milestones, in one transaction.
func (s *Store) CreateGoal(ctx context.Context, owner int64, in GoalInput, milestones []string) (Goal, error) {
	now := ms(s.Now())
	var id int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if err := checkGoalInput(ctx, tx, owner, in, 0); err != nil {
			return err
		}
		res, err := insertRow(ctx, tx, `INSERT INTO goals (user_id, title, why, target_date, visibility, group_id, buddy_id,
			created_at, updated_at, active_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			owner, in.Title, in.Why, in.TargetDate, in.Visibility, groupFor(in), nullID(in.BuddyID), now, now, now)
		if err != nil {
			return fmt.Errorf("create goal: %w", err)
		}
		id, _ = res.LastInsertId()
		for i, t := range milestones {
			if _, err := tx.ExecContext(ctx, `INSERT INTO goal_milestones (goal_id, position, title) VALUES (?, ?, ?)`, id, i+1, t); err != nil {
				return fmt.Errorf("create goal: milestone: %w", err)
			}
		}
		return addEvent(ctx, tx, id, EventCreated, "", 0, "", 0, now)
	})
	if err != nil {
		return Goal{}, err
	}
	s.announce(goalChanges(id, owner, in.GroupIDIfShared(), 0)...)
	return s.GoalFor(ctx, id, owner)
}

// GroupIDIfShared is the group whose board shows a goal with this input, or 0.
func (in GoalInput) GroupIDIfShared() int64 {
	if in.Visibility == GoalGroup {
		return in.GroupID
	}
	return 0
}

// BoardGroup is the group whose board shows the goal, or 0.
func (g Goal) BoardGroup() int64 {
	if g.Visibility == GoalGroup {
		return g.GroupID
	}
	return 0
}

func groupFor(in GoalInput) any {
	if in.Visibility == GoalGroup {
		return nullID(in.GroupID)
	}
	return nil
}

// goalChanges announces a goal change to the boards of the groups it is and was on.
func goalChanges(goalID, owner, group, oldGroup int64) []Change {
	out := []Change{{Kind: ChangeGoal, GoalID: goalID, UserID: owner, GroupID: group}}
	if oldGroup != 0 && oldGroup != group {
		out = append(out, Change{Kind: ChangeGoal, GoalID: goalID, UserID: owner, GroupID: oldGroup})
	}
	return out
}

func addEvent(ctx context.Context, tx *sql.Tx, goalID int64, kind GoalEventKind, note string, milestoneID int64, msTitle string, feeling int, now int64) error {
	var f any
	if feeling > 0 {
		f = feeling
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO goal_events (goal_id, kind, note, milestone_id, milestone_title, feeling, done, created_at)
		VALUES (?, ?, ?, ?, ?, ?, (SELECT COUNT(*) FROM goal_milestones WHERE goal_id = ? AND done_at IS NOT NULL), ?)`,
		goalID, kind, note, nullID(milestoneID), msTitle, f, goalID, now); err != nil {
		return fmt.Errorf("record goal history: %w", err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE goals SET updated_at = ? WHERE id = ?`, now, goalID)
	if err != nil {
		return fmt.Errorf("record goal history: %w", err)
	}
	return nil
}

// UpdateGoal changes a goal's fields. A buddy who is replaced loses the notifications about
// the goal at once.
func (s *Store) UpdateGoal(ctx context.Context, g Goal, in GoalInput) error {
	var recipients []int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		recipients = recipients[:0] // afresh if InTx runs this again
		if err := checkGoalInput(ctx, tx, g.UserID, in, g.BuddyID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE goals SET title = ?, why = ?, target_date = ?, visibility = ?, group_id = ?,
			buddy_id = ?, updated_at = ? WHERE id = ?`, in.Title, in.Why, in.TargetDate, in.Visibility, groupFor(in),
			nullID(in.BuddyID), ms(s.Now()), g.ID); err != nil {
			return fmt.Errorf("update goal: %w", err)
		}
		if g.BuddyID != 0 && g.BuddyID != in.BuddyID {
			if _, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE goal_id = ? AND user_id = ?`, g.ID, g.BuddyID); err != nil {
				return fmt.Errorf("update goal: drop the old buddy's notifications: %w", err)
			}
			recipients = append(recipients, g.BuddyID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	ch := goalChanges(g.ID, g.UserID, in.GroupIDIfShared(), g.BoardGroup())
	for _, r := range recipients {
		ch = append(ch, Change{Kind: ChangeNotification, UserID: r})
	}
	s.announce(ch...)
	return nil
}

// DeleteGoal deletes a goal with its history; notifications about it go with it.
func (s *Store) DeleteGoal(ctx context.Context, g Goal) error {
	if _, err := s.exec(ctx, `DELETE FROM goals WHERE id = ?`, g.ID); err != nil {
		return fmt.Errorf("delete goal: %w", err)
	}
	s.announce(append(goalChanges(g.ID, g.UserID, g.BoardGroup(), 0), Change{Kind: ChangeNotification})...)
	return nil
}

// AddMilestone appends a milestone.
func (s *Store) AddMilestone(ctx context.Context, g Goal, title string) error {
	if _, err := s.exec(ctx, `INSERT INTO goal_milestones (goal_id, position, title)
		VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1 FROM goal_milestones WHERE goal_id = ?), ?)`, g.ID, g.ID, title); err != nil {
		return fmt.Errorf("add milestone: %w", err)
	}
	s.announce(goalChanges(g.ID, g.UserID, g.BoardGroup(), 0)...)
	return nil
}

// EditMilestone renames a milestone of the goal; another goal's milestone is ErrNotFound.
func (s *Store) EditMilestone(ctx context.Context, g Goal, id int64, title string) error {
	res, err := s.exec(ctx, `UPDATE goal_milestones SET title = ? WHERE id = ? AND goal_id = ?`, title, id, g.ID)
	if err != nil {
		return fmt.Errorf("edit milestone: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	s.announce(goalChanges(g.ID, g.UserID, g.BoardGroup(), 0)...)
	return nil
}

// DeleteMilestone removes a milestone of the goal.
func (s *Store) DeleteMilestone(ctx context.Context, g Goal, id int64) error {
	res, err := s.exec(ctx, `DELETE FROM goal_milestones WHERE id = ? AND goal_id = ?`, id, g.ID)
	if err != nil {
		return fmt.Errorf("delete milestone: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	s.announce(goalChanges(g.ID, g.UserID, g.BoardGroup(), 0)...)
	return nil
}

// MoveMilestone moves milestone id one place up (delta -1) or down (+1). seen is the order
// of ids the member saw: if the list changed since, nothing moves and ErrStaleOrder says so;
// an id that is not the goal's is ErrNotFound.
func (s *Store) MoveMilestone(ctx context.Context, g Goal, id int64, delta int, seen []int64) error {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM goal_milestones WHERE goal_id = ? ORDER BY position, id`, g.ID)
		if err != nil {
			return fmt.Errorf("move milestone: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var x int64
			if err := rows.Scan(&x); err != nil {
				rows.Close()
				return fmt.Errorf("move milestone: %w", err)
			}
			ids = append(ids, x)
		}
		rows.Close()
		at := -1
		for i, x := range ids {
			if x == id {
				at = i
			}
		}
		if at < 0 {
			return ErrNotFound
		}
		if !sameIDs(ids, seen) {
			return ErrStaleOrder
		}
		to := at + delta
		if to < 0 || to >= len(ids) {
			return nil // already first or last
		}
		ids[at], ids[to] = ids[to], ids[at]
		for i, x := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE goal_milestones SET position = ? WHERE id = ?`, i+1, x); err != nil {
				return fmt.Errorf("move milestone: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.announce(goalChanges(g.ID, g.UserID, g.BoardGroup(), 0)...)
	return nil
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// GoalProgress is a progress update or a milestone checked off.
type GoalProgress struct {
	Note        string
	MilestoneID int64 // 0: none
	Feeling     int   // 0: not said
	Undo        bool  // uncheck MilestoneID instead
}

// RecordProgress checks a milestone off (or back on) and/or posts an update, in one
// transaction, and notifies the goal's buddy of a milestone reached. A milestone of another
// goal is ErrNotFound.
func (s *Store) RecordProgress(ctx context.Context, g Goal, p GoalProgress) error {
	now := ms(s.Now())
	var notified []int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		notified = notified[:0] // afresh if InTx runs this again
		var title string
		if p.MilestoneID != 0 {
			var done sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT title, done_at FROM goal_milestones WHERE id = ? AND goal_id = ?`, p.MilestoneID, g.ID).Scan(&title, &done)
			if err != nil {
				return notFound(err, "record progress")
			}
			if p.Undo {
				_, err = tx.ExecContext(ctx, `UPDATE goal_milestones SET done_at = NULL WHERE id = ?`, p.MilestoneID)
				if err != nil {
					return fmt.Errorf("record progress: %w", err)
				}
				_, err = tx.ExecContext(ctx, `UPDATE goals SET updated_at = ? WHERE id = ?`, now, g.ID)
				return err
			}
			if done.Valid && p.Note == "" {
				return nil // already done, nothing to say
			}
			if _, err := tx.ExecContext(ctx, `UPDATE goal_milestones SET done_at = COALESCE(done_at, ?) WHERE id = ?`, now, p.MilestoneID); err != nil {
				return fmt.Errorf("record progress: %w", err)
			}
		}
		kind := EventUpdate
		if p.MilestoneID != 0 {
			kind = EventMilestone
		}
		if err := addEvent(ctx, tx, g.ID, kind, p.Note, p.MilestoneID, title, p.Feeling, now); err != nil {
			return err
		}
		if kind == EventMilestone && g.BuddyID != 0 {
			// A dormant buddy (no group shared with the owner any more) hears nothing.
			var shares bool
			if err := tx.QueryRowContext(ctx, `SELECT `+sharesGroupSQL("CAST(?1 AS INTEGER)", "CAST(?2 AS INTEGER)"), g.UserID, g.BuddyID).Scan(&shares); err != nil {
				return fmt.Errorf("record progress: check the buddy: %w", err)
			}
			if !shares {
				return nil
			}
			ok, err := notifyTx(ctx, tx, Notice{UserID: g.BuddyID, Kind: NoticeBuddyMilestone, GoalID: g.ID, ActorID: g.UserID, Detail: title}, now)
			if err != nil {
				return err
			}
			if ok {
				notified = append(notified, g.BuddyID)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	ch := goalChanges(g.ID, g.UserID, g.BoardGroup(), 0)
	for _, u := range notified {
		ch = append(ch, Change{Kind: ChangeNotification, UserID: u})
	}
	s.announce(ch...)
	return nil
}

// GoalAction is a change of a goal's state.
type GoalAction string

// Goal actions.
const (
	ActionPause    GoalAction = "pause"
	ActionRestart  GoalAction = "restart"
	ActionComplete GoalAction = "complete"
	ActionArchive  GoalAction = "archive"
)

// ChangeGoalState pauses, restarts, completes or archives a goal. The days of progress so
// far are kept through every one of them; a restart starts a new run on top of them.
func (s *Store) ChangeGoalState(ctx context.Context, g Goal, a GoalAction, note string) error {
	now := ms(s.Now())
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var state GoalState
		var since sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT state, active_since FROM goals WHERE id = ?`, g.ID).Scan(&state, &since); err != nil {
			return notFound(err, "change goal state")
		}
		// Close the current run, if any, into the total.
		closeRun := `UPDATE goals SET active_ms = active_ms + CASE WHEN CAST(?1 AS INTEGER) > COALESCE(active_since, CAST(?1 AS INTEGER)) THEN CAST(?1 AS INTEGER) - COALESCE(active_since, CAST(?1 AS INTEGER)) ELSE 0 END, active_since = NULL, state = ?2 WHERE id = ?3`
		var kind GoalEventKind
		switch a {
		case ActionPause:
			if state != GoalActive {
				return ErrGoalState
			}
			kind = EventPaused
			if _, err := tx.ExecContext(ctx, closeRun, now, GoalPaused, g.ID); err != nil {
				return fmt.Errorf("pause goal: %w", err)
			}
		case ActionRestart:
			if state == GoalArchived {
				return ErrGoalState
			}
			kind = EventRestarted
			if _, err := tx.ExecContext(ctx, closeRun, now, GoalActive, g.ID); err != nil {
				return fmt.Errorf("restart goal: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE goals SET active_since = ?, restarts = restarts + 1 WHERE id = ?`, now, g.ID); err != nil {
				return fmt.Errorf("restart goal: %w", err)
			}
		case ActionComplete:
			if state != GoalActive && state != GoalPaused {
				return ErrGoalState
			}
			kind = EventCompleted
			if _, err := tx.ExecContext(ctx, closeRun, now, GoalCompleted, g.ID); err != nil {
				return fmt.Errorf("complete goal: %w", err)
			}
		case ActionArchive:
			if state == GoalArchived {
				return ErrGoalState
			}
			kind = EventArchived
			if _, err := tx.ExecContext(ctx, closeRun, now, GoalArchived, g.ID); err != nil {
				return fmt.Errorf("archive goal: %w", err)
			}
		default:
			return ErrGoalState
		}
		return addEvent(ctx, tx, g.ID, kind, note, 0, "", 0, now)
	})
	if err != nil {
		return err
	}
	s.announce(goalChanges(g.ID, g.UserID, g.BoardGroup(), 0)...)
	return nil
}

// SetCommentsOff turns comments on a goal off or back on.
func (s *Store) SetCommentsOff(ctx context.Context, g Goal, off bool) error {
	if _, err := s.exec(ctx, `UPDATE goals SET comments_off = ? WHERE id = ?`, off, g.ID); err != nil {
		return fmt.Errorf("set comments: %w", err)
	}
	s.announce(goalChanges(g.ID, g.UserID, g.BoardGroup(), 0)...)
	return nil
}

// ParseTargetDate reads a target date typed as YYYY-MM-DD. It must not lie before today
// (in UTC, or a day earlier, so a member west of Greenwich can pick their today).
func ParseTargetDate(s string, now time.Time) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return "", errors.New("unparseable")
	}
	today := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	if d.Before(today) {
		return "", errors.New("past")
	}
	if d.Year() > now.Year()+100 {
		return "", errors.New("far")
	}
	return d.Format("2006-01-02"), nil
}

// GoalPeers lists the members who share a group with userID, by display name: whom they may
// choose as a buddy.
func (s *Store) GoalPeers(ctx context.Context, userID int64) ([]Member, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT u.id, u.display_name FROM memberships a
		JOIN memberships b ON b.group_id = a.group_id JOIN users u ON u.id = b.user_id
		WHERE a.user_id = CAST(?1 AS INTEGER) AND b.user_id <> CAST(?1 AS INTEGER) ORDER BY u.display_name LIMIT 500`, userID)
	if err != nil {
		return nil, fmt.Errorf("list peers: %w", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.DisplayName); err != nil {
			return nil, fmt.Errorf("list peers: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
