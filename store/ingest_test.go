package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"
)

// BenchmarkGroupCommit measures durable ingest at synchronous=NORMAL: 64 concurrent
// senders, as in a busy hub, each waiting for its commit. msgs/s is the figure.
func BenchmarkGroupCommit(b *testing.B) { benchGroupCommit(b, "NORMAL", false) }

// BenchmarkGroupCommitChecked is BenchmarkGroupCommit with the sender's standing read and
// decided inside the transaction for every message, as the chat's committer does.
func BenchmarkGroupCommitChecked(b *testing.B) { benchGroupCommit(b, "NORMAL", true) }

// BenchmarkGroupCommitFull is the same at synchronous=FULL: one fsync of the WAL per
// committed batch.
func BenchmarkGroupCommitFull(b *testing.B) { benchGroupCommit(b, "FULL", false) }

// BenchmarkGroupCommitCheckedSenders is BenchmarkGroupCommitChecked with each of the 64
// senders a member of their own, as in a busy hub: a batch holds many senders' standings.
func BenchmarkGroupCommitCheckedSenders(b *testing.B) { benchGroupCommitSenders(b, 64) }

func benchGroupCommit(b *testing.B, synchronous string, checked bool) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "hearth.db"), DatabaseURL: storetest.URL(b, ""), Synchronous: synchronous})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	u := chatUser(b, s, "bench")
	g, _ := s.GroupBySlug(ctx, "welcome")
	var opts CommitterOptions
	var session int64
	if checked {
		if err := s.Join(ctx, g.ID, u.ID); err != nil {
			b.Fatal(err)
		}
		sess, err := s.CreateSession(ctx, u.ID, []byte("bench"), time.Hour, "", "")
		if err != nil {
			b.Fatal(err)
		}
		session = sess.ID
		// What authz.LivePost looks at (store tests cannot import authz).
		opts.MayPost = func(st Standing) error {
			if st.User == nil || !st.SessionAlive || st.Group == nil || st.Membership == nil {
				return errors.New("refused")
			}
			return nil
		}
	}
	c, err := s.NewCommitter(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	b.SetParallelism(64)
	var n int64
	var mu sync.Mutex
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		n++
		base := n << 32
		mu.Unlock()
		i := int64(0)
		for pb.Next() {
			i++
			if _, err := c.Post(ctx, NewMessage{GroupID: g.ID, SessionID: session, AuthorID: u.ID, ClientID: fmt.Sprint(base + i), Body: "a message of ordinary length, say sixty characters"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkGroupCommitNodes measures durable ingest on PostgreSQL with one committer (one
// node) and with two committers on two Stores sharing the database (two nodes), 64
// senders in all spread evenly over the nodes, into one group (every commit of both nodes
// takes the same group row) or into 20. msgs/s is the figure.
func BenchmarkGroupCommitNodes(b *testing.B) {
	if !storetest.Postgres() {
		b.Skip("nodes share a database on PostgreSQL only")
	}
	for _, nodes := range []int{1, 2} {
		for _, groups := range []int{1, 20} {
			b.Run(fmt.Sprintf("nodes=%d/groups=%d", nodes, groups), func(b *testing.B) { benchNodes(b, nodes, groups) })
		}
	}
}

func benchNodes(b *testing.B, nodes, groups int) {
	ctx := context.Background()
	url := storetest.URL(b, "")
	cs := make([]*Committer, nodes)
	var first *Store
	for i := range cs {
		s, err := Open(ctx, Options{DatabaseURL: url})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		if err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		c, err := s.NewCommitter(ctx, CommitterOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		cs[i] = c
		if first == nil {
			first = s
		}
	}
	u := chatUser(b, first, "bench")
	gids := make([]int64, groups)
	for i := range gids {
		g, err := first.CreateGroup(ctx, GroupInput{Slug: fmt.Sprint("bench-", i), Name: fmt.Sprint("Bench ", i), Visibility: Public}, u.ID)
		if err != nil {
			b.Fatal(err)
		}
		gids[i] = g.ID
	}
	b.SetParallelism(64)
	var n int64
	var mu sync.Mutex
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		n++
		sender := n
		mu.Unlock()
		c, g := cs[sender%int64(nodes)], gids[sender%int64(groups)]
		i := int64(0)
		for pb.Next() {
			i++
			if _, err := c.Post(ctx, NewMessage{GroupID: g, AuthorID: u.ID, ClientID: fmt.Sprint(sender<<32 + i), Body: "a message of ordinary length, say sixty characters"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func benchGroupCommitSenders(b *testing.B, senders int) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "hearth.db"), DatabaseURL: storetest.URL(b, "")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	g, _ := s.GroupBySlug(ctx, "welcome")
	type member struct{ user, session int64 }
	members := make([]member, senders)
	for i := range members {
		u := chatUser(b, s, fmt.Sprint("bench", i))
		if err := s.Join(ctx, g.ID, u.ID); err != nil {
			b.Fatal(err)
		}
		sess, err := s.CreateSession(ctx, u.ID, []byte(fmt.Sprint("bench", i)), time.Hour, "", "")
		if err != nil {
			b.Fatal(err)
		}
		members[i] = member{u.ID, sess.ID}
	}
	c, err := s.NewCommitter(ctx, CommitterOptions{MayPost: func(st Standing) error {
		if st.User == nil || !st.SessionAlive || st.Group == nil || st.Membership == nil {
			return errors.New("refused")
		}
		return nil
	}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	b.SetParallelism(senders)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		worker := n.Add(1) - 1
		m := members[int(worker)%senders]
		i := int64(0)
		for pb.Next() {
			i++
			if _, err := c.Post(ctx, NewMessage{GroupID: g.ID, SessionID: m.session, AuthorID: m.user, ClientID: fmt.Sprint(worker<<32 + i), Body: "a message of ordinary length, say sixty characters"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
