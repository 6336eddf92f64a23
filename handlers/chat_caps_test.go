package handlers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// expectRefused reads a freshly opened socket and wants the close code 1008 with a reason
// containing want.
func expectRefused(t *testing.T, w *wsClient, want string) {
	t.Helper()
	_ = w.ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		_, _, err := w.ws.ReadMessage()
		if err == nil {
			continue
		}
		ce, ok := err.(*websocket.CloseError)
		if !ok || ce.Code != websocket.ClosePolicyViolation || !strings.Contains(ce.Text, want) {
			t.Fatalf("got %v, want close 1008 %q", err, want)
		}
		return
	}
}

// probe sends an empty message, which an open socket answers with a refusal frame (it
// stores nothing and spends no send budget), and returns the read error if none comes.
func probe(w *wsClient) error {
	if err := w.ws.WriteMessage(websocket.TextMessage, []byte(`{"body":"","client_id":"probe-client"}`)); err != nil {
		return err
	}
	_ = w.ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for n := len(w.errs); len(w.errs) == n; {
		if err := w.read(20 * time.Second); err != nil {
			return err
		}
	}
	return nil
}

// expectOpen checks a socket was taken.
func expectOpen(t *testing.T, w *wsClient) {
	t.Helper()
	if err := probe(w); err != nil {
		t.Fatalf("socket refused: %v", err)
	}
}

// TestChatSocketCaps: the socket beyond the cap per session, per member and per client IP
// is closed with 1008 and a reason saying which; closing one frees its place.
func TestChatSocketCaps(t *testing.T) {
	app := newChatApp(t, func(o *chat.Options) { o.MaxPerSession, o.MaxPerMember, o.MaxPerIP = 2, 3, 5 })
	login := func(c *handlerstest.Client, name string) *handlerstest.Client {
		t.Helper()
		c2 := app.Client()
		if r := c2.Login(name, handlerstest.Password); r.Status != http.StatusSeeOther {
			t.Fatalf("login: %d", r.Status)
		}
		return c2
	}

	// Per session: two from one browser, the third refused.
	ses := app.Member("ses")
	joinGroup(t, ses, "welcome")
	s1 := mustDial(t, app, ses, "welcome", "?after=0")
	expectOpen(t, s1)
	expectOpen(t, mustDial(t, app, ses, "welcome", "?after=0"))
	expectRefused(t, mustDial(t, app, ses, "welcome", "?after=0"), "too many open chat windows in this browser")

	// Per member: a second login of the same member adds one more (three in all), then no more.
	ses2 := login(ses, "ses")
	expectOpen(t, mustDial(t, app, ses2, "welcome", "?after=0"))
	expectRefused(t, mustDial(t, app, ses2, "welcome", "?after=0"), "too many open chat windows for your account")

	// Closing one frees its place (once the hub has let it go).
	s1.ws.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := probe(mustDial(t, app, ses2, "welcome", "?after=0"))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the closed socket's place was never freed: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Per IP (every test client is 127.0.0.1): three open so far, two more from another
	// member, the sixth refused.
	ip := app.Member("ipm")
	joinGroup(t, ip, "welcome")
	expectOpen(t, mustDial(t, app, ip, "welcome", "?after=0"))
	expectOpen(t, mustDial(t, app, login(ip, "ipm"), "welcome", "?after=0"))
	expectRefused(t, mustDial(t, app, login(ip, "ipm"), "welcome", "?after=0"), "too many open chat connections from your network")
}
