package store

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"
)

func TestStandings(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	g, _ := s.GroupBySlug(ctx, "welcome")
	ana, ben := chatUser(t, s, "ana"), chatUser(t, s, "ben")
	if err := s.Join(ctx, g.ID, ana.ID); err != nil {
		t.Fatal(err)
	}
	sa, _ := s.CreateSession(ctx, ana.ID, []byte("a"), time.Hour, "", "")
	sb, _ := s.CreateSession(ctx, ben.ID, []byte("b"), time.Hour, "", "")
	got, err := s.Standings(ctx, []Actor{
		{SessionID: sa.ID, UserID: ana.ID, GroupID: g.ID},
		{SessionID: sb.ID, UserID: ben.ID, GroupID: g.ID},   // not a member
		{SessionID: sb.ID, UserID: ana.ID, GroupID: g.ID},   // someone else's session
		{SessionID: sa.ID, UserID: ana.ID, GroupID: 999999}, // no such group
		{SessionID: sa.ID, UserID: 999999, GroupID: g.ID},   // no such account
	})
	if err != nil {
		t.Fatal(err)
	}
	desc := func(st Standing) string {
		return fmt.Sprintf("session %v user %v group %v member %v", st.SessionAlive, st.User != nil, st.Group != nil, st.Membership != nil)
	}
	want := []string{
		"session true user true group true member true",
		"session true user true group true member false",
		"session false user true group true member true",
		"session true user true group false member false",
		"session false user false group true member false",
	}
	for i, st := range got {
		if desc(st) != want[i] {
			t.Errorf("actor %d: %s, want %s", i, desc(st), want[i])
		}
	}
	if st := got[0]; st.User.ID != ana.ID || st.User.DisplayName != "ana" || st.Group.ID != g.ID ||
		st.Group.Visibility != Public || st.Membership.UserID != ana.ID || st.Membership.GroupID != g.ID {
		t.Errorf("facts of a member: %+v %+v %+v", *st.User, *st.Group, *st.Membership)
	}
}

// BenchmarkRecheck10k compares one re-check of 10,000 open sockets: the Standing of each
// (the policy's facts, one query) against the two queries the hub ran every 2 s before.
func BenchmarkRecheck10k(b *testing.B) {
	s := openChatStore(b)
	ctx := context.Background()
	const n = 10_000
	groups := []int64{}
	for _, slug := range []string{"welcome", "one-day-at-a-time"} {
		g, _ := s.GroupBySlug(ctx, slug)
		groups = append(groups, g.ID)
	}
	actors := make([]Actor, n)
	pairs := make([]MemberPair, n)
	sessions := make([]int64, n)
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		for i := range n {
			res, err := tx.ExecContext(ctx, `INSERT INTO users (username, display_name, email, password_hash, role, created_at)
				VALUES (?, ?, '', '', 'member', 0)`, fmt.Sprint("u", i), fmt.Sprint("d", i))
			if err != nil {
				return err
			}
			uid, _ := res.LastInsertId()
			gid := groups[i%2]
			if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (group_id, user_id, joined_at, guidelines_accepted_at) VALUES (?, ?, 0, 0)`, gid, uid); err != nil {
				return err
			}
			res, err = tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, 0, 0, ?)`,
				[]byte(fmt.Sprint("t", i)), uid, time.Now().Add(1000*time.Hour).UnixMilli())
			if err != nil {
				return err
			}
			sid, _ := res.LastInsertId()
			actors[i], pairs[i], sessions[i] = Actor{SessionID: sid, UserID: uid, GroupID: gid}, MemberPair{GroupID: gid, UserID: uid}, sid
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("standings", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Standings(ctx, actors); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sessions+memberships", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.SessionsAlive(ctx, sessions); err != nil {
				b.Fatal(err)
			}
			if _, err := s.MembershipsAlive(ctx, pairs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
