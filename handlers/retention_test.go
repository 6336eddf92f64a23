package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// historySeqs returns the sequences of the messages a history page shows.
func historySeqs(t *testing.T, r *handlerstest.Response) []int64 {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("history: %d", r.Status)
	}
	var seqs []int64
	r.Doc(t).Find(".msg").Each(func(_ int, s *goquery.Selection) {
		n, _ := strconv.ParseInt(s.AttrOr("data-seq", ""), 10, 64)
		seqs = append(seqs, n)
	})
	return seqs
}

// TestRetentionThroughTheAdminPage: an admin counts, then turns on retention for one
// group; the group page says so; with the clock moved on, the job erases only that group's
// old messages, and history paging and socket resume still work around the gap.
func TestRetentionThroughTheAdminPage(t *testing.T) {
	app, logs := newLoggedApp(t, handlerstest.WithChat(func(o *chat.Options) {
		fastChat(o)
		o.SendRate, o.SendBurst = 1000, 1000
	}))
	ctx := context.Background()
	admin := app.Member("admin")
	member := app.Member("member")
	for _, slug := range []string{"welcome", "grief-and-loss"} {
		joinGroup(t, member, slug)
	}
	send := func(slug string, from, n int) {
		w := mustDial(t, app, member, slug, "")
		for i := from; i < from+n; i++ {
			w.send(fmt.Sprint("message number ", i), fmt.Sprintf("client-%s-%d", slug, i))
		}
		w.until(waitLong, "acks", func() bool { return w.acks == n })
		w.ws.Close()
	}
	send("welcome", 1, 6) // seq 1..6, old
	send("grief-and-loss", 1, 6)
	app.Clock.Advance(40 * 24 * time.Hour)
	// Forty days on, the logins have expired.
	for name, c := range map[string]*handlerstest.Client{"admin": admin, "member": member} {
		if r := c.Login(name, handlerstest.Password); r.Status != http.StatusSeeOther {
			t.Fatalf("log in again as %s: %d", name, r.Status)
		}
	}
	send("welcome", 7, 3) // seq 7..9, recent
	send("grief-and-loss", 7, 3)

	if r := member.Get("/groups/welcome/retention"); r.Status != http.StatusForbidden {
		t.Fatalf("a member at the retention page: %d", r.Status)
	}
	page := admin.Get("/groups/welcome/retention?days=30")
	if got := strings.TrimSpace(page.Doc(t).Find("#retention-preview").Text()); !strings.Contains(got, "6 messages") {
		t.Fatalf("dry run says %q", got)
	}
	if r := admin.Get("/groups/welcome/retention?days=-3"); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("negative days: %d", r.Status)
	}
	if g := member.Get("/groups/welcome"); strings.Contains(g.Body, "erased after") {
		t.Fatal("the group page speaks of retention before it is on")
	}
	if r := admin.PostForm("/groups/welcome/retention", url.Values{"days": {"30"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("save retention: %d %.300s", r.Status, r.Body)
	}
	if g := member.Get("/groups/welcome"); !strings.Contains(g.Body, "Messages here are erased after 30 days") {
		t.Fatal("the group page does not say that messages are erased")
	}
	if _, err := app.Handler.RunRetention(ctx); err != nil {
		t.Fatal(err)
	}
	// The log has a progress line with counts, and no word of any message.
	logs.waitLine(t, "retention: erasing old messages", "erased=6")
	if strings.Contains(logs.String(), "message number") {
		t.Fatal("a message's text reached the log")
	}
	if got := historySeqs(t, member.Get("/groups/welcome/messages?before=8")); fmt.Sprint(got) != "[7]" {
		t.Fatalf("welcome history before 8 = %v, want [7]", got)
	}
	if got := historySeqs(t, member.Get("/groups/grief-and-loss/messages?before=8")); len(got) != 7 {
		t.Fatalf("the other group's history before 8 = %v, want 1..7", got)
	}
	// A page that last saw seq 3 resumes with what followed the gap.
	w := mustDial(t, app, member, "welcome", "?after=3")
	w.until(waitLong, "resume after the gap", func() bool { return len(w.seqs) == 3 })
	if fmt.Sprint(w.seqs) != "[7 8 9]" {
		t.Fatalf("resumed with %v", w.seqs)
	}
	// And the conversation goes on with the next sequence.
	w.send("after retention", "client-after-retention")
	w.until(waitLong, "the next message", func() bool { return len(w.seqs) == 4 })
	if w.seqs[3] != 10 {
		t.Fatalf("next sequence %d, want 10", w.seqs[3])
	}
}
