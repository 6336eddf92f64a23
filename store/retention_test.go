package store

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"
)

// TestRetentionErasesOnlyOldMessagesOfItsGroup: with a fixed clock, only the group with
// retention on loses its old messages, in batches; history paging and resume by sequence
// still work around the gap, and the next message does not reuse a sequence.
func TestRetentionErasesOnlyOldMessagesOfItsGroup(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "hearth.db"), DatabaseURL: storetest.URL(t, ""), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u := chatUser(t, s, "ana")
	g, _ := s.GroupBySlug(ctx, "welcome")
	other, _ := s.GroupBySlug(ctx, "grief-and-loss")
	c := newCommitter(t, s, nil)
	post := func(gid int64, i int) {
		t.Helper()
		if _, err := c.Post(ctx, NewMessage{GroupID: gid, AuthorID: u.ID, AuthorName: "ana", ClientID: fmt.Sprint(gid, "-", i), Body: fmt.Sprint("msg ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 12 { // old: seq 1..12 in each group
		post(g.ID, i)
		post(other.ID, i)
	}
	advance(40 * 24 * time.Hour)
	for i := 12; i < 15; i++ { // recent: seq 13..15
		post(g.ID, i)
		post(other.ID, i)
	}
	// Bo was mentioned in the first old message.
	bo := chatUser(t, s, "bo")
	first, _ := s.MessagesAfter(ctx, g.ID, 0, 1)
	if err := s.Notify(ctx, Notice{UserID: bo.ID, Kind: NoticeMention, GroupID: g.ID, ActorID: u.ID, MessageID: first[0].ID}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.RetentionCount(ctx, g.ID, 30); n != 12 {
		t.Fatalf("dry run = %d, want 12", n)
	}
	if err := s.SetGroupRetention(ctx, g.ID, 30); err != nil {
		t.Fatal(err)
	}
	var progress []int
	res, err := s.EraseExpiredMessages(ctx, 5, func(gid int64, n int) {
		if gid != g.ID {
			t.Errorf("progress for group %d", gid)
		}
		progress = append(progress, n)
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Erased != 12 || res.Batches != 3 || fmt.Sprint(progress) != "[5 10 12]" {
		t.Fatalf("result = %+v, progress %v", res, progress)
	}
	var mentions int
	s.w.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = ?`, bo.ID).Scan(&mentions)
	if mentions != 0 {
		t.Fatal("the mention of an erased message is still in a notification")
	}
	if n, _ := s.CountMessages(ctx, other.ID); n != 15 {
		t.Fatalf("the other group has %d messages, want 15", n)
	}
	// Paging back from the newest page passes over the gap.
	page, err := s.MessagesBefore(ctx, g.ID, 14, 50)
	if err != nil || len(page) != 1 || page[0].Seq != 13 {
		t.Fatalf("history before 14 = %v, %v", page, err)
	}
	// Resume from a sequence inside the gap gets what followed it.
	after, err := s.MessagesAfter(ctx, g.ID, 5, 50)
	if err != nil || len(after) != 3 || after[0].Seq != 13 {
		t.Fatalf("resume after 5 = %d messages, %v", len(after), err)
	}
	// Much later, every message is old: the newest is cleared, not deleted, so the next
	// message still gets the next sequence.
	advance(40 * 24 * time.Hour)
	if _, err := s.EraseExpiredMessages(ctx, 0, nil); err != nil {
		t.Fatal(err)
	}
	left, _ := s.MessagesAfter(ctx, g.ID, 0, 50)
	if len(left) != 1 || left[0].Seq != 15 || !left[0].Deleted() || left[0].Body != "" {
		t.Fatalf("after erasing everything, left = %+v", left)
	}
	post(g.ID, 99)
	if last, _ := s.LastSeq(ctx, g.ID); last != 16 {
		t.Fatalf("next sequence = %d, want 16", last)
	}
}

// countingWriter counts bytes and, every few megabytes, collects garbage and samples the
// live heap: what the export holds, not what it has let go of.
type countingWriter struct {
	n, next  int64
	base     uint64
	peakGrow uint64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	if w.n >= w.next {
		w.next = w.n + 4<<20
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > w.base && ms.HeapAlloc-w.base > w.peakGrow {
			w.peakGrow = ms.HeapAlloc - w.base
		}
	}
	return len(p), nil
}

// TestExportStreamsWithBoundedMemory exports a member with 100,000 messages and checks
// that the heap never grows by more than a small part of what was written.
func TestExportStreamsWithBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100,000 messages")
	}
	s := openChatStore(t)
	ctx := context.Background()
	u := chatUser(t, s, "ana")
	g, _ := s.GroupBySlug(ctx, "welcome")
	const n = 100_000
	body := strings.Repeat("a line of a long message that fills the export. ", 10) // ~500 bytes
	if _, err := s.w.ExecContext(ctx, `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
		INSERT INTO messages (group_id, seq, author_id, client_id, body, created_at)
		SELECT ?, i, ?, 'c' || i, ? || i, 1700000000000 + i FROM k`, n, g.ID, u.ID, body); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w := &countingWriter{base: ms.HeapAlloc}
	if err := s.ExportUser(ctx, u.ID, w); err != nil {
		t.Fatal(err)
	}
	total := int64(n * len(body))
	if w.n < total {
		t.Fatalf("wrote %d bytes, less than the %d bytes of message text", w.n, total)
	}
	t.Logf("exported %d MB; heap grew by at most %.1f MB", w.n>>20, float64(w.peakGrow)/(1<<20))
	// Holding the messages would take more than their text; streaming holds a buffer and a
	// row (a page of 1,000 rows would be about 0.5 MB).
	if int64(w.peakGrow) > total/50 {
		t.Fatalf("heap grew by %d bytes while exporting %d bytes of messages: not streamed", w.peakGrow, total)
	}
}

// BenchmarkExport100kMessages times the export of a member with 100,000 messages.
func BenchmarkExport100kMessages(b *testing.B) {
	s := openChatStore(b)
	ctx := context.Background()
	u := chatUser(b, s, "ana")
	g, _ := s.GroupBySlug(ctx, "welcome")
	if _, err := s.w.ExecContext(ctx, `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 100000)
		INSERT INTO messages (group_id, seq, author_id, client_id, body, created_at)
		SELECT ?, i, ?, 'c' || i, 'message ' || i, 1700000000000 + i FROM k`, g.ID, u.ID); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.ExportUser(ctx, u.ID, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
