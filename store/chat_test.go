package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"
)

// openChatStore opens a fresh, migrated store in t.TempDir() with a fixed clock.
func openChatStore(t testing.TB) *Store {
	t.Helper()
	ctx := context.Background()
	clock := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "hearth.db"), DatabaseURL: storetest.URL(t, ""), Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func chatUser(t testing.TB, s *Store, name string) User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), NewUser{Username: name, DisplayName: name})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestStarterGroups(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	u := chatUser(t, s, "ana")
	g, err := s.GroupBySlug(ctx, "WELCOME")
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "Welcome Circle" || g.Visibility != Public || g.Guidelines == "" {
		t.Fatalf("welcome group = %+v", g)
	}
	list, err := s.ListGroupsFor(ctx, u.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) < 3 {
		t.Fatalf("want at least 3 starter groups, got %d", len(list))
	}
}

func TestPrivateGroupVisibilityAndMembership(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	mod := chatUser(t, s, "mod")
	other := chatUser(t, s, "other")
	g, err := s.CreateGroup(ctx, GroupInput{Slug: "quiet", Name: "Quiet", Visibility: Private}, mod.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateGroup(ctx, GroupInput{Slug: "Quiet", Name: "Again", Visibility: Public}, mod.ID); !errors.Is(err, ErrSlugTaken) {
		t.Fatalf("duplicate slug: err = %v", err)
	}
	m, err := s.MembershipOf(ctx, g.ID, mod.ID)
	if err != nil || !m.IsModerator {
		t.Fatalf("creator membership = %+v, %v", m, err)
	}
	for _, gs := range mustList(t, s, other.ID) {
		if gs.Slug == "quiet" {
			t.Fatal("private group listed to a non-member")
		}
	}
	if _, err := s.MembershipOf(ctx, g.ID, other.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("non-member membership err = %v", err)
	}
	if err := s.RequestToJoin(ctx, g.ID, other.ID, "hi"); err != nil {
		t.Fatal(err)
	}
	reqs, err := s.ListJoinRequests(ctx, g.ID)
	if err != nil || len(reqs) != 1 || reqs[0].DisplayName != "other" {
		t.Fatalf("requests = %+v, %v", reqs, err)
	}
	if err := s.ApproveJoinRequest(ctx, g.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.ApproveJoinRequest(ctx, g.ID, other.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second approve err = %v", err)
	}
	// Approved is not joined: the member accepts the guidelines first.
	if _, m, member, err := s.GroupForMember(ctx, g.Slug, other.ID); err != nil || member || !m.Approved {
		t.Fatalf("after approval: member %v, approved %v, %v", member, m.Approved, err)
	}
	if reqs, _ := s.ListJoinRequests(ctx, g.ID); len(reqs) != 0 {
		t.Fatalf("an approved request is still pending: %+v", reqs)
	}
	if err := s.Join(ctx, g.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	alive, err := s.MembershipsAlive(ctx, []MemberPair{{g.ID, other.ID}, {g.ID, 999}})
	if err != nil || !alive[MemberPair{g.ID, other.ID}] || alive[MemberPair{g.ID, 999}] {
		t.Fatalf("alive = %v, %v", alive, err)
	}
	if err := s.Leave(ctx, g.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Leave(ctx, g.ID, other.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second leave err = %v", err)
	}
}

func mustList(t *testing.T, s *Store, userID int64) []GroupSummary {
	t.Helper()
	l, err := s.ListGroupsFor(context.Background(), userID, false)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestInviteExpiryAndUses(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	mod := chatUser(t, s, "mod")
	a, b, c := chatUser(t, s, "a"), chatUser(t, s, "b"), chatUser(t, s, "c")
	g, _ := s.CreateGroup(ctx, GroupInput{Slug: "p", Name: "P", Visibility: Private}, mod.ID)
	tok := sha256.Sum256([]byte("token"))
	if _, err := s.CreateInvite(ctx, g.ID, mod.ID, tok[:], time.Hour, 2); err != nil {
		t.Fatal(err)
	}
	for _, u := range []User{a, a, b} { // a twice: a member re-using the link uses nothing
		if _, err := s.JoinByInvite(ctx, tok[:], u.ID); err != nil {
			t.Fatalf("join %s: %v", u.Username, err)
		}
	}
	if _, err := s.JoinByInvite(ctx, tok[:], c.ID); !errors.Is(err, ErrInviteUsedUp) {
		t.Fatalf("third use err = %v", err)
	}
	if ig, usable, err := s.InviteByToken(ctx, tok[:]); err != nil || usable || ig.ID != g.ID {
		t.Fatalf("used-up invite lookup = %v, %v, %v", ig.ID, usable, err)
	}

	exp := sha256.Sum256([]byte("expired"))
	if _, err := s.CreateInvite(ctx, g.ID, mod.ID, exp[:], -time.Minute, 5); err != nil {
		t.Fatal(err)
	}
	if _, err := s.JoinByInvite(ctx, exp[:], c.ID); !errors.Is(err, ErrInviteUsedUp) {
		t.Fatalf("expired invite err = %v", err)
	}
	bad := sha256.Sum256([]byte("nope"))
	if _, err := s.JoinByInvite(ctx, bad[:], c.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown invite err = %v", err)
	}
}

func newCommitter(t testing.TB, s *Store, onCommit func([]Message)) *Committer {
	t.Helper()
	c, err := s.NewCommitter(context.Background(), CommitterOptions{OnCommit: onCommit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestCommitterSequencesAndIdempotency(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	u := chatUser(t, s, "ana")
	g, _ := s.GroupBySlug(ctx, "welcome")
	g2, _ := s.GroupBySlug(ctx, "one-day-at-a-time")
	var mu sync.Mutex
	var broadcast []Message
	c := newCommitter(t, s, func(ms []Message) {
		mu.Lock()
		broadcast = append(broadcast, ms...)
		mu.Unlock()
	})

	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gid := g.ID
			if i%4 == 0 {
				gid = g2.ID
			}
			if _, err := c.Post(ctx, NewMessage{GroupID: gid, AuthorID: u.ID, AuthorName: "ana", ClientID: fmt.Sprint("c", i), Body: "hello"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Resend: same client id returns the original, writes nothing, broadcasts nothing.
	p, err := c.Post(ctx, NewMessage{GroupID: g.ID, AuthorID: u.ID, AuthorName: "ana", ClientID: "c1", Body: "hello again"})
	if err != nil || !p.Duplicate || p.Body != "hello" {
		t.Fatalf("resend = %+v, %v", p, err)
	}
	if len(broadcast) != n {
		t.Fatalf("broadcast %d messages, want %d", len(broadcast), n)
	}
	last := map[int64]int64{}
	for _, m := range broadcast {
		if m.Seq != last[m.GroupID]+1 {
			t.Fatalf("group %d: seq %d after %d", m.GroupID, m.Seq, last[m.GroupID])
		}
		last[m.GroupID] = m.Seq
	}
	if last[g.ID] != 150 || last[g2.ID] != 50 {
		t.Fatalf("last seqs = %v", last)
	}
	hist, err := s.MessagesBefore(ctx, g.ID, 0, 20)
	if err != nil || len(hist) != 20 || hist[0].Seq != 131 || hist[19].Seq != 150 || hist[0].AuthorName != "ana" {
		t.Fatalf("history = %d msgs, %v", len(hist), err)
	}
	after, err := s.MessagesAfter(ctx, g.ID, 145, 100)
	if err != nil || len(after) != 5 || after[0].Seq != 146 {
		t.Fatalf("after = %d msgs, %v", len(after), err)
	}
}

func TestEditDeleteReact(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	a, b := chatUser(t, s, "a"), chatUser(t, s, "b")
	g, _ := s.GroupBySlug(ctx, "welcome")
	c := newCommitter(t, s, nil)
	p, err := c.Post(ctx, NewMessage{GroupID: g.ID, AuthorID: a.ID, ClientID: "x", Body: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EditMessage(ctx, p.ID, b.ID, "hijack"); !errors.Is(err, ErrNotAuthor) {
		t.Fatalf("edit by other err = %v", err)
	}
	m, err := s.EditMessage(ctx, p.ID, a.ID, "hi all")
	if err != nil || m.Body != "hi all" || !m.Edited() {
		t.Fatalf("edit = %+v, %v", m, err)
	}
	m, err = s.ToggleReaction(ctx, p.ID, b.ID, "heart")
	if err != nil || len(m.Reactions) != 1 || m.Reactions[0].Count != 1 {
		t.Fatalf("react = %+v, %v", m.Reactions, err)
	}
	m, _ = s.ToggleReaction(ctx, p.ID, a.ID, "grow")
	m, _ = s.ToggleReaction(ctx, p.ID, a.ID, "heart")
	if len(m.Reactions) != 2 || m.Reactions[0].Kind != "heart" || m.Reactions[0].Count != 2 {
		t.Fatalf("reactions = %+v", m.Reactions)
	}
	m, _ = s.ToggleReaction(ctx, p.ID, a.ID, "heart")
	if m.Reactions[0].Count != 1 {
		t.Fatalf("untoggle: %+v", m.Reactions)
	}
	m, err = s.DeleteMessage(ctx, p.ID, a.ID)
	if err != nil || !m.Deleted() || m.Body != "" {
		t.Fatalf("delete = %+v, %v", m, err)
	}
	if _, err := s.EditMessage(ctx, p.ID, a.ID, "back"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("edit deleted err = %v", err)
	}
}

func TestUnreadCounts(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	a, b := chatUser(t, s, "a"), chatUser(t, s, "b")
	g, _ := s.GroupBySlug(ctx, "welcome")
	c := newCommitter(t, s, nil)
	if _, err := c.Post(ctx, NewMessage{GroupID: g.ID, AuthorID: a.ID, ClientID: "before", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []User{a, b} {
		if err := s.Join(ctx, g.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if _, err := c.Post(ctx, NewMessage{GroupID: g.ID, AuthorID: a.ID, ClientID: fmt.Sprint(i), Body: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	unread := func(u User) int {
		for _, gs := range mustList(t, s, u.ID) {
			if gs.ID == g.ID {
				if !gs.IsMember || gs.Members != 2 {
					t.Fatalf("summary = %+v", gs)
				}
				return gs.Unread
			}
		}
		t.Fatal("group not listed")
		return 0
	}
	if got := unread(b); got != 3 {
		t.Fatalf("b unread = %d, want 3 (joining marks earlier messages read)", got)
	}
	if got := unread(a); got != 0 {
		t.Fatalf("a unread = %d, want 0 (own messages)", got)
	}
	if err := s.MarkReadMany(ctx, []ReadMark{{g.ID, b.ID, 3}}); err != nil {
		t.Fatal(err)
	}
	if got := unread(b); got != 1 {
		t.Fatalf("b unread after marking = %d, want 1", got)
	}
}
