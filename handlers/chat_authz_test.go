package handlers_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// slowRecheck leaves only the change feed to close sockets: the periodic re-check runs
// once an hour.
func slowRecheck(o *chat.Options) { o.AuthEvery = time.Hour }

// refusedOrClosed reads until the socket shows the refusal want or is closed by the
// server with 1008, and reports which.
func refusedOrClosed(t *testing.T, w *wsClient, want string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, e := range w.errs {
			if strings.Contains(e, want) {
				return "refused"
			}
		}
		err := w.read(time.Until(deadline))
		var ce *websocket.CloseError
		switch {
		case errors.As(err, &ce) && ce.Code == websocket.ClosePolicyViolation:
			return "closed"
		case err != nil:
			t.Fatalf("waiting for %q or close: %v (errors shown: %q)", want, err, w.errs)
		}
	}
}

// TestChatPostRefusedInTheCommit: a member removed or signed out while their socket is open
// and who sends at once gets no message into the group, whatever the periodic re-check is
// doing. The committer asks the policy inside the transaction that would write it.
func TestChatPostRefusedInTheCommit(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, want string
		end        func(app *handlerstest.App, userID, groupID int64)
	}{
		{"removed", "no longer a member", func(app *handlerstest.App, userID, groupID int64) {
			if err := app.Store.Leave(ctx, groupID, userID); err != nil {
				t.Fatal(err)
			}
		}},
		{"group archived", "archived", func(app *handlerstest.App, _, groupID int64) {
			if err := app.Store.SetArchived(ctx, groupID, true); err != nil {
				t.Fatal(err)
			}
		}},
		{"session deleted", "signed out", func(app *handlerstest.App, userID, _ int64) {
			sessions, err := app.Store.ListSessions(ctx, userID)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sessions {
				if err := app.Store.DeleteSession(ctx, userID, s.ID); err != nil {
					t.Fatal(err)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := newChatApp(t, slowRecheck)
			c := app.Member("ana")
			joinGroup(t, c, "welcome")
			w := mustDial(t, app, c, "welcome", "?after=0")
			w.send("still here", "p1-client")
			w.until(5*time.Second, "first message", func() bool { return len(w.seqs) == 1 })
			g, _ := app.Store.GroupBySlug(ctx, "welcome")

			tc.end(app, userID(t, app, "ana"), g.ID)
			w.send("after the end", "p2-client")
			how := refusedOrClosed(t, w, tc.want)
			// Stop the hub: every message it read has been committed or refused by now.
			if err := app.Handler.Close(); err != nil {
				t.Fatal(err)
			}
			if n, err := app.Store.CountMessages(ctx, g.ID); err != nil || n != 1 {
				t.Fatalf("%d messages in the group (err %v) after the socket was %s, want only the first", n, err, how)
			}
		})
	}
}

// TestChatBackstopClosesExpiredSession: a session that simply runs out announces nothing;
// the periodic backstop re-check closes its sockets.
func TestChatBackstopClosesExpiredSession(t *testing.T) {
	app := newChatApp(t, func(o *chat.Options) { o.AuthEvery = 50 * time.Millisecond })
	c := app.Member("ana")
	joinGroup(t, c, "welcome")
	w := mustDial(t, app, c, "welcome", "?after=0")
	app.Clock.Advance(25 * time.Hour) // past the test app's 24h session lifetime
	if how := refusedOrClosed(t, w, "signed out"); how != "closed" {
		t.Fatalf("socket %s, want closed", how)
	}
}
