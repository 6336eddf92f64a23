package store

import (
	"context"
	"errors"
	"testing"
)

// TestCommentReportsAndHide: a goal comment takes one open report per reporter; reports of
// two comments by the same author, and a report of the author as a member, coexist; a
// hidden comment loses its text for readers (the queue keeps it), takes no new report,
// resolves its reports when hidden from one, and is audited.
func TestCommentReportsAndHide(t *testing.T) {
	s := openChatStore(t)
	ctx := context.Background()
	mod, ana, ben := chatUser(t, s, "mod"), chatUser(t, s, "ana"), chatUser(t, s, "ben")
	g, err := s.CreateGoal(ctx, ana.ID, GoalInput{Title: "Sleep by eleven", Visibility: GoalMembers}, []string{"One"})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"first unkind words", "second unkind words"} {
		if err := s.AddGoalComment(ctx, g, ben.ID, body); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := s.GoalComments(ctx, g.ID)
	if err != nil || len(cs) != 2 {
		t.Fatalf("comments: %v %v", cs, err)
	}
	first, err := s.CreateReport(ctx, NewReport{ReporterID: ana.ID, SubjectID: ben.ID, CommentID: cs[0].ID, Reason: ReasonHarassment})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateReport(ctx, NewReport{ReporterID: ana.ID, SubjectID: ben.ID, CommentID: cs[0].ID, Reason: ReasonSpam}); !errors.Is(err, ErrAlreadyReported) {
		t.Fatalf("a second open report of the same comment: %v", err)
	}
	if _, err := s.CreateReport(ctx, NewReport{ReporterID: ana.ID, SubjectID: ben.ID, CommentID: cs[1].ID, Reason: ReasonSpam}); err != nil {
		t.Fatalf("a report of the author's other comment: %v", err)
	}
	if _, err := s.CreateReport(ctx, NewReport{ReporterID: ana.ID, SubjectID: ben.ID, Reason: ReasonOther}); err != nil {
		t.Fatalf("a report of the author as a member: %v", err)
	}
	items, total, err := s.Queue(ctx, ReportScope{All: true}, 0, 10, 2)
	if err != nil || total != 3 {
		t.Fatalf("queue: %d entries (%v), want 3 (two comments, one member)", total, err)
	}
	if items, _, _ := s.Queue(ctx, ReportScope{Groups: []int64{1}}, 0, 10, 2); len(items) != 0 {
		t.Fatalf("a group moderator's queue holds comment reports: %+v", items)
	}
	var got *ReportedComment
	for _, it := range items {
		if it.CommentID == cs[0].ID {
			got = it.Comment
		}
	}
	if got == nil || got.Body != "first unkind words" || got.GoalTitle != "Sleep by eleven" || got.AuthorID != ben.ID {
		t.Fatalf("the queue's comment: %+v", got)
	}

	if err := s.HideGoalComment(ctx, Action{ModeratorID: mod.ID, Reason: "unkind", ReportID: first}, cs[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.HideGoalComment(ctx, Action{ModeratorID: mod.ID, Reason: "again"}, cs[0].ID); !errors.Is(err, ErrAlreadyHidden) {
		t.Fatalf("hide twice: %v", err)
	}
	if c, err := s.GoalComment(ctx, g.ID, cs[0].ID); err != nil || !c.Hidden() || c.Body != "" {
		t.Fatalf("a hidden comment read back: %+v %v", c, err)
	}
	if _, err := s.CreateReport(ctx, NewReport{ReporterID: mod.ID, SubjectID: ben.ID, CommentID: cs[0].ID, Reason: ReasonSpam}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a report of a hidden comment: %v", err)
	}
	if r, _ := s.ReportByID(ctx, first); !r.Resolved || r.Outcome != OutcomeActionTaken || r.CommentID != cs[0].ID {
		t.Fatalf("the hide left its report: %+v", r)
	}
	es, err := s.Audit(ctx, AuditFilter{Scope: ReportScope{All: true}})
	if err != nil || len(es) != 2 || es[1].Action != "hide_comment" || es[0].Action != "resolve:action_taken" || es[1].TargetID != ben.ID {
		t.Fatalf("audit: %+v %v", es, err)
	}
	if err := s.HideGoalComment(ctx, Action{ModeratorID: mod.ID, Reason: "x"}, 999999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("hide an unknown comment: %v", err)
	}
}
