package store_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store"
)

// BenchmarkReads times the store reads a page view or a reconnecting socket makes. They
// guard against statements that SQLite re-prepares on every run (see the package
// documentation on bound parameters): a re-prepared read costs two to five times as much.
func BenchmarkReads(b *testing.B) {
	ctx := context.Background()
	st := open(b)
	u, err := st.CreateUser(ctx, store.NewUser{Username: "bench", DisplayName: "Bench_B"})
	if err != nil {
		b.Fatal(err)
	}
	tok := sha256.Sum256([]byte("bench-token"))
	if _, err := st.CreateSession(ctx, u.ID, tok[:], time.Hour, "ua", "127.0.0.1"); err != nil {
		b.Fatal(err)
	}
	g, err := st.CreateGroup(ctx, store.GroupInput{Slug: "bench-circle", Name: "Bench circle",
		Description: "A group for the read benchmarks.", Visibility: store.Public}, u.ID)
	if err != nil {
		b.Fatal(err)
	}
	cm, err := st.NewCommitter(ctx, store.CommitterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var last store.Posted
	for i := range 60 {
		if last, err = cm.Post(ctx, store.NewMessage{GroupID: g.ID, AuthorID: u.ID, AuthorName: u.DisplayName,
			ClientID: fmt.Sprintf("bench-%d", i), Body: fmt.Sprintf("Message %d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	if err := cm.Close(); err != nil {
		b.Fatal(err)
	}
	reads := []struct {
		name string
		run  func() error
	}{
		{"SessionByToken", func() error { _, _, err := st.SessionByToken(ctx, tok[:]); return err }},
		{"GroupBySlug", func() error { _, err := st.GroupBySlug(ctx, "bench-circle"); return err }},
		{"MembershipOf", func() error { _, err := st.MembershipOf(ctx, g.ID, u.ID); return err }},
		{"ListGroupsFor", func() error { _, err := st.ListGroupsFor(ctx, u.ID, false); return err }},
		{"MessageByID", func() error { _, err := st.MessageByID(ctx, last.ID); return err }},
		{"MessagesBefore50", func() error { _, err := st.MessagesBefore(ctx, g.ID, 0, 50); return err }},
		{"MessagesAfter1", func() error { _, err := st.MessagesAfter(ctx, g.ID, last.Seq-1, 200); return err }},
		{"ListMembers", func() error { _, err := st.ListMembers(ctx, g.ID); return err }},
	}
	for _, r := range reads {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := r.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
