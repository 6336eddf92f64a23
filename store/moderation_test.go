package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAuditLogIsAppendOnly: the audit log has no update or delete path in the Store, and
// the database itself refuses both, even to a direct SQL statement.
func TestAuditLogIsAppendOnly(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	mod, ana := chatUser(t, s, "mod"), chatUser(t, s, "ana")
	g, _ := s.GroupBySlug(ctx, "welcome")
	if err := s.Join(ctx, g.ID, ana.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Warn(ctx, Action{ModeratorID: mod.ID, Reason: "be kind"}, ana.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE audit_log SET reason = 'nothing happened'`,
		`DELETE FROM audit_log`,
	} {
		_, err := s.w.ExecContext(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("%s: err %v, want the trigger's refusal", q, err)
		}
	}
	es, err := s.Audit(ctx, AuditFilter{Scope: ReportScope{All: true}})
	if err != nil || len(es) != 1 || es[0].Reason != "be kind" || es[0].Action != "warn" || es[0].TargetID != ana.ID {
		t.Fatalf("audit after the attempts: %+v (%v)", es, err)
	}
	// Deleting the member keeps the entry, with only an anonymous id for them.
	if err := s.DeleteUser(ctx, ana.ID); err != nil {
		t.Fatal(err)
	}
	es, err = s.Audit(ctx, AuditFilter{Scope: ReportScope{All: true}})
	if err != nil || len(es) != 1 || es[0].TargetName != "" || es[0].TargetID != ana.ID {
		t.Fatalf("audit after deleting the member: %+v (%v)", es, err)
	}
}

// TestSanctionsExpireAndStanding: a mute is a fact of the Standing until it expires; a
// ban keeps a member out until it does; slow mode reads the member's last post.
func TestSanctionsExpireAndStanding(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s := openChatStore(t)
	s.now = func() time.Time { return now }
	mod, ana := chatUser(t, s, "mod"), chatUser(t, s, "ana")
	g, _ := s.GroupBySlug(ctx, "welcome")
	if err := s.Join(ctx, g.ID, ana.ID); err != nil {
		t.Fatal(err)
	}
	a := Action{ModeratorID: mod.ID, Reason: "cool off"}
	if err := s.Mute(ctx, a, ana.ID, g.ID, now.Add(15*time.Minute)); err != nil {
		t.Fatal(err)
	}
	st, err := s.Standings(ctx, []Actor{{UserID: ana.ID, GroupID: g.ID}})
	if err != nil || !st[0].Muted || !st[0].MutedUntil.Equal(now.Add(15*time.Minute)) || st[0].MuteReason != "cool off" {
		t.Fatalf("standing while muted: %+v (%v)", st, err)
	}
	now = now.Add(16 * time.Minute)
	if st, _ = s.Standings(ctx, []Actor{{UserID: ana.ID, GroupID: g.ID}}); st[0].Muted {
		t.Fatal("the mute did not expire")
	}
	if err := s.Ban(ctx, a, ana.ID, g.ID, now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Join(ctx, g.ID, ana.ID); !errors.Is(err, ErrBanned) {
		t.Fatalf("join while banned: %v", err)
	}
	now = now.Add(25 * time.Hour)
	if err := s.Join(ctx, g.ID, ana.ID); err != nil {
		t.Fatalf("join after the ban: %v", err)
	}
	if err := s.Mute(ctx, a, mod.ID, g.ID, time.Time{}); !errors.Is(err, ErrNotMember) {
		t.Fatalf("mute of a non-member: %v", err)
	}
}

// TestConcurrentClaimsAndBans: two moderators claiming one report at once (on two nodes of
// one PostgreSQL database, say) leave exactly one claimer, and a ban racing a join never
// leaves the banned member inside.
func TestConcurrentClaimsAndBans(t *testing.T) {
	ctx := context.Background()
	s := openChatStore(t)
	m1, m2, ana := chatUser(t, s, "mod1"), chatUser(t, s, "mod2"), chatUser(t, s, "ana")
	g, _ := s.GroupBySlug(ctx, "welcome")
	for round := range 10 {
		id, err := s.CreateReport(ctx, NewReport{ReporterID: m1.ID, SubjectID: ana.ID, GroupID: g.ID,
			Reason: ReasonSpam, Note: fmt.Sprint("round ", round)})
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 2)
		for _, m := range []User{m1, m2} {
			go func() { errs <- s.ClaimReport(ctx, id, m.ID) }()
		}
		won := 0
		for range 2 {
			switch err := <-errs; {
			case err == nil:
				won++
			case !errors.Is(err, ErrAlreadyClaimed):
				t.Fatal(err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d moderators hold the claim, want 1", round, won)
		}
		if err := s.ResolveReport(ctx, id, m1.ID, OutcomeNoAction, ""); err != nil && !errors.Is(err, ErrAlreadyClaimed) {
			t.Fatal(err)
		}
		if err := s.ResolveReport(ctx, id, m2.ID, OutcomeNoAction, ""); err != nil && !errors.Is(err, ErrAlreadyClaimed) && !errors.Is(err, ErrResolved) {
			t.Fatal(err)
		}
	}

	for round := range 10 {
		g2, err := s.CreateGroup(ctx, GroupInput{Slug: fmt.Sprint("race-", round), Name: "Race", Visibility: Public}, m1.ID)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 2)
		go func() { done <- s.Join(ctx, g2.ID, ana.ID) }()
		go func() { done <- s.Ban(ctx, Action{ModeratorID: m1.ID, Reason: "r"}, ana.ID, g2.ID, time.Time{}) }()
		for range 2 {
			if err := <-done; err != nil && !errors.Is(err, ErrBanned) {
				t.Fatal(err)
			}
		}
		var in int
		if err := s.w.QueryRowContext(ctx, `SELECT count(*) FROM memberships WHERE group_id = ? AND user_id = ?`, g2.ID, ana.ID).Scan(&in); err != nil {
			t.Fatal(err)
		}
		if in != 0 {
			t.Fatalf("round %d: a banned member is in the group", round)
		}
	}
}
