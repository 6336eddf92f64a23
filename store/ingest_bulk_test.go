package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"
)

// TestCommitterMixedBatch gathers one batch holding new messages for two groups, a resend
// of a committed message, the same client id twice, a row that fails on its own (an author
// who does not exist) and a flagged message. On PostgreSQL the batch's single INSERT meets
// the resends and the failure and the batch is written again row by row: every new message
// is committed with gapless sequences, each resend answers with its original, and only the
// failing row fails.
func TestCommitterMixedBatch(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	u := chatUser(t, s, "mixed")
	g1, _ := s.GroupBySlug(ctx, "welcome")
	g2, _ := s.GroupBySlug(ctx, "one-day-at-a-time")
	var mu sync.Mutex
	var commits [][]Message
	c, err := s.NewCommitter(ctx, CommitterOptions{MinInterval: 500 * time.Millisecond, OnCommit: func(ms []Message) {
		mu.Lock()
		commits = append(commits, ms)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := func(g int64, author int64, client string) NewMessage {
		return NewMessage{GroupID: g, AuthorID: author, AuthorName: "mixed", ClientID: client, Body: "body of " + client}
	}
	first, err := c.Post(ctx, msg(g1.ID, u.ID, "first")) // idle: alone, and the window opens
	if err != nil || first.Seq != 1 {
		t.Fatalf("first post = %+v, %v", first, err)
	}
	type outcome struct {
		p   Posted
		err error
	}
	// gather posts nms at once; they share one commit (the window opened by the last one).
	gather := func(nms ...NewMessage) []outcome {
		out := make([]outcome, len(nms))
		var wg sync.WaitGroup
		for i, nm := range nms {
			wg.Add(1)
			go func() { defer wg.Done(); p, err := c.Post(ctx, nm); out[i] = outcome{p, err} }()
		}
		wg.Wait()
		return out
	}
	flagged := msg(g2.ID, u.ID, "flagged")
	flagged.Flagged = true
	// Resends among new messages, no failing row.
	out := gather(msg(g1.ID, u.ID, "a"), msg(g2.ID, u.ID, "b"), msg(g1.ID, u.ID, "first"),
		msg(g1.ID, u.ID, "twice"), msg(g1.ID, u.ID, "twice"), flagged)
	for i, o := range out {
		if o.err != nil {
			t.Fatalf("post %d: %v", i, o.err)
		}
	}
	if p := out[2].p; !p.Duplicate || p.ID != first.ID || p.Body != "body of first" {
		t.Errorf("resend of a committed message = %+v, want the original (id %d) as a duplicate", p, first.ID)
	}
	if a, b := out[3].p, out[4].p; a.ID != b.ID || a.Duplicate == b.Duplicate {
		t.Errorf("the same client id twice in one batch: %+v and %+v, want one original and one duplicate of it", a, b)
	}
	var reports int
	if err := s.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports WHERE message_id = ?`, out[5].p.ID).Scan(&reports); err != nil || reports != 1 {
		t.Fatalf("reports on the flagged message: %d, %v; want 1", reports, err)
	}
	// A failing row among new messages.
	out = gather(msg(g1.ID, u.ID, "d"), msg(g1.ID, 1<<40, "ghost"), msg(g2.ID, u.ID, "e"))
	if out[0].err != nil || out[2].err != nil || out[1].err == nil {
		t.Fatalf("batch with a missing author: %+v; want only the missing author's post to fail", out)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(commits) != 3 {
		t.Fatalf("%d commits, want 3 (the first post, then each gathered batch)", len(commits))
	}
	last := map[int64]int64{g1.ID: 1}
	for _, ms := range commits[1:] {
		for _, m := range ms {
			if m.Seq != last[m.GroupID]+1 || m.ID == 0 {
				t.Fatalf("group %d: message %d with seq %d after %d", m.GroupID, m.ID, m.Seq, last[m.GroupID])
			}
			last[m.GroupID] = m.Seq
		}
	}
	if last[g1.ID] != 4 || last[g2.ID] != 3 {
		t.Fatalf("last sequences %v, want 4 (first, a, twice, d) and 3 (b, flagged, e)", last)
	}
	for _, g := range []int64{g1.ID, g2.ID} {
		hist, err := s.MessagesAfter(ctx, g, 0, 10)
		if err != nil || int64(len(hist)) != last[g] {
			t.Fatalf("group %d: %d messages stored (%v), want %d", g, len(hist), err, last[g])
		}
	}
}

// TestTwoCommittersOneDatabase: two Stores on one PostgreSQL database (two nodes), each with
// its own committer, post to the same two groups at once; every group's sequences are
// 1..N with no gap and no number given twice.
func TestTwoCommittersOneDatabase(t *testing.T) {
	if !storetest.Postgres() {
		t.Skip("two nodes share a database on PostgreSQL only")
	}
	ctx := context.Background()
	url := storetest.URL(t, "shared")
	var stores [2]*Store
	var cs [2]*Committer
	for i := range stores {
		s, err := Open(ctx, Options{DatabaseURL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		c, err := s.NewCommitter(ctx, CommitterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		stores[i], cs[i] = s, c
	}
	u := chatUser(t, stores[0], "two")
	g1, _ := stores[0].GroupBySlug(ctx, "welcome")
	g2, _ := stores[0].GroupBySlug(ctx, "one-day-at-a-time")
	const n = 400
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := g1.ID
			if i%3 == 0 {
				g = g2.ID
			}
			_, err := cs[i%2].Post(ctx, NewMessage{GroupID: g, AuthorID: u.ID, AuthorName: "two", ClientID: fmt.Sprint(i), Body: "hello"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []int64{g1.ID, g2.ID} {
		msgs, err := stores[1].MessagesAfter(ctx, g, 0, n)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Fatalf("group %d: message %d has seq %d, want %d", g, i, m.Seq, i+1)
			}
		}
		if want := map[int64]int{g1.ID: n - (n+2)/3, g2.ID: (n + 2) / 3}[g]; len(msgs) != want {
			t.Fatalf("group %d: %d messages, want %d", g, len(msgs), want)
		}
	}
}
