package store

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

type goalWorld struct {
	s             *Store
	ana, ben, cat User
	walk, quiet   Group
	mu            sync.Mutex
	changes       []Change
	t             *testing.T
	ctx           context.Context
}

func newGoalWorld(t *testing.T) *goalWorld {
	s := openChatStore(t)
	w := &goalWorld{s: s, t: t, ctx: context.Background()}
	_ = chatUser(t, s, "admin")
	w.ana, w.ben, w.cat = chatUser(t, s, "ana"), chatUser(t, s, "ben"), chatUser(t, s, "cat")
	var err error
	if w.walk, err = s.CreateGroup(w.ctx, GroupInput{Slug: "walk", Name: "Walk", Guidelines: "Be kind.", Visibility: Public}, w.ana.ID); err != nil {
		t.Fatal(err)
	}
	if w.quiet, err = s.CreateGroup(w.ctx, GroupInput{Slug: "quiet", Name: "Quiet", Guidelines: "Be kind.", Visibility: Public}, w.ana.ID); err != nil {
		t.Fatal(err)
	}
	for _, u := range []User{w.ben, w.cat} {
		if err := s.Join(w.ctx, w.walk.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	s.OnChange(func(cs []Change) {
		w.mu.Lock()
		w.changes = append(w.changes, cs...)
		w.mu.Unlock()
	})
	return w
}

func (w *goalWorld) take() []Change {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.changes
	w.changes = nil
	return out
}

// rawUnread counts a member's unread, visible notifications without the cache.
func (w *goalWorld) rawUnread(u User) int {
	var n int
	if err := w.s.w.QueryRow(`SELECT COUNT(*)`+visibleNotices+` AND n.read_at IS NULL`, u.ID).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// Every goal and notification writer announces what it changed, with the boards it
// touched, and none leaves the in-memory unread count stale.
func TestGoalWritersAnnounceAndKeepUnreadExact(t *testing.T) {
	w := newGoalWorld(t)
	s, ctx := w.s, w.ctx
	g, err := s.CreateGoal(ctx, w.ana.ID, GoalInput{Title: "Walk", Visibility: GoalGroup, GroupID: w.walk.ID, BuddyID: w.ben.ID}, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if cs := w.take(); !slices.Contains(cs, Change{Kind: ChangeGoal, GoalID: g.ID, UserID: w.ana.ID, GroupID: w.walk.ID}) {
		t.Errorf("create announced %+v", cs)
	}
	ms, _ := s.Milestones(ctx, g.ID)
	board := Change{Kind: ChangeGoal, GoalID: g.ID, UserID: w.ana.ID, GroupID: w.walk.ID}
	cases := []struct {
		name  string
		write func() error
		want  []Change
	}{
		{"add milestone", func() error { return s.AddMilestone(ctx, g, "c") }, []Change{board}},
		{"edit milestone", func() error { return s.EditMilestone(ctx, g, ms[0].ID, "A") }, []Change{board}},
		{"move milestone", func() error {
			cur, _ := s.Milestones(ctx, g.ID)
			ids := []int64{}
			for _, m := range cur {
				ids = append(ids, m.ID)
			}
			return s.MoveMilestone(ctx, g, ms[1].ID, -1, ids)
		}, []Change{board}},
		{"check off (buddy told)", func() error { return s.RecordProgress(ctx, g, GoalProgress{MilestoneID: ms[0].ID}) },
			[]Change{board, {Kind: ChangeNotification, UserID: w.ben.ID}}},
		{"update", func() error { return s.RecordProgress(ctx, g, GoalProgress{Note: "ok", Feeling: 3}) }, []Change{board}},
		{"cheer (owner told)", func() error { _, err := s.ToggleGoalReaction(ctx, g, w.cat.ID, "clap"); return err },
			[]Change{board, {Kind: ChangeNotification, UserID: w.ana.ID}}},
		{"comment (owner told)", func() error { return s.AddGoalComment(ctx, g, w.cat.ID, "go") },
			[]Change{board, {Kind: ChangeNotification, UserID: w.ana.ID}}},
		{"comments off", func() error { return s.SetCommentsOff(ctx, g, true) }, []Change{board}},
		{"delete comment", func() error {
			cs, _ := s.GoalComments(ctx, g.ID)
			return s.DeleteGoalComment(ctx, g, cs[0].ID)
		}, []Change{board, {Kind: ChangeNotification, UserID: w.ana.ID}}},
		{"pause", func() error { return s.ChangeGoalState(ctx, g, ActionPause, "") }, []Change{board}},
		{"restart", func() error { return s.ChangeGoalState(ctx, g, ActionRestart, "") }, []Change{board}},
		{"move to another group, drop the buddy", func() error {
			if err := s.Join(ctx, w.quiet.ID, w.ana.ID); err != nil {
				return err
			}
			w.take()
			return s.UpdateGoal(ctx, g, GoalInput{Title: "Walk", Visibility: GoalGroup, GroupID: w.quiet.ID})
		}, []Change{board, {Kind: ChangeGoal, GoalID: g.ID, UserID: w.ana.ID, GroupID: w.quiet.ID},
			{Kind: ChangeNotification, UserID: w.ben.ID}}},
		{"mark read", func() error {
			ns, _ := s.Notifications(ctx, w.ana.ID, 10, 0)
			return s.MarkNotificationRead(ctx, w.ana.ID, ns[0].ID)
		}, []Change{{Kind: ChangeNotification, UserID: w.ana.ID}}},
		{"mark all read", func() error { return s.MarkAllNotificationsRead(ctx, w.ana.ID) }, []Change{{Kind: ChangeNotification, UserID: w.ana.ID}}},
		{"settings", func() error { return s.SetNotificationSettings(ctx, w.ana.ID, nil) }, []Change{{Kind: ChangeNotification, UserID: w.ana.ID}}},
	}
	for _, c := range cases {
		// Fill the cache first, so a writer that does not invalidate it shows.
		for _, u := range []User{w.ana, w.ben, w.cat} {
			if _, err := s.UnreadCount(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.write(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.name == "move to another group, drop the buddy" {
			g, _ = s.GoalFor(ctx, g.ID, 0)
			board = Change{Kind: ChangeGoal, GoalID: g.ID, UserID: w.ana.ID, GroupID: w.quiet.ID}
		}
		cs := w.take()
		for _, want := range c.want {
			if !slices.Contains(cs, want) {
				t.Errorf("%s announced %+v, want %+v among them", c.name, cs, want)
			}
		}
		for _, u := range []User{w.ana, w.ben, w.cat} {
			if got, err := s.UnreadCount(ctx, u.ID); err != nil || got != w.rawUnread(u) {
				t.Errorf("%s: %s's unread count %d from memory, %d in the database", c.name, u.Username, got, w.rawUnread(u))
			}
		}
	}
}

// Deleting an account erases every row of its goal and notification data (issue 13's
// erasure relies on the cascades), and takes it out of others' notifications.
func TestDeleteUserErasesGoalData(t *testing.T) {
	w := newGoalWorld(t)
	s, ctx := w.s, w.ctx
	mine, err := s.CreateGoal(ctx, w.cat.ID, GoalInput{Title: "Sleep", Visibility: GoalMembers, BuddyID: w.ben.ID}, []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	anas, err := s.CreateGoal(ctx, w.ana.ID, GoalInput{Title: "Walk", Visibility: GoalMembers, BuddyID: w.cat.ID}, []string{"y"})
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := s.Milestones(ctx, mine.ID)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.RecordProgress(ctx, mine, GoalProgress{MilestoneID: ms[0].ID, Note: "done"}))
	_, err = s.ToggleGoalReaction(ctx, anas, w.cat.ID, "heart")
	must(err)
	must(s.AddGoalComment(ctx, anas, w.cat.ID, "well done"))
	_, err = s.ToggleGoalReaction(ctx, mine, w.ana.ID, "clap")
	must(err)
	must(s.SetNotificationSettings(ctx, w.cat.ID, map[NoticeSetting]bool{SettingBuddy: true}))
	if w.rawUnread(w.ana) != 2 {
		t.Fatalf("ana's unread before: %d", w.rawUnread(w.ana))
	}
	must(s.DeleteUser(ctx, w.cat.ID))
	for _, q := range []struct {
		sql string
		arg int64
	}{
		{`SELECT COUNT(*) FROM goals WHERE user_id = ?1 OR buddy_id = ?1`, w.cat.ID},
		{`SELECT COUNT(*) FROM goal_milestones WHERE goal_id = ?`, mine.ID},
		{`SELECT COUNT(*) FROM goal_events WHERE goal_id = ?`, mine.ID},
		{`SELECT COUNT(*) FROM goal_reactions WHERE user_id = ?`, w.cat.ID},
		{`SELECT COUNT(*) FROM goal_reactions WHERE goal_id = ?`, mine.ID},
		{`SELECT COUNT(*) FROM goal_comments WHERE user_id = ?`, w.cat.ID},
		{`SELECT COUNT(*) FROM goal_comments WHERE goal_id = ?`, mine.ID},
		{`SELECT COUNT(*) FROM notifications WHERE user_id = ?`, w.cat.ID},
		{`SELECT COUNT(*) FROM notifications WHERE goal_id = ?`, mine.ID},
		{`SELECT COUNT(*) FROM notification_actors WHERE actor_id = ?`, w.cat.ID},
		{`SELECT COUNT(*) FROM notification_settings WHERE user_id = ?`, w.cat.ID},
	} {
		var n int
		must(s.w.QueryRow(q.sql, q.arg).Scan(&n))
		if n != 0 {
			t.Errorf("%s: %d rows left after the account was deleted", q.sql, n)
		}
	}
	if n, _ := s.UnreadCount(ctx, w.ana.ID); n != 0 || w.rawUnread(w.ana) != 0 {
		t.Errorf("ana still counts %d notifications of a deleted account's actions", n)
	}
}

// Each setting switched off stops its kind, and only its kind.
func TestNotificationSettingsPerKind(t *testing.T) {
	w := newGoalWorld(t)
	s, ctx := w.s, w.ctx
	g, err := s.CreateGoal(ctx, w.ana.ID, GoalInput{Title: "Walk", Visibility: GoalMembers, BuddyID: w.ben.ID}, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := s.Milestones(ctx, g.ID)
	produce := map[NoticeSetting]func(i int) (User, error){
		SettingEncouragement: func(int) (User, error) { return w.ana, s.AddGoalComment(ctx, g, w.cat.ID, "go") },
		SettingBuddy: func(i int) (User, error) {
			return w.ben, s.RecordProgress(ctx, g, GoalProgress{MilestoneID: ms[i].ID})
		},
		SettingMention: func(int) (User, error) {
			return w.cat, s.Notify(ctx, Notice{UserID: w.cat.ID, Kind: NoticeMention, GroupID: w.walk.ID, ActorID: w.ben.ID})
		},
		SettingJoinRequest: func(i int) (User, error) {
			if err := s.RequestToJoin(ctx, w.quiet.ID, w.cat.ID, ""); err != nil {
				return w.cat, err
			}
			return w.cat, s.DenyJoinRequest(ctx, w.quiet.ID, w.cat.ID)
		},
		SettingModeration: func(int) (User, error) {
			return w.ben, s.Notify(ctx, Notice{UserID: w.ben.ID, Kind: NoticeModeration, Detail: "a warning"})
		},
	}
	count := func(u User) int {
		var n int
		if err := s.w.QueryRow(`SELECT COUNT(*) FROM notifications WHERE user_id = ?`, u.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, k := range NoticeSettings {
		on := map[NoticeSetting]bool{}
		for _, o := range NoticeSettings {
			on[o] = o != k
		}
		for _, u := range []User{w.ana, w.ben, w.cat} {
			if err := s.SetNotificationSettings(ctx, u.ID, on); err != nil {
				t.Fatal(err)
			}
			if err := s.MarkAllNotificationsRead(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		u := map[NoticeSetting]User{SettingEncouragement: w.ana, SettingBuddy: w.ben, SettingMention: w.cat,
			SettingJoinRequest: w.cat, SettingModeration: w.ben}[k]
		before := count(u)
		if _, err := produce[k](0); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if got := count(u); got != before {
			t.Errorf("%s switched off, yet %d notifications were written", k, got-before)
		}
		// Switched on again, it is written.
		if err := s.SetNotificationSettings(ctx, u.ID, map[NoticeSetting]bool{k: true}); err != nil {
			t.Fatal(err)
		}
		if k == SettingBuddy {
			if err := s.RecordProgress(ctx, g, GoalProgress{MilestoneID: ms[2].ID}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := produce[k](1); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if got := count(u); got != before+1 {
			t.Errorf("%s switched on: %d new notifications, want 1", k, got-before)
		}
	}
}

// DaysChangeAt is exactly the next instant DaysOfProgress changes: the count is the same a
// millisecond before it and different at it.
func TestGoalDaysChangeAt(t *testing.T) {
	start := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	for _, g := range []Goal{
		{ActiveSince: start},
		{ActiveSince: start, ActiveMS: 5 * 3_600_000},
		{ActiveSince: start, ActiveMS: 40 * 3_600_000},
	} {
		for _, after := range []time.Duration{0, time.Minute, 11 * time.Hour, 12 * time.Hour, 35*time.Hour + 59*time.Minute, 100 * time.Hour} {
			now := start.Add(after)
			at := g.DaysChangeAt(now)
			if !at.After(now) {
				t.Fatalf("%+v at %v: change at %v is not after now", g, after, at)
			}
			before := g.DaysOfProgress(at.Add(-time.Millisecond))
			if before != g.DaysOfProgress(now) || g.DaysOfProgress(at) == before {
				t.Fatalf("%+v at %v: days %d until %v, then %d", g, after, before, at.Sub(start), g.DaysOfProgress(at))
			}
		}
	}
	if at := (Goal{ActiveMS: 86_400_000}).DaysChangeAt(start); !at.IsZero() {
		t.Fatalf("a paused goal's days never change, got %v", at)
	}
}
