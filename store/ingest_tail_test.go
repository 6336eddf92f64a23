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
	s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "hearth.db"), CheckpointEvery: checkpointEvery})
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
