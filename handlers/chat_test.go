package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// fastChat shortens the hub's timers so live-authorization tests run in well under 5 s.
func fastChat(o *chat.Options) {
	o.AuthEvery = 200 * time.Millisecond
	o.FlushEvery = 50 * time.Millisecond
	o.ResumeWait = 300 * time.Millisecond
}

// waitLong is how long a test waits for an event before failing: generous, because a busy
// machine running -race may be slow, and a passing test never waits it out.
const waitLong = 20 * time.Second

func newChatApp(t *testing.T, tune ...func(*chat.Options)) *handlerstest.App {
	return handlerstest.New(t, handlerstest.WithChat(func(o *chat.Options) {
		fastChat(o)
		for _, f := range tune {
			f(o)
		}
	}))
}

// joinGroup accepts the guidelines of a public group through the real form.
func joinGroup(t *testing.T, c *handlerstest.Client, slug string) {
	t.Helper()
	r := c.PostForm("/groups/"+slug+"/join", url.Values{"accept_guidelines": {"yes"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("join %s: status %d: %.300s", slug, r.Status, r.Body)
	}
}

// wsClient is a real websocket client that remembers what it received.
type wsClient struct {
	t    *testing.T
	ws   *websocket.Conn
	seqs []int64          // message sequences in arrival order
	msgs map[int64]string // id -> last seen outer HTML
	body map[int64]string // seq -> text of .msg-body
	errs []string         // texts of #chat-error
	acks int
	// acked and refused: the client_ids named by acks (data-ack) and refusals (data-refused)
	acked, refused []string
	// typing and presence: the outer HTML of the last #chat-typing and #chat-presence
	typing, presence string
	// reactions: message id -> the last live reaction counts received for it
	reactions map[int64]string
	// roomState: the text of the last #room-state (moderation's room notice)
	roomState string
	// held: the text of the lines appended to the author's #chat-held list
	held string
	// compose: the outer HTML of the last #chat-compose (the send box or what stands in its
	// place); role: data-moderator of the last #chat-role
	compose, role string
}

func dialChat(t *testing.T, app *handlerstest.App, c *handlerstest.Client, slug, query, origin string) (*wsClient, *http.Response, error) {
	t.Helper()
	u := strings.Replace(app.URL, "http://", "ws://", 1) + "/groups/" + slug + "/ws" + query
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	h.Set("Cookie", "hearth_session="+c.Cookie("hearth_session"))
	ws, res, err := websocket.DefaultDialer.Dial(u, h)
	if err != nil {
		return nil, res, err
	}
	t.Cleanup(func() { ws.Close() })
	return &wsClient{t: t, ws: ws, msgs: map[int64]string{}, body: map[int64]string{}, reactions: map[int64]string{}}, res, nil
}

func mustDial(t *testing.T, app *handlerstest.App, c *handlerstest.Client, slug, query string) *wsClient {
	t.Helper()
	w, res, err := dialChat(t, app, c, slug, query, app.URL)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("dial %s%s: %v (status %d)", slug, query, err, status)
	}
	return w
}

func (w *wsClient) send(body, clientID string) {
	w.t.Helper()
	b, _ := json.Marshal(map[string]string{"body": body, "client_id": clientID})
	if err := w.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		w.t.Fatalf("send: %v", err)
	}
}

// read reads one frame and records what it held; it returns an error on timeout or close.
func (w *wsClient) read(timeout time.Duration) error {
	_ = w.ws.SetReadDeadline(time.Now().Add(timeout))
	_, data, err := w.ws.ReadMessage()
	if err != nil {
		return err
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(data)))
	if err != nil {
		w.t.Fatalf("parse frame: %v", err)
	}
	doc.Find(".msg").Each(func(_ int, s *goquery.Selection) {
		id, _ := strconv.ParseInt(strings.TrimPrefix(s.AttrOr("id", ""), "msg-"), 10, 64)
		seq, _ := strconv.ParseInt(s.AttrOr("data-seq", ""), 10, 64)
		html, _ := goquery.OuterHtml(s)
		if _, isNew := w.msgs[id]; !isNew || s.Parent().AttrOr("hx-swap-oob", "") == "beforeend:#messages" {
			if s.AttrOr("hx-swap-oob", "") == "" {
				w.seqs = append(w.seqs, seq)
				w.body[seq] = strings.TrimSpace(s.Find(".msg-body").Text())
			}
		}
		w.msgs[id] = html
	})
	doc.Find("#chat-error").Each(func(_ int, s *goquery.Selection) {
		if txt := strings.TrimSpace(s.Text()); txt != "" {
			w.errs = append(w.errs, txt)
		}
	})
	w.held += doc.Find("#chat-held li").Text()
	w.acks += doc.Find("[data-ack]").Length()
	doc.Find("[data-ack]").Each(func(_ int, s *goquery.Selection) { w.acked = append(w.acked, s.AttrOr("data-ack", "")) })
	doc.Find("[data-refused]").Each(func(_ int, s *goquery.Selection) {
		if id := s.AttrOr("data-refused", ""); id != "" {
			w.refused = append(w.refused, id)
		}
	})
	if s := doc.Find("#chat-typing"); s.Length() > 0 {
		w.typing, _ = goquery.OuterHtml(s)
	}
	if s := doc.Find("#chat-presence"); s.Length() > 0 {
		w.presence, _ = goquery.OuterHtml(s)
	}
	if s := doc.Find("#chat-compose"); s.Length() > 0 {
		w.compose, _ = goquery.OuterHtml(s)
	}
	if s := doc.Find("#chat-role"); s.Length() > 0 {
		w.role = s.AttrOr("data-moderator", "")
	}
	if s := doc.Find("#room-state"); s.Length() > 0 {
		w.roomState = strings.TrimSpace(s.Text())
	}
	doc.Find(`[id^="reactions-"][hx-swap-oob]`).Each(func(_ int, s *goquery.Selection) {
		id, _ := strconv.ParseInt(strings.TrimPrefix(s.AttrOr("id", ""), "reactions-"), 10, 64)
		w.reactions[id], _ = s.Html()
	})
	return nil
}

// until reads frames until cond holds, failing the test after timeout.
func (w *wsClient) until(timeout time.Duration, what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		left := time.Until(deadline)
		if left <= 0 {
			w.t.Fatalf("timed out waiting for %s", what)
		}
		if err := w.read(left); err != nil {
			w.t.Fatalf("waiting for %s: %v", what, err)
		}
	}
}

// quiet reads for d and fails if a message frame arrives.
func (w *wsClient) quiet(d time.Duration) {
	w.t.Helper()
	n := len(w.seqs)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if err := w.read(time.Until(deadline)); err != nil {
			break
		}
	}
	if len(w.seqs) != n {
		w.t.Fatalf("unexpected messages: %v", w.seqs[n:])
	}
}

func userID(t *testing.T, app *handlerstest.App, username string) int64 {
	t.Helper()
	u, err := app.Store.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestChatTwoMembersExchangeMessages(t *testing.T) {
	app := newChatApp(t)
	a, b := app.Member("ana"), app.Member("ben")
	joinGroup(t, a, "welcome")
	joinGroup(t, b, "welcome")
	wa, wb := mustDial(t, app, a, "welcome", "?after=0"), mustDial(t, app, b, "welcome", "?after=0")

	wa.send("Hello <b>there</b> https://example.org/x?y=1 @peer_ben", "a-1-client")
	wb.until(waitLong, "ben sees ana's message", func() bool { return len(wb.seqs) == 1 })
	if got := wb.body[1]; got != "Hello <b>there</b> https://example.org/x?y=1 @peer_ben" {
		t.Fatalf("body text = %q", got)
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(wb.msgs[1]))
	body := doc.Find("#msg-1.msg .msg-body")
	if body.Find("b").Length() != 0 {
		t.Error("user HTML was not escaped")
	}
	link := body.Find("a")
	if link.AttrOr("href", "") != "https://example.org/x?y=1" || link.AttrOr("rel", "") != "noopener nofollow ugc" {
		t.Errorf("link = %v %v", link.AttrOr("href", ""), link.AttrOr("rel", ""))
	}
	if body.Find(`.mention[data-mention="peer_ben"]`).Length() != 1 {
		t.Error("mention not marked")
	}
	wa.until(waitLong, "ana's own message and ack", func() bool { return len(wa.seqs) == 1 && wa.acks == 1 })

	wb.send("Hi Ana, welcome", "b-1-client")
	wa.until(waitLong, "ana sees ben's reply", func() bool { return len(wa.seqs) == 2 })
	if wa.body[2] != "Hi Ana, welcome" {
		t.Fatalf("ana got %q", wa.body[2])
	}
	// The page renders the same markup from history, and /groups counts members and online.
	doc = a.Get("/groups/welcome").Doc(t)
	if n := doc.Find("#messages .msg[data-seq]").Length(); n != 2 {
		t.Fatalf("history shows %d messages", n)
	}
	if txt := doc.Find("#msg-1 .msg-body").Text(); !strings.Contains(txt, "Hello <b>there</b>") {
		t.Fatalf("history body = %q", txt)
	}
	list := a.Get("/groups").Doc(t)
	card := list.Find("#group-welcome")
	if !strings.Contains(card.Find(".member-count").Text(), "2 members") || !strings.Contains(card.Find(".online-count").Text(), "2 online") {
		t.Fatalf("group card: %q", card.Text())
	}
}

func TestChatRefusesOutsidersAndForeignOrigins(t *testing.T) {
	app := newChatApp(t)
	mod, outsider, member := app.Member("mod"), app.Member("out"), app.Member("mem")
	ctx := context.Background()
	g, err := app.Store.CreateGroup(ctx, store.GroupInput{Slug: "hidden", Name: "Hidden", Guidelines: "be kind", Visibility: store.Private}, userID(t, app, "mod"))
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Store.Join(ctx, g.ID, userID(t, app, "mem")); err != nil {
		t.Fatal(err)
	}
	wm := mustDial(t, app, member, "hidden", "?after=0")

	cases := []struct {
		name   string
		client *handlerstest.Client
		slug   string
		origin string
		status int
	}{
		{"outsider of private group", outsider, "hidden", app.URL, http.StatusNotFound},
		{"nonexistent group", outsider, "nope", app.URL, http.StatusNotFound},
		{"foreign origin", member, "hidden", "http://evil.example", http.StatusForbidden},
		{"no origin", member, "hidden", "", http.StatusForbidden},
		{"non-member of public group", outsider, "welcome", app.URL, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, res, err := dialChat(t, app, tc.client, tc.slug, "?after=0", tc.origin)
			if err == nil {
				t.Fatal("upgrade succeeded")
			}
			if res == nil || res.StatusCode != tc.status {
				t.Fatalf("status = %v, want %d", res, tc.status)
			}
		})
	}
	// Only the member's own socket carries the message.
	wmod := mustDial(t, app, mod, "hidden", "?after=0")
	wm.send("private words", "m1-client")
	wmod.until(waitLong, "moderator receives", func() bool { return len(wmod.seqs) == 1 })
}

func TestChatPrivateGroupNotFoundParity(t *testing.T) {
	app := newChatApp(t)
	app.Member("mod")
	out := app.Member("out")
	if _, err := app.Store.CreateGroup(context.Background(), store.GroupInput{Slug: "hidden", Name: "Hidden", Visibility: store.Private}, userID(t, app, "mod")); err != nil {
		t.Fatal(err)
	}
	routes := []struct{ method, path string }{
		{"GET", ""}, {"GET", "/messages?before=5"}, {"GET", "/messages/1"}, {"GET", "/messages/1/edit"},
		{"POST", "/messages/1/edit"}, {"POST", "/messages/1/delete"}, {"POST", "/messages/1/react"},
		{"POST", "/join"}, {"POST", "/leave"}, {"GET", "/edit"}, {"GET", "/manage"}, {"POST", "/invites"},
		{"POST", "/requests/1/approve"}, {"GET", "/ws"},
	}
	for _, r := range routes {
		t.Run(r.method+r.path, func(t *testing.T) {
			get := func(slug string) *handlerstest.Response {
				if r.method == "GET" {
					return out.Get("/groups/" + slug + r.path)
				}
				return out.PostForm("/groups/"+slug+r.path, url.Values{"kind": {"heart"}, "body": {"x"}})
			}
			hidden, missing := get("hidden"), get("missing")
			if hidden.Status != http.StatusNotFound || missing.Status != http.StatusNotFound {
				t.Fatalf("statuses %d / %d, want 404", hidden.Status, missing.Status)
			}
			if hidden.Body != missing.Body {
				t.Fatalf("bodies differ:\n%s\n---\n%s", hidden.Body, missing.Body)
			}
		})
	}
	if strings.Contains(out.Get("/groups").Body, "Hidden") {
		t.Fatal("private group listed to an outsider")
	}
}

func TestChatResendGivesOneRowOneBroadcast(t *testing.T) {
	app := newChatApp(t)
	a, b := app.Member("ana"), app.Member("ben")
	joinGroup(t, a, "welcome")
	joinGroup(t, b, "welcome")
	wa, wb := mustDial(t, app, a, "welcome", "?after=0"), mustDial(t, app, b, "welcome", "?after=0")
	wa.send("only once", "same-id-client")
	wa.send("only once", "same-id-client")
	wa.until(waitLong, "two acks", func() bool { return wa.acks == 2 })
	wb.until(waitLong, "one message", func() bool { return len(wb.seqs) == 1 })
	wb.quiet(300 * time.Millisecond)
	if len(wa.seqs) != 1 {
		t.Fatalf("sender got %v", wa.seqs)
	}
	g, _ := app.Store.GroupBySlug(context.Background(), "welcome")
	if n, _ := app.Store.CountMessages(context.Background(), g.ID); n != 1 {
		t.Fatalf("%d rows", n)
	}
	// A resend on a fresh socket that already has the message gets nothing new either;
	// one that has not seen it gets the original.
	wc := mustDial(t, app, a, "welcome", "?after=0")
	wc.send("only once", "same-id-client")
	wc.until(waitLong, "ack on new socket", func() bool { return wc.acks == 1 && len(wc.seqs) == 1 })
	wb.quiet(200 * time.Millisecond)
}

func TestChatReconnectCatchesUpExactly(t *testing.T) {
	app := newChatApp(t, func(o *chat.Options) { o.SendRate, o.SendBurst = 1000, 1000 })
	a, b := app.Member("ana"), app.Member("ben")
	joinGroup(t, a, "welcome")
	joinGroup(t, b, "welcome")
	wa := mustDial(t, app, a, "welcome", "?after=0")
	for i := 1; i <= 6; i++ {
		wa.send(fmt.Sprint("m", i), fmt.Sprint("client-c", i))
	}
	wa.until(waitLong, "six messages", func() bool { return len(wa.seqs) == 6 })

	// ?after=N: exactly the missed ones, in order.
	wb := mustDial(t, app, b, "welcome", "?after=2")
	wb.until(waitLong, "catch-up", func() bool { return len(wb.seqs) == 4 })
	// Messages sent during and after catch-up arrive once, in order.
	wa.send("m7", "c7-client")
	wb.until(waitLong, "live after catch-up", func() bool { return len(wb.seqs) == 5 })
	wb.quiet(200 * time.Millisecond)
	if fmt.Sprint(wb.seqs) != "[3 4 5 6 7]" {
		t.Fatalf("seqs = %v", wb.seqs)
	}

	// A resume frame (what the page sends on open) works the same.
	wr := mustDial(t, app, b, "welcome", "")
	if err := wr.ws.WriteMessage(websocket.TextMessage, []byte(`{"resume":"5"}`)); err != nil {
		t.Fatal(err)
	}
	wr.until(waitLong, "resume catch-up", func() bool { return len(wr.seqs) == 2 })
	if fmt.Sprint(wr.seqs) != "[6 7]" || wr.body[6] != "m6" {
		t.Fatalf("resume seqs = %v", wr.seqs)
	}
	// Without ?after or resume the socket starts at the end as of connecting: a message
	// sent while it waits for a resume frame still reaches it.
	wn := mustDial(t, app, b, "welcome", "")
	wa.send("m8", "c8-client")
	wn.until(waitLong, "live only", func() bool { return len(wn.seqs) == 1 })
	if wn.seqs[0] != 8 {
		t.Fatalf("fresh socket got %v", wn.seqs)
	}
}

// TestChatSlowClientDoesNotDelayOthers: while a member's client has stopped reading (its
// socket's buffers full, the writer blocked on it) the other members of the room receive
// everything. The assertion is an order, not a time: every message reached the reader
// while the slow client was still connected and blocked. (The slow client is kept: its
// queue bounds and write deadline are raised; TestSocketOverByteBoundDropped in
// handlers/chat covers dropping it.)
func TestChatSlowClientDoesNotDelayOthers(t *testing.T) {
	app := newChatApp(t, func(o *chat.Options) {
		// The sender here posts as fast as commits go, far above any member's limit.
		o.SendRate, o.SendBurst = 10000, 10000
		o.QueueLen, o.MaxQueuedBytes, o.WriteWait = 1<<14, 64<<20, time.Minute
	})
	a, b, s := app.Member("ana"), app.Member("ben"), app.Member("sid")
	for _, c := range []*handlerstest.Client{a, b, s} {
		joinGroup(t, c, "welcome")
	}
	wa, wb := mustDial(t, app, a, "welcome", "?after=0"), mustDial(t, app, b, "welcome", "?after=0")
	dialSlow(t, app, s, "welcome")                              // never reads
	big := strings.Repeat("a long and heartfelt message ", 130) // ~3.8k chars
	const n = 600                                               // ~2.3 MB of frames: more than the kernel buffers between server and slow client
	go func() {                                                 // the sender reads too, or it would be the slow one
		for {
			if _, _, err := wa.ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	go func() {
		for i := range n {
			b, _ := json.Marshal(map[string]string{"body": big, "client_id": fmt.Sprint("client-x", i)})
			if err := wa.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				return
			}
		}
	}()
	got := 0
	_ = wb.ws.SetReadDeadline(time.Now().Add(2 * time.Minute))
	for got < n {
		_, data, err := wb.ws.ReadMessage()
		if err != nil {
			t.Fatalf("reader after %d messages: %v", got, err)
		}
		got += strings.Count(string(data), ` data-seq="`)
	}
	// All three are still online: the slow client was neither dropped nor waited for.
	card := a.Get("/groups").Doc(t).Find("#group-welcome .online-count").Text()
	if !strings.Contains(card, "3 online") {
		t.Fatalf("online after the reader got everything: %q, want the slow client still connected", card)
	}
}

// dialSlow connects with a tiny receive buffer, so a client that does not read backs up
// quickly, as a stalled phone would.
func dialSlow(t *testing.T, app *handlerstest.App, c *handlerstest.Client, slug string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		// Set before connecting, so the advertised window stays small.
		nd := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) {
				_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
			})
		}}
		return nd.DialContext(ctx, network, addr)
	}}
	h := http.Header{"Origin": {app.URL}, "Cookie": {"hearth_session=" + c.Cookie("hearth_session")}}
	ws, _, err := d.Dial(strings.Replace(app.URL, "http://", "ws://", 1)+"/groups/"+slug+"/ws?after=0", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// TestChatRevocationClosesSocket: the store's change feed closes the sockets a change
// revokes; the periodic backstop runs once an hour here, so it cannot be what closes them.
func TestChatRevocationClosesSocket(t *testing.T) {
	app := newChatApp(t, slowRecheck)
	ctx := context.Background()
	expectClose := func(t *testing.T, w *wsClient, code int) {
		t.Helper()
		start := time.Now()
		_ = w.ws.SetReadDeadline(time.Now().Add(waitLong))
		for {
			_, _, err := w.ws.ReadMessage()
			if err == nil {
				continue
			}
			ce, ok := err.(*websocket.CloseError)
			if !ok || ce.Code != code {
				t.Fatalf("after %v: %v, want close %d", time.Since(start), err, code)
			}
			return
		}
	}
	t.Run("logout", func(t *testing.T) {
		c := app.Member("lou")
		joinGroup(t, c, "welcome")
		w := mustDial(t, app, c, "welcome", "?after=0")
		if r := c.PostForm("/logout", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", r.Status)
		}
		expectClose(t, w, websocket.ClosePolicyViolation)
	})
	t.Run("session ended elsewhere", func(t *testing.T) {
		c := app.Member("sam")
		joinGroup(t, c, "welcome")
		w := mustDial(t, app, c, "welcome", "?after=0")
		id := userID(t, app, "sam")
		sessions, _ := app.Store.ListSessions(ctx, id)
		for _, s := range sessions { // through the store, as the account page does, not the logout route
			if err := app.Store.DeleteSession(ctx, id, s.ID); err != nil {
				t.Fatal(err)
			}
		}
		expectClose(t, w, websocket.ClosePolicyViolation)
	})
	t.Run("leave", func(t *testing.T) {
		c := app.Member("lee")
		joinGroup(t, c, "welcome")
		w := mustDial(t, app, c, "welcome", "?after=0")
		if r := c.PostForm("/groups/welcome/leave", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("leave: %d", r.Status)
		}
		expectClose(t, w, websocket.ClosePolicyViolation)
	})
	t.Run("removed elsewhere", func(t *testing.T) {
		c := app.Member("rem")
		joinGroup(t, c, "welcome")
		w := mustDial(t, app, c, "welcome", "?after=0")
		g, _ := app.Store.GroupBySlug(ctx, "welcome")
		if err := app.Store.Leave(ctx, g.ID, userID(t, app, "rem")); err != nil {
			t.Fatal(err)
		}
		expectClose(t, w, websocket.ClosePolicyViolation)
	})
	t.Run("account deleted", func(t *testing.T) {
		c := app.Member("del")
		joinGroup(t, c, "welcome")
		w := mustDial(t, app, c, "welcome", "?after=0")
		if err := app.Store.DeleteUser(ctx, userID(t, app, "del")); err != nil {
			t.Fatal(err)
		}
		expectClose(t, w, websocket.ClosePolicyViolation)
	})
}

func TestChatEditDeleteReactPropagate(t *testing.T) {
	app := newChatApp(t)
	a, b := app.Member("ana"), app.Member("ben")
	joinGroup(t, a, "welcome")
	joinGroup(t, b, "welcome")
	wa, wb := mustDial(t, app, a, "welcome", "?after=0"), mustDial(t, app, b, "welcome", "?after=0")
	wa.send("first try", "e1-client")
	wb.until(waitLong, "message", func() bool { return len(wb.seqs) == 1 })
	_ = wa
	hx := func(c *handlerstest.Client, path string, form url.Values) *handlerstest.Response {
		return c.PostRaw(path, form, http.Header{"Hx-Request": {"true"}, "X-Csrf-Token": {c.CSRF()}})
	}
	if r := hx(b, "/groups/welcome/messages/1/edit", url.Values{"body": {"hijack"}}); r.Status != http.StatusForbidden {
		t.Fatalf("edit by other: %d", r.Status)
	}
	if r := hx(a, "/groups/welcome/messages/1/edit", url.Values{"body": {"second try"}}); r.Status != http.StatusOK {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	wb.until(waitLong, "edit", func() bool {
		return strings.Contains(wb.msgs[1], "second try") && strings.Contains(wb.msgs[1], "edited")
	})

	if r := hx(b, "/groups/welcome/messages/1/react", url.Values{"kind": {"heart"}}); r.Status != http.StatusNoContent {
		t.Fatalf("react: %d", r.Status)
	}
	wb.until(waitLong, "reaction", func() bool { return strings.Contains(wb.reactions[1], `class="reaction-count">1<`) })

	if r := hx(a, "/groups/welcome/messages/1/delete", nil); r.Status != http.StatusOK {
		t.Fatalf("delete: %d", r.Status)
	}
	wb.until(waitLong, "removal", func() bool { return strings.Contains(wb.msgs[1], "message removed") })
	if strings.Contains(wb.msgs[1], "second try") {
		t.Fatal("removed text still sent")
	}
}

func TestChatLimits(t *testing.T) {
	// The limits' clock stands still, so the burst admits exactly 5 however slow the run.
	still := time.Now()
	app := newChatApp(t, func(o *chat.Options) { o.Now = func() time.Time { return still } })
	a := app.Member("ana")
	joinGroup(t, a, "welcome")
	w := mustDial(t, app, a, "welcome", "?after=0")
	w.send(strings.Repeat("x", chat.MaxBodyChars+1), "l1-client")
	w.until(waitLong, "too long", func() bool { return len(w.errs) == 1 })
	if !strings.Contains(w.errs[0], "4,000") {
		t.Fatalf("error = %q", w.errs[0])
	}
	w.send("   \n ", "l2-client")
	w.until(waitLong, "empty", func() bool { return len(w.errs) == 2 })
	if !strings.Contains(w.errs[1], "empty") {
		t.Fatalf("error = %q", w.errs[1])
	}
	w.send(strings.Repeat("é", chat.MaxBodyChars), "l3-client") // exactly at the limit is fine
	for i := range 8 {
		w.send("quick", fmt.Sprint("client-q", i))
	}
	// Each of the 9 gets an answer: an ack or a refusal. The limiter refills in real time
	// (1 a second), so a slow run may admit a sixth: assert the burst and the refusal, not
	// an exact count.
	w.until(waitLong, "an answer to each", func() bool { return w.acks+len(w.errs)-2 == 9 })
	if len(w.errs) < 3 || !strings.Contains(w.errs[2], "slow down") {
		t.Fatalf("errors = %q, want a slow down", w.errs)
	}
	w.until(waitLong, "the accepted messages", func() bool { return len(w.seqs) == w.acks })
	g, _ := app.Store.GroupBySlug(context.Background(), "welcome")
	if n, _ := app.Store.CountMessages(context.Background(), g.ID); n != w.acks || n < 5 || n == 9 {
		t.Fatalf("%d rows for %d acks; want the burst of 5 (or a little more on a slow run), never all 9", n, w.acks)
	}
}

func TestChatPresenceAndTyping(t *testing.T) {
	app := newChatApp(t)
	a, b := app.Member("ana"), app.Member("ben")
	joinGroup(t, a, "welcome")
	joinGroup(t, b, "welcome")
	wa := mustDial(t, app, a, "welcome", "?after=0")
	var presence, typing string
	watch := func(w *wsClient) func() error {
		return func() error {
			_ = w.ws.SetReadDeadline(time.Now().Add(waitLong))
			_, data, err := w.ws.ReadMessage()
			if err != nil {
				return err
			}
			doc, _ := goquery.NewDocumentFromReader(strings.NewReader(string(data)))
			if s := doc.Find("#chat-presence"); s.Length() > 0 {
				presence = s.Text()
			}
			if s := doc.Find("#chat-typing"); s.Length() > 0 {
				typing = s.Text()
			}
			return nil
		}
	}
	next := watch(wa)
	wb := mustDial(t, app, b, "welcome", "?after=0")
	for !strings.Contains(presence, "peer_ben") {
		if err := next(); err != nil {
			t.Fatalf("presence: %v (last %q)", err, presence)
		}
	}
	if err := wb.ws.WriteMessage(websocket.TextMessage, []byte(`{"body":"hel","client_id":"t-client","typing":"1"}`)); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(typing, "peer_ben is typing") {
		if err := next(); err != nil {
			t.Fatalf("typing: %v (last %q)", err, typing)
		}
	}
	wb.ws.Close()
	for strings.Contains(presence, "peer_ben") {
		if err := next(); err != nil {
			t.Fatalf("presence after leave: %v (last %q)", err, presence)
		}
	}
	g, _ := app.Store.GroupBySlug(context.Background(), "welcome")
	if n, _ := app.Store.CountMessages(context.Background(), g.ID); n != 0 {
		t.Fatal("a typing frame was stored as a message")
	}
}

func TestChatNoGoroutineLeaks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	t.Run("session", func(t *testing.T) {
		app := newChatApp(t)
		a := app.Member("ana")
		joinGroup(t, a, "welcome")
		w := mustDial(t, app, a, "welcome", "?after=0")
		w.send("hello", "g1-client")
		w.until(waitLong, "message", func() bool { return len(w.seqs) == 1 })
		a.HTTP.CloseIdleConnections()
	})
}

// TestChatNoResumeStartsAtConnect: a socket opened without ?after that never sends a resume
// frame starts at the group's end as of connecting, so a message sent while it waits for
// the resume frame reaches it (it used to start at the end measured when the wait ran out,
// and never received that message).
func TestChatNoResumeStartsAtConnect(t *testing.T) {
	app := newChatApp(t, func(o *chat.Options) { o.ResumeWait = 2 * time.Second })
	a, b := app.Member("ana"), app.Member("ben")
	joinGroup(t, a, "welcome")
	joinGroup(t, b, "welcome")
	wa := mustDial(t, app, a, "welcome", "?after=0")
	wa.send("before ben connects", "n1-client")
	wa.until(waitLong, "the first message", func() bool { return len(wa.seqs) == 1 })
	wb := mustDial(t, app, b, "welcome", "") // no ?after, no resume frame
	wa.send("while ben's socket waits", "n2-client")
	wa.until(waitLong, "the second message committed", func() bool { return len(wa.seqs) == 2 })
	wb.until(waitLong, "the message sent during the resume wait", func() bool { return len(wb.seqs) == 1 })
	if wb.seqs[0] != 2 {
		t.Fatalf("ben got %v, want [2]", wb.seqs)
	}
}

// TestChatClientIDsFromTheBrowser: the page makes each message's client_id; the server
// takes any 8–64 characters of base64url, refuses others, and its ack or refusal names the
// id it answers, so a page with several unsent messages knows which one was taken.
func TestChatClientIDsFromTheBrowser(t *testing.T) {
	app := newChatApp(t)
	a := app.Member("ana")
	joinGroup(t, a, "welcome")
	w := mustDial(t, app, a, "welcome", "?after=0")

	for _, bad := range []string{"", "short", "has spaces in it", "quote\"d-id-1234", strings.Repeat("x", 65)} {
		errs := len(w.errs)
		w.send("hello", bad)
		w.until(waitLong, "a refusal of id "+bad, func() bool { return len(w.errs) > errs })
		if !strings.Contains(w.errs[len(w.errs)-1], "missing its id") {
			t.Fatalf("id %q: error %q", bad, w.errs[len(w.errs)-1])
		}
	}
	if len(w.refused) != 0 || w.acks != 0 {
		t.Fatalf("an invalid id was named (refused %q) or acknowledged (%d)", w.refused, w.acks)
	}

	first, second := "AAAAAAAAAAAAAAAAAAAAAA", "b_-9zZ0aQ1w2E3r4T5y6U7"
	w.send("first", first)
	w.send(strings.Repeat("x", chat.MaxBodyChars+1), "too-long-message-1")
	w.send("second", second)
	w.until(waitLong, "two acks and a refusal", func() bool { return len(w.acked) == 2 && len(w.refused) == 1 })
	if w.acked[0] != first || w.acked[1] != second {
		t.Fatalf("acks name %q, want %q then %q", w.acked, first, second)
	}
	if w.refused[0] != "too-long-message-1" || !strings.Contains(w.errs[len(w.errs)-1], "longer than 4,000") {
		t.Fatalf("refusal names %q with %q", w.refused, w.errs)
	}
	// A resend of an acknowledged id is acknowledged again, by name, and stored once.
	w.send("first", first)
	w.until(waitLong, "the resend's ack", func() bool { return len(w.acked) == 3 })
	if w.acked[2] != first {
		t.Fatalf("resend ack names %q", w.acked[2])
	}
	w.until(waitLong, "both messages", func() bool { return len(w.seqs) == 2 })
	g, _ := app.Store.GroupBySlug(context.Background(), "welcome")
	if n, _ := app.Store.CountMessages(context.Background(), g.ID); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
}

// TestChatTypingFrameNamesTypistsByID: the typing frame is shared by the room, so it marks
// each typist's user id and the typer's own page can leave itself out; it carries no text
// of the draft even when a client sends some along.
func TestChatTypingFrameNamesTypistsByID(t *testing.T) {
	app := newChatApp(t)
	a, b := app.Member("ana"), app.Member("ben")
	joinGroup(t, a, "welcome")
	joinGroup(t, b, "welcome")
	wa := mustDial(t, app, a, "welcome", "?after=0")
	wb := mustDial(t, app, b, "welcome", "?after=0")
	if err := wb.ws.WriteMessage(websocket.TextMessage, []byte(`{"typing":"1","body":"secret draft words"}`)); err != nil {
		t.Fatal(err)
	}
	benID := strconv.FormatInt(userID(t, app, "ben"), 10)
	marked := func(w *wsClient) func() bool {
		return func() bool { return strings.Contains(w.typing, `data-user-id="`+benID+`"`) }
	}
	wa.until(waitLong, "ben typing, on ana's socket", marked(wa))
	wb.until(waitLong, "ben typing, on ben's own socket", marked(wb))
	for _, w := range []*wsClient{wa, wb} {
		if strings.Contains(w.typing, "secret") {
			t.Fatalf("the typing frame carries the draft: %s", w.typing)
		}
		if !strings.Contains(w.typing, `data-typists="`+benID+`"`) || !strings.Contains(w.typing, "peer_ben") {
			t.Fatalf("typing frame %s", w.typing)
		}
	}
}

// TestChatPresenceCarriesMemberCount: the presence line says how many members the group
// has, and a new member's arrival updates it live.
func TestChatPresenceCarriesMemberCount(t *testing.T) {
	app := newChatApp(t)
	a, b := app.Member("ana"), app.Member("ben")
	joinGroup(t, a, "welcome")
	wa := mustDial(t, app, a, "welcome", "?after=0")
	g, _ := app.Store.GroupBySlug(context.Background(), "welcome")
	want := fmt.Sprintf(`data-members="%d"`, g.MemberCount)
	wa.until(waitLong, "presence with the count", func() bool { return strings.Contains(wa.presence, want) })
	joinGroup(t, b, "welcome")
	mustDial(t, app, b, "welcome", "?after=0")
	want = fmt.Sprintf(`data-members="%d"`, g.MemberCount+1)
	wa.until(waitLong, "presence with ben counted", func() bool {
		return strings.Contains(wa.presence, want) && strings.Contains(wa.presence, "peer_ben")
	})
	if page := a.Get("/groups/welcome"); !strings.Contains(page.Body, want) {
		t.Fatalf("the page's presence lacks %s", want)
	}
}
