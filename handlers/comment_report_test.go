package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/store"
)

// TestGoalCommentReports: a goal comment is reportable by whoever sees the goal (not its
// own author), with the message reasons, once per reporter while open; the queue shows
// site moderators and admins the comment (the goal's title only where they may see the
// goal), and they hide it (its author told why, audited, its reports resolved) or resolve
// it with no action.
func TestGoalCommentReports(t *testing.T) {
	f := newGoalFixture(t)
	ctx := context.Background()
	shared := f.walkGoal("members", true)
	private := f.goal(f.ana, url.Values{"title": {"Quiet steps"}, "visibility": {"private"}, "buddy_id": {strconv.FormatInt(f.id["ben"], 10)},
		"milestones": {"One"}})
	expectStatus(t, "cat comments", post(f.cat, gp(shared, "/comments"), url.Values{"body": {"you will never make it"}}), http.StatusSeeOther)
	expectStatus(t, "ben comments", post(f.ben, gp(private, "/comments"), url.Values{"body": {"rude words from a buddy"}}), http.StatusSeeOther)
	comment := func(goal int64) int64 {
		cs, err := f.app.Store.GoalComments(ctx, goal)
		if err != nil || len(cs) != 1 {
			t.Fatalf("comments: %v %v", cs, err)
		}
		return cs[0].ID
	}
	cid, pid := comment(shared), comment(private)
	report := gp(shared, "/comments/"+strconv.FormatInt(cid, 10)+"/report")

	if doc := f.ana.Get(gp(shared, "")).Doc(t); doc.Find(`#comment-`+strconv.FormatInt(cid, 10)+` button[hx-get$="/report"]`).Length() != 1 {
		t.Fatal("no Report button on another member's comment")
	}
	if doc := f.cat.Get(gp(shared, "")).Doc(t); doc.Find(`button[hx-get$="/report"]`).Length() != 0 {
		t.Fatal("a Report button on one's own comment")
	}
	form := f.ana.Get(report)
	expectStatus(t, "report form", form, http.StatusOK, "harassment", "worried about this person")
	expectStatus(t, "own comment", post(f.cat, report, url.Values{"reason": {"spam"}}), http.StatusForbidden)
	expectStatus(t, "unknown reason", post(f.ana, report, url.Values{"reason": {"boring"}}), http.StatusBadRequest)
	expectStatus(t, "report", post(f.ana, report, url.Values{"reason": {"harassment"}, "note": {"unkind"}}), http.StatusCreated)
	expectStatus(t, "again", post(f.ana, report, url.Values{"reason": {"spam"}}), http.StatusConflict)
	expectStatus(t, "a second member", post(f.dan, report, url.Values{"reason": {"harassment"}}), http.StatusCreated)
	expectStatus(t, "a stranger to the private goal", post(f.dan, gp(private, "/comments/"+strconv.FormatInt(pid, 10)+"/report"),
		url.Values{"reason": {"spam"}}), http.StatusNotFound)
	expectStatus(t, "the private goal's owner", post(f.ana, gp(private, "/comments/"+strconv.FormatInt(pid, 10)+"/report"),
		url.Values{"reason": {"other"}}), http.StatusCreated)

	// The queue: the admin sees both comments; the shared goal's title, not the private one's.
	if f.ben.Get("/mod").Status != http.StatusForbidden {
		t.Fatal("a member reads the queue")
	}
	// cat organises walkers: a group moderator, whose queue has no goal comments.
	if q := f.cat.Get("/mod"); q.Status != http.StatusOK || strings.Contains(q.Body, "rude words") || strings.Contains(q.Body, "never make it") {
		t.Fatalf("a group moderator's queue: %d, or it shows goal comments", q.Status)
	}
	q := f.admin.Get("/mod")
	expectStatus(t, "queue", q, http.StatusOK, "you will never make it", "rude words from a buddy", "Walk every morning", "a goal you cannot see")
	if strings.Contains(q.Body, "Quiet steps") {
		t.Fatal("the queue shows a private goal's title to a moderator who may not see the goal")
	}
	items, _, err := f.app.Store.Queue(ctx, store.ReportScope{All: true}, 0, 50, 2)
	if err != nil {
		t.Fatal(err)
	}
	var sharedReport, privateReport int64
	for _, it := range items {
		switch it.CommentID {
		case cid:
			sharedReport = it.ReportID
			if it.Reporters != 2 {
				t.Errorf("the shared comment's entry counts %d reporters, want 2", it.Reporters)
			}
		case pid:
			privateReport = it.ReportID
		}
	}
	if sharedReport == 0 || privateReport == 0 {
		t.Fatalf("queue entries: %+v", items)
	}

	hide := "/mod/comments/" + strconv.FormatInt(cid, 10) + "/hide"
	expectStatus(t, "a member hides", post(f.ben, hide, url.Values{"reason": {"x"}}), http.StatusForbidden)
	expectStatus(t, "a group moderator hides", post(f.cat, hide, url.Values{"reason": {"x"}}), http.StatusForbidden)
	expectStatus(t, "no reason", post(f.admin, hide, url.Values{"reason": {""}}), http.StatusBadRequest)
	expectStatus(t, "hide", post(f.admin, hide, url.Values{"reason": {"Discouraging a member"}, "report": {strconv.FormatInt(sharedReport, 10)}}),
		http.StatusSeeOther)
	expectStatus(t, "hide again", post(f.admin, hide, url.Values{"reason": {"again"}}), http.StatusConflict)
	page := f.dan.Get(gp(shared, ""))
	if strings.Contains(page.Body, "you will never make it") || !strings.Contains(page.Body, "hidden by a moderator") {
		t.Fatal("the goal page still shows the hidden comment")
	}
	expectStatus(t, "the author's notifications", f.cat.Get("/notifications"), http.StatusOK, "Discouraging a member", "comment of yours on a goal was hidden")
	expectStatus(t, "report a hidden comment", post(f.ben, report, url.Values{"reason": {"spam"}}), http.StatusNotFound)
	if r, _ := f.app.Store.ReportByID(ctx, sharedReport); !r.Resolved || r.Outcome != store.OutcomeActionTaken {
		t.Errorf("the hide left its report open: %+v", r)
	}
	// No action on the other.
	expectStatus(t, "no action", post(f.admin, "/mod/reports/"+strconv.FormatInt(privateReport, 10)+"/resolve",
		url.Values{"outcome": {"no_action"}, "note": {"Friendly teasing"}}), http.StatusSeeOther)
	es, err := f.app.Store.Audit(ctx, store.AuditFilter{Scope: store.ReportScope{All: true}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Action)
	}
	joined := strings.Join(got, " ")
	for _, want := range []string{"hide_comment", "resolve:action_taken", "resolve:no_action"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit log lacks %s: %v", want, got)
		}
	}
	if q := f.admin.Get("/mod"); strings.Contains(q.Body, "you will never make it") || strings.Contains(q.Body, "rude words") {
		t.Error("resolved comment reports stay in the queue")
	}
}
