package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"
)

// BenchmarkCommitterPacedTail posts at the chat load's pace (2,000 msg/s from 20 senders,
// each in its own group, every message checked in the insert transaction) and reports the
// tail of the sender's wait for its commit: p50, p99, p99.9 and max. A commit that also
// checkpoints the WAL (copying it into the database file and syncing both) shows up here as
// a max far above the p99; that is the wait the chat's acknowledgements and fan-out inherit.
// b.N is the number of paced seconds. "in-commit" is SQLite's default checkpointing,
// "background" the store's (checkpoint.go).
func BenchmarkCommitterPacedTail(b *testing.B) {
	b.Run("in-commit", func(b *testing.B) { benchPacedTail(b, -1) })
	b.Run("background", func(b *testing.B) { benchPacedTail(b, 0) })
}

func benchPacedTail(b *testing.B, checkpointEvery time.Duration) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "hearth.db"), DatabaseURL: storetest.URL(b, ""), CheckpointEvery: checkpointEvery})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	const senders, perSecond = 20, 100
	type sender struct{ group, user, session int64 }
	var ss []sender
	for i := range senders {
		u := chatUser(b, s, fmt.Sprintf("pace%d", i))
		g, err := s.CreateGroup(ctx, GroupInput{Slug: fmt.Sprintf("paced-%d", i), Name: fmt.Sprintf("Paced %d", i), Visibility: Public}, u.ID)
		if err != nil {
			b.Fatal(err)
		}
		sess, err := s.CreateSession(ctx, u.ID, []byte(fmt.Sprint("pace", i)), time.Hour, "", "")
		if err != nil {
			b.Fatal(err)
		}
		ss = append(ss, sender{g.ID, u.ID, sess.ID})
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
	var (
		mu    sync.Mutex
		waits []time.Duration
		wg    sync.WaitGroup
	)
	b.ResetTimer()
	for i, sd := range ss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(time.Second / perSecond)
			defer tick.Stop()
			// Senders start spread over one tick, as members do.
			time.Sleep(time.Duration(i) * time.Second / perSecond / senders)
			var mine []time.Duration
			for n := range b.N * perSecond {
				<-tick.C
				start := time.Now()
				if _, err := c.Post(ctx, NewMessage{GroupID: sd.group, SessionID: sd.session, AuthorID: sd.user,
					ClientID: fmt.Sprint(n), Body: "a message of ordinary length, say sixty characters, no more"}); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			waits = append(waits, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(waits)
	at := func(q float64) float64 { return float64(waits[int(q*float64(len(waits)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(0.999), "p99.9-ms")
	b.ReportMetric(at(1), "max-ms")
}

// TestCommitterGathersWithinMinInterval: messages arriving one by one within MinInterval
// of the last commit share the next commit instead of taking one each, and none is lost
// or reordered.
func TestCommitterGathersWithinMinInterval(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	u := chatUser(t, s, "gather")
	g, err := s.GroupBySlug(ctx, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var commits [][]int64
	c, err := s.NewCommitter(ctx, CommitterOptions{MinInterval: 2 * time.Second, OnCommit: func(ms []Message) {
		mu.Lock()
		defer mu.Unlock()
		var seqs []int64
		for _, m := range ms {
			seqs = append(seqs, m.Seq)
		}
		commits = append(commits, seqs)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	post := func(i int) error {
		_, err := c.Post(ctx, NewMessage{GroupID: g.ID, AuthorID: u.ID, AuthorName: u.DisplayName, ClientID: fmt.Sprint(i), Body: fmt.Sprint("message ", i)})
		return err
	}
	if err := post(0); err != nil { // idle: committed at once, and the interval starts
		t.Fatal(err)
	}
	// Ten more, 20 ms apart (each would otherwise be committed on its own), all well
	// inside the 2 s after the first commit.
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 1; i <= 10; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- post(i) }()
		time.Sleep(20 * time.Millisecond)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(commits) != 2 || len(commits[0]) != 1 || len(commits[1]) != 10 {
		t.Fatalf("commits (sequences of each) = %v, want the first alone and the next ten together", commits)
	}
	for i, seq := range commits[1] {
		if seq != int64(i+2) {
			t.Fatalf("gathered commit %v is not in sequence order", commits[1])
		}
	}
}
