package store

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// Every writer whose change a cache or an open socket must follow announces it on the
// change feed after it commits: one case per writer. A new writer belongs here.
func TestEveryWriterAnnouncesItsChange(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	var mu sync.Mutex
	var got []Change
	s.OnChange(func(cs []Change) {
		mu.Lock()
		got = append(got, cs...)
		mu.Unlock()
	})
	take := func() []Change {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
	admin := chatUser(t, s, "admin")
	ana := chatUser(t, s, "ana")
	g, err := s.GroupBySlug(ctx, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	cm := newCommitter(t, s, nil)
	var msg Message
	sess, err := s.CreateSession(ctx, ana.ID, []byte("token-hash"), time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	take()

	var filterID int64
	cases := []struct {
		name  string
		write func() error
		want  Change
	}{
		{"join", func() error { return s.Join(ctx, g.ID, ana.ID) }, Change{Kind: ChangeMembership, GroupID: g.ID, UserID: ana.ID}},
		{"group moderator", func() error { return s.SetGroupModerator(ctx, g.ID, ana.ID, true) }, Change{Kind: ChangeMembership, GroupID: g.ID, UserID: ana.ID}},
		{"new message", func() error {
			p, err := cm.Post(ctx, NewMessage{GroupID: g.ID, AuthorID: ana.ID, AuthorName: "ana", ClientID: "c1", Body: "hello"})
			msg = p.Message
			return err
		}, Change{Kind: ChangeNewMessages, GroupID: g.ID}},
		{"edit", func() error { _, err := s.EditMessage(ctx, msg.ID, ana.ID, "hello again"); return err },
			Change{Kind: ChangeMessage, GroupID: g.ID, MessageID: 0}},
		{"react", func() error { _, err := s.ToggleReaction(ctx, msg.ID, admin.ID, "heart"); return err },
			Change{Kind: ChangeMessage, GroupID: g.ID}},
		{"delete message", func() error { _, err := s.DeleteMessage(ctx, msg.ID, ana.ID); return err },
			Change{Kind: ChangeMessage, GroupID: g.ID}},
		{"update group", func() error {
			_, err := s.UpdateGroup(ctx, g.ID, GroupInput{Slug: "welcome-circle", Name: g.Name, Guidelines: g.Guidelines, Visibility: g.Visibility})
			return err
		}, Change{Kind: ChangeGroup, GroupID: g.ID}},
		{"leave", func() error { return s.Leave(ctx, g.ID, ana.ID) }, Change{Kind: ChangeMembership, GroupID: g.ID, UserID: ana.ID}},
		{"touch session", func() error { return s.TouchSession(ctx, sess.ID, time.Hour) }, Change{Kind: ChangeSession, SessionID: sess.ID}},
		{"end session", func() error { return s.DeleteSession(ctx, ana.ID, sess.ID) }, Change{Kind: ChangeSession, SessionID: sess.ID, UserID: ana.ID}},
		{"expired sessions", func() error { _, err := s.DeleteExpiredSessions(ctx); return err }, Change{Kind: ChangeSession}},
		{"role", func() error { return s.SetRole(ctx, ana.ID, RoleModerator) }, Change{Kind: ChangeUser, UserID: ana.ID}},
		{"rename", func() error { return s.SetDisplayName(ctx, ana.ID, "willow") }, Change{Kind: ChangeUser, UserID: ana.ID}},
		{"member prefs", func() error { return s.SetMemberPrefs(ctx, ana.ID, MemberPrefs{CWOpen: true}) }, Change{Kind: ChangeUser, UserID: ana.ID}},
		{"crisis support", func() error {
			return s.SetCrisisSupport(ctx, []CrisisLine{{Label: "Here", Reach: "Call 111"}}, []string{"sad"})
		},
			Change{Kind: ChangeSafety}},
		{"add filter entry", func() error { fe, err := s.AddFilterEntry(ctx, "spam", FilterBlock); filterID = fe.ID; return err },
			Change{Kind: ChangeSafety}},
		{"delete filter entry", func() error { return s.DeleteFilterEntry(ctx, filterID) }, Change{Kind: ChangeSafety}},
		{"delete account", func() error { return s.DeleteUser(ctx, ana.ID) }, Change{Kind: ChangeUser, UserID: ana.ID}},
	}
	for _, c := range cases {
		if err := c.write(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := c.want
		if want.Kind == ChangeMessage {
			want.MessageID = msg.ID
		}
		if cs := take(); !slices.Contains(cs, want) {
			t.Errorf("%s announced %+v, want %+v among them", c.name, cs, want)
		}
	}
}

// A write that fails announces nothing a listener would have to act on wrongly: a refused
// edit of someone else's message changes nothing.
func TestRefusedWriteAnnouncesNoMessageChange(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	ana, ben := chatUser(t, s, "ana"), chatUser(t, s, "ben")
	g, _ := s.GroupBySlug(ctx, "welcome")
	p, err := newCommitter(t, s, nil).Post(ctx, NewMessage{GroupID: g.ID, AuthorID: ana.ID, ClientID: "c1", Body: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	var got []Change
	s.OnChange(func(cs []Change) { got = append(got, cs...) })
	if _, err := s.EditMessage(ctx, p.ID, ben.ID, "not yours"); err == nil {
		t.Fatal("edit of another member's message allowed")
	}
	if len(got) != 0 {
		t.Fatalf("refused edit announced %+v", got)
	}
}

// A change another node committed reaches the OnChange listeners and never the
// OnLocalChange ones (the broker), so no change goes round the cluster twice.
func TestAnnounceRemoteSkipsLocalListeners(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	var mu sync.Mutex
	var all, local []Change
	s.OnChange(func(cs []Change) { mu.Lock(); all = append(all, cs...); mu.Unlock() })
	s.OnLocalChange(func(cs []Change) { mu.Lock(); local = append(local, cs...); mu.Unlock() })
	remote := Change{Kind: ChangeSession, SessionID: 42, UserID: 7}
	s.AnnounceRemote([]Change{remote})
	ana := chatUser(t, s, "ana")
	sess, err := s.CreateSession(ctx, ana.ID, []byte("token-hash"), time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, ana.ID, sess.ID); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(all, remote) {
		t.Fatalf("OnChange listener missed the remote change: %+v", all)
	}
	if slices.Contains(local, remote) {
		t.Fatalf("OnLocalChange listener heard the remote change: %+v", local)
	}
	if len(local) == 0 {
		t.Fatal("OnLocalChange listener heard none of the store's own changes")
	}
}
