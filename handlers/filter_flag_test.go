package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/store"
)

// TestWordFilterFlagReachesQueue: a flagged message is posted as usual and a report with no
// reporter (the word filter), reason "other" and the filter's note lands in the /mod queue.
func TestWordFilterFlagReachesQueue(t *testing.T) {
	app := newChatApp(t)
	admin := app.Member("admin")
	a, b := app.Member("ana"), app.Member("ben")
	joinGroup(t, a, "welcome")
	joinGroup(t, b, "welcome")
	if r := admin.PostForm("/admin/filter", url.Values{"phrase": {"pills"}, "action": {"flag"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add entry: %d", r.Status)
	}
	wa, wb := mustDial(t, app, a, "welcome", "?after=0"), mustDial(t, app, b, "welcome", "?after=0")
	wa.send("I take my pills every morning", "filter-flag-1")
	wa.until(waitLong, "ack or refusal", func() bool { return len(wa.acked)+len(wa.errs) > 0 })
	if len(wa.errs) > 0 {
		t.Fatalf("refused: %v", wa.errs)
	}
	wb.until(waitLong, "the flagged message, posted as usual", func() bool { return len(wb.seqs) == 1 })
	items, _, err := app.Store.Queue(context.Background(), store.ReportScope{All: true}, 0, 10, 0)
	if err != nil || len(items) != 1 {
		t.Fatalf("queue: %+v %v", items, err)
	}
	it := items[0]
	if !it.Filtered || it.Reporters != 0 || it.MessageID == 0 || len(it.Reasons) != 1 || it.Reasons[0] != store.ReasonOther ||
		len(it.Notes) != 1 || it.Notes[0] != store.FilterNote {
		t.Fatalf("the filter's report: %+v", it)
	}
	r, err := app.Store.ReportByID(context.Background(), it.ReportID)
	if err != nil || r.ReporterID != 0 {
		t.Fatalf("report: %+v %v", r, err)
	}
	page := admin.Get("/mod").Body
	if !strings.Contains(page, "flagged by the word filter") || !strings.Contains(page, store.FilterNote) {
		t.Fatalf("the /mod queue lacks the flagged message: %.2000s", page)
	}
	// A member may still report it too; both count in one entry.
	if r := b.PostForm("/groups/welcome/messages/"+itoa(it.MessageID)+"/report", url.Values{"reason": {"unsafe"}}); r.Status != http.StatusCreated {
		t.Fatalf("member report: %d", r.Status)
	}
	items, _, _ = app.Store.Queue(context.Background(), store.ReportScope{All: true}, 0, 10, 0)
	if len(items) != 1 || !items[0].Filtered || items[0].Reporters != 1 {
		t.Fatalf("merged entry: %+v", items)
	}
}
