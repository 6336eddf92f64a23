package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/store"
)

// TestWordFilterHold: a held message reaches nobody but its author (their own list on the
// group page) and the moderators (the /mod queue) until a moderator approves it, which
// publishes it live; the room does not stall on its sequence; a rejection deletes its
// text and tells the author. Both decisions are audited.
func TestWordFilterHold(t *testing.T) {
	w := newModWorld(t)
	ctx := context.Background()
	if r := w.admin.PostForm("/admin/filter", url.Values{"phrase": {"relapse kit"}, "action": {"hold"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add entry: %d", r.Status)
	}
	wb := mustDial(t, w.app, w.ben, "welcome", "?after=0")
	wa := mustDial(t, w.app, w.ana, "welcome", "?after=0")
	wa.send("my relapse kit is gone", "hold-test-1")
	wa.until(waitLong, "the held message's ack", func() bool { return len(wa.acked) == 1 })
	wa.until(waitLong, "the author's own held line", func() bool { return strings.Contains(wa.held, "my relapse kit is gone") })
	wa.send("an ordinary message after it", "hold-test-2")
	wb.until(waitLong, "the message after the held one (no stall on its sequence)", func() bool { return len(wb.seqs) == 1 })
	if wb.body[wb.seqs[0]] != "an ordinary message after it" {
		t.Fatalf("ben received %v", wb.body)
	}
	// Nobody else sees it, in history or catch-up; its author does, marked.
	if strings.Contains(w.ben.Get("/groups/welcome").Body, "relapse kit") {
		t.Fatal("ben's history shows the held message")
	}
	late := mustDial(t, w.app, w.ben, "welcome", "?after=0")
	late.until(waitLong, "catch-up", func() bool { return len(late.seqs) == 1 })
	doc := w.ana.Get("/groups/welcome").Doc(t)
	if held := doc.Find("#chat-held li"); held.Length() != 1 || !strings.Contains(held.Text(), "held for review") || !strings.Contains(held.Text(), "relapse kit") {
		t.Fatalf("ana's own held list: %q", doc.Find("#chat-held").Text())
	}
	// Nor by its id: reading, reacting, editing would show or publish it.
	heldNow, _ := w.app.Store.HeldMessages(ctx, w.g.ID, w.ids["ana"])
	if len(heldNow) != 1 {
		t.Fatalf("held: %+v", heldNow)
	}
	hid := itoa(heldNow[0].ID)
	mustStatus(t, w.ben.Get("/groups/welcome/messages/"+hid), http.StatusNotFound, "ben reads the held message")
	mustStatus(t, w.ben.PostForm("/groups/welcome/messages/"+hid+"/react", url.Values{"kind": {"heart"}}), http.StatusNotFound, "ben reacts")
	mustStatus(t, w.ana.PostForm("/groups/welcome/messages/"+hid+"/edit", url.Values{"body": {"edited"}}), http.StatusNotFound, "ana edits it while held")
	// The moderators have it in the queue, with Approve and Reject.
	q := w.gm.Get("/mod").Doc(t)
	approve := q.Find("form.mod-approve").AttrOr("hx-post", "")
	if approve == "" || q.Find("form.mod-reject").Length() != 1 {
		t.Fatal("no approve or reject in the queue")
	}
	mustStatus(t, w.ben.PostForm(approve, url.Values{}), http.StatusForbidden, "a member approves")
	audits := auditCount(t, w.app)
	mustStatus(t, w.gm.PostForm(approve, url.Values{}), http.StatusSeeOther, "approve")
	wb.until(waitLong, "the approved message, live", func() bool {
		return slices.ContainsFunc(wb.seqs, func(s int64) bool { return wb.body[s] == "my relapse kit is gone" })
	})
	if !strings.Contains(w.ben.Get("/groups/welcome").Body, "relapse kit") {
		t.Fatal("the approved message is not in history")
	}
	if auditCount(t, w.app) != audits+1 {
		t.Fatal("approve not audited")
	}
	mustStatus(t, w.gm.PostForm(approve, url.Values{}), http.StatusConflict, "approve twice")
	if items, _, _ := w.app.Store.Queue(ctx, store.ReportScope{All: true}, 0, 10, 0); len(items) != 0 {
		t.Fatalf("the filter's report is still open: %+v", items)
	}

	// Reject: the text is gone, the author is told why, the room never sees it.
	wa.send("another relapse kit story", "hold-test-3")
	wa.until(waitLong, "the second held ack", func() bool { return len(wa.acked) == 3 })
	held, err := w.app.Store.HeldMessages(ctx, w.g.ID, w.ids["ana"])
	if err != nil || len(held) != 1 {
		t.Fatalf("held: %+v %v", held, err)
	}
	reject := "/mod/messages/" + itoa(held[0].ID) + "/reject"
	mustStatus(t, w.gm.PostForm(reject, url.Values{}), http.StatusBadRequest, "reject without a reason")
	mustStatus(t, w.gm.PostForm(reject, url.Values{"reason": {"reason-reject"}}), http.StatusSeeOther, "reject")
	if auditCount(t, w.app) != audits+2 {
		t.Fatal("reject not audited")
	}
	m, err := w.app.Store.MessageByID(ctx, held[0].ID)
	if err != nil || m.Body != "" || !m.Deleted() {
		t.Fatalf("rejected message: %+v %v", m, err)
	}
	if w.ana.Get("/groups/welcome").Doc(t).Find("#chat-held li").Length() != 0 {
		t.Fatal("the rejected message is still in ana's held list")
	}
	if !strings.Contains(w.ana.Get("/notifications").Body, "reason-reject") {
		t.Fatal("ana was not told why")
	}
	for _, s := range wb.seqs {
		if strings.Contains(wb.body[s], "another relapse kit") {
			t.Fatal("the rejected message reached ben")
		}
	}
}
