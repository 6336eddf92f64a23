package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

func hxPost(c *handlerstest.Client, path string, form url.Values) *handlerstest.Response {
	return c.PostRaw(path, form, http.Header{"Hx-Request": {"true"}, "X-Csrf-Token": {c.CSRF()}})
}

// TestChatReactionFrameIsSmall: a reaction toggle reaches the room as that message's
// counts alone, not the whole re-rendered message.
func TestChatReactionFrameIsSmall(t *testing.T) {
	app := newChatApp(t)
	a, b := app.Member("ana"), app.Member("ben")
	joinGroup(t, a, "welcome")
	joinGroup(t, b, "welcome")
	wb := mustDial(t, app, b, "welcome", "?after=0")
	const body = "a long message that nobody needs to receive again "
	wa := mustDial(t, app, a, "welcome", "?after=0")
	wa.send(strings.Repeat(body, 70), "r1-client")
	wb.until(3*time.Second, "message", func() bool { return len(wb.seqs) == 1 })

	if r := hxPost(b, "/groups/welcome/messages/1/react", url.Values{"kind": {"heart"}}); r.Status != http.StatusNoContent {
		t.Fatalf("react: %d %s", r.Status, r.Body)
	}
	_ = wb.ws.SetReadDeadline(time.Now().Add(3 * time.Second))
	for {
		_, data, err := wb.ws.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for the reaction frame: %v", err)
		}
		frame := string(data)
		if !strings.Contains(frame, "reactions-1") {
			continue // presence and the like
		}
		if len(frame) > 2048 || strings.Contains(frame, "nobody needs") {
			t.Fatalf("reaction frame of %d bytes carries more than the counts: %.300s", len(frame), frame)
		}
		t.Logf("reaction frame: %d bytes", len(frame))
		if !strings.Contains(frame, `class="reaction-count">1<`) || !strings.Contains(frame, `hx-swap-oob`) {
			t.Fatalf("reaction frame lacks the new count: %s", frame)
		}
		break
	}
	// The page's message has the element the frame swaps into.
	page := b.Get("/groups/welcome")
	if page.Doc(t).Find("#msg-1 form#reactions-1 button.reaction").Length() != 4 {
		t.Fatalf("the group page has no #reactions-1 form with the buttons")
	}
}

// TestChatReactionsAndEditsRateLimited: a member toggling or editing as fast as they can is
// told to slow down, and a refused toggle or edit changes nothing.
func TestChatReactionsAndEditsRateLimited(t *testing.T) {
	app := newChatApp(t)
	ctx := context.Background()
	a, b := app.Member("ana"), app.Member("ben")
	joinGroup(t, a, "welcome")
	joinGroup(t, b, "welcome")
	wa := mustDial(t, app, a, "welcome", "?after=0")
	wa.send("hello", "e1-client")
	wa.until(3*time.Second, "message", func() bool { return len(wa.seqs) == 1 })
	m, err := app.Store.MessageByID(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	hearts := func() int {
		t.Helper()
		m, err := app.Store.MessageByID(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range m.Reactions {
			if r.Kind == "heart" {
				return r.Count
			}
		}
		return 0
	}

	refused := 0
	for i := range 50 {
		before := hearts()
		r := hxPost(b, "/groups/welcome/messages/1/react", url.Values{"kind": {"heart"}})
		switch r.Status {
		case http.StatusNoContent:
			if hearts() == before {
				t.Fatalf("toggle %d accepted but the count stayed %d", i, before)
			}
		case http.StatusTooManyRequests:
			refused++
			if hearts() != before {
				t.Fatalf("toggle %d refused but the count moved from %d", i, before)
			}
			if r.Header.Get("HX-Retarget") != "#flash" || !strings.Contains(r.Body, "reacting very quickly") {
				t.Fatalf("refusal is not the friendly fragment: %q %.300s", r.Header.Get("HX-Retarget"), r.Body)
			}
		default:
			t.Fatalf("toggle %d: status %d", i, r.Status)
		}
	}
	if refused == 0 {
		t.Fatal("50 rapid toggles were all accepted")
	}

	refused = 0
	last := m.Body
	for i := range 30 {
		next := "edit" + strings.Repeat("!", i)
		r := hxPost(a, "/groups/welcome/messages/1/edit", url.Values{"body": {next}})
		switch r.Status {
		case http.StatusOK:
			last = next
		case http.StatusTooManyRequests:
			refused++
			if !strings.Contains(r.Body, "changing messages very quickly") {
				t.Fatalf("refusal is not the friendly fragment: %.300s", r.Body)
			}
		default:
			t.Fatalf("edit %d: status %d", i, r.Status)
		}
		if m, _ := app.Store.MessageByID(ctx, 1); m.Body != last {
			t.Fatalf("after edit %d the message reads %q, want %q", i, m.Body, last)
		}
	}
	if refused == 0 {
		t.Fatal("30 rapid edits were all accepted")
	}
}
