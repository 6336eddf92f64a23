package store

import (
	"context"
	"testing"
)

// Every change the chat history shows moves the group's history version, and nothing
// else's: the group page's cache depends on it.
func TestHistoryVersionMovesWithEveryVisibleChange(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	ana := chatUser(t, s, "ana")
	ben := chatUser(t, s, "ben")
	g, err := s.GroupBySlug(ctx, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.GroupBySlug(ctx, "grief-and-loss")
	if err != nil {
		t.Fatal(err)
	}
	version := func(slug string) int64 {
		t.Helper()
		g, err := s.GroupBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		return g.HistoryVersion
	}
	c, err := s.NewCommitter(ctx, CommitterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	last := version("welcome")
	moved := func(what string) {
		t.Helper()
		v := version("welcome")
		if v <= last {
			t.Fatalf("%s did not move the history version (%d -> %d)", what, last, v)
		}
		last = v
	}
	p, err := c.Post(ctx, NewMessage{GroupID: g.ID, AuthorID: ana.ID, AuthorName: ana.DisplayName, ClientID: "c1", Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	moved("a new message")
	if _, err := s.ToggleReaction(ctx, p.ID, ben.ID, "heart"); err != nil {
		t.Fatal(err)
	}
	moved("a reaction")
	if _, err := s.ToggleReaction(ctx, p.ID, ben.ID, "heart"); err != nil {
		t.Fatal(err)
	}
	moved("taking a reaction back")
	if _, err := s.EditMessage(ctx, p.ID, ana.ID, "hello again"); err != nil {
		t.Fatal(err)
	}
	moved("an edit")
	if _, err := s.DeleteMessage(ctx, p.ID, ana.ID); err != nil {
		t.Fatal(err)
	}
	moved("a removal")
	if err := s.MarkRead(ctx, g.ID, ana.ID, 1); err != nil {
		t.Fatal(err)
	}
	if v := version("welcome"); v != last {
		t.Fatalf("a read marker moved the history version")
	}
	if v := version("grief-and-loss"); v != other.HistoryVersion {
		t.Fatalf("another group's version moved: %d -> %d", other.HistoryVersion, v)
	}
}
