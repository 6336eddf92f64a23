package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// BenchmarkGroupCommit measures durable ingest at synchronous=NORMAL: 64 concurrent
// senders, as in a busy hub, each waiting for its commit. msgs/s is the figure.
func BenchmarkGroupCommit(b *testing.B) { benchGroupCommit(b, "NORMAL") }

// BenchmarkGroupCommitFull is the same at synchronous=FULL: one fsync of the WAL per
// committed batch.
func BenchmarkGroupCommitFull(b *testing.B) { benchGroupCommit(b, "FULL") }

func benchGroupCommit(b *testing.B, synchronous string) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "hearth.db"), Synchronous: synchronous})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	u := chatUser(b, s, "bench")
	g, _ := s.GroupBySlug(ctx, "welcome")
	c := newCommitter(b, s, nil)
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
			if _, err := c.Post(ctx, NewMessage{GroupID: g.ID, AuthorID: u.ID, ClientID: fmt.Sprint(base + i), Body: "a message of ordinary length, say sixty characters"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
