package store

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestCrisisSupportDefaultsAndReplace(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	lines, err := s.CrisisLines(ctx)
	if err != nil || len(lines) != 4 || lines[1].Reach != "Call or text 988" || lines[2].Reach != "Call 116 123" || lines[3].Reach != "findahelpline.com" {
		t.Fatalf("default lines: %+v %v", lines, err)
	}
	phrases, err := s.CrisisPhrases(ctx)
	if err != nil || !slices.Contains(phrases, "kill myself") || !slices.Contains(phrases, "no reason to live") {
		t.Fatalf("default phrases: %v %v", phrases, err)
	}
	if err := s.SetCrisisSupport(ctx, []CrisisLine{{Label: "B", Reach: "2"}, {Label: "A", Reach: "1", Note: "n"}},
		[]string{" Want To Die ", "want to die", "", "sad"}); err != nil {
		t.Fatal(err)
	}
	lines, _ = s.CrisisLines(ctx)
	if len(lines) != 2 || lines[0].Label != "B" || lines[1] != (CrisisLine{Label: "A", Reach: "1", Note: "n"}) {
		t.Errorf("lines keep the admin's order: %+v", lines)
	}
	if phrases, _ = s.CrisisPhrases(ctx); !slices.Equal(phrases, []string{"sad", "want to die"}) {
		t.Errorf("phrases: %v", phrases)
	}
}

func TestFilterEntriesAndMemberPrefs(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	if es, err := s.FilterEntries(ctx); err != nil || len(es) != 0 {
		t.Fatalf("the filter is not empty by default: %v %v", es, err)
	}
	e, err := s.AddFilterEntry(ctx, "  Dealer ", FilterHold)
	if err != nil || e.Phrase != "dealer" {
		t.Fatalf("add: %+v %v", e, err)
	}
	if _, err := s.AddFilterEntry(ctx, "DEALER", FilterBlock); !errors.Is(err, ErrFilterEntryExists) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := s.AddFilterEntry(ctx, "x", "erase"); err == nil {
		t.Error("unknown action accepted")
	}
	if err := s.DeleteFilterEntry(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteFilterEntry(ctx, e.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}

	ana := chatUser(t, s, "ana")
	if p, err := s.MemberPrefs(ctx, ana.ID); err != nil || p.CWOpen {
		t.Fatalf("default prefs: %+v %v", p, err)
	}
	if err := s.SetMemberPrefs(ctx, ana.ID, MemberPrefs{CWOpen: true}); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.MemberPrefs(ctx, ana.ID); !p.CWOpen {
		t.Error("preference not saved")
	}
}

func TestCommitterStoresContentWarningAndHeld(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	ana := chatUser(t, s, "ana")
	g, _ := s.GroupBySlug(ctx, "welcome")
	cm := newCommitter(t, s, nil)
	p, err := cm.Post(ctx, NewMessage{GroupID: g.ID, AuthorID: ana.ID, ClientID: "cw-1", Body: "text", ContentWarning: "grief", Held: true})
	if err != nil || p.ContentWarning != "grief" || !p.Held {
		t.Fatalf("posted: %+v %v", p, err)
	}
	m, err := s.MessageByID(ctx, p.ID)
	if err != nil || m.ContentWarning != "grief" || !m.Held || m.Body != "text" {
		t.Fatalf("read back: %+v %v", m, err)
	}
	// A resend returns the original, warning included.
	d, err := cm.Post(ctx, NewMessage{GroupID: g.ID, AuthorID: ana.ID, ClientID: "cw-1", Body: "text"})
	if err != nil || !d.Duplicate || d.ContentWarning != "grief" {
		t.Fatalf("resend: %+v %v", d, err)
	}
}
