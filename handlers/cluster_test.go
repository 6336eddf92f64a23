package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats-server/v2/server"
	"golang.org/x/time/rate"

	"github.com/hearth-community/hearth/cluster"
	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// Cluster tests: two or three full Hearth nodes in one process, each its own http server
// and hub, sharing one SQLite file and an embedded NATS server, with real websocket clients.

// natsServer is an embedded NATS server that a test can stop and start again on its port.
type natsServer struct {
	t    *testing.T
	port int
	s    *server.Server
}

func startNATS(t *testing.T) *natsServer {
	t.Helper()
	n := &natsServer{t: t, port: server.RANDOM_PORT}
	n.start()
	n.port = n.s.Addr().(*net.TCPAddr).Port
	t.Cleanup(func() { n.stop() })
	return n
}

func (n *natsServer) start() {
	n.t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: n.port, NoLog: true, NoSigs: true})
	if err != nil {
		n.t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		n.t.Fatal("NATS server not ready")
	}
	n.s = s
}

func (n *natsServer) stop() {
	if n.s != nil {
		n.s.Shutdown()
		n.s.WaitForShutdown()
		n.s = nil
	}
}

func (n *natsServer) url() string { return "nats://127.0.0.1:" + strconv.Itoa(n.port) }

// fastCluster is the cluster's options with short timers for tests.
func fastCluster(ns *natsServer) cluster.Options {
	return cluster.Options{URL: ns.url(), CheckEvery: 200 * time.Millisecond, PresenceTick: 50 * time.Millisecond,
		PresenceEvery: 300 * time.Millisecond, PresenceTTL: 2 * time.Second, ReconnectWait: 100 * time.Millisecond}
}

// unlimitedChat lets members post as fast as the test can.
func unlimitedChat(o *chat.Options) {
	fastChat(o)
	o.SendRate, o.SendBurst = rate.Inf, 1<<20
}

// twoNodes starts node A on a fresh database and node B on the same file, both linked
// through ns; tune adjusts each node's cluster options (index 0 for A).
func twoNodes(t *testing.T, ns *natsServer, tune ...func(i int, o *cluster.Options)) (a, b *handlerstest.App) {
	t.Helper()
	opts := func(i int) []handlerstest.Option {
		co := fastCluster(ns)
		for _, f := range tune {
			f(i, &co)
		}
		return []handlerstest.Option{handlerstest.WithChat(unlimitedChat), handlerstest.WithCluster(co)}
	}
	a = handlerstest.New(t, opts(0)...)
	b = a.Peer(opts(1)...)
	return a, b
}

// readUntil reads frames until cond holds, returning an error (never failing the test) so
// it can run on a goroutine.
func (w *wsClient) readUntil(timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		left := time.Until(deadline)
		if left <= 0 {
			return errors.New("timed out")
		}
		if err := w.read(left); err != nil {
			return err
		}
	}
	return nil
}

// wantSeqs checks that a client received exactly the sequences 1..n, in order, once each.
func wantSeqs(t *testing.T, name string, got []int64, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%s received %d messages, want %d", name, len(got), n)
	}
	for i, s := range got {
		if s != int64(i+1) {
			t.Fatalf("%s: message %d has sequence %d (order, gap or duplicate): %v", name, i, s, got[max(0, i-3):min(len(got), i+3)])
		}
	}
}

func lastSeq(t *testing.T, app *handlerstest.App, slug string) int64 {
	t.Helper()
	g, err := app.Store.GroupBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	n, err := app.Store.LastSeq(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// poster sends n messages over its socket, each after the previous one's ack, and
// remembers the acknowledged client ids.
func poster(w *wsClient, prefix string, n int) error {
	for i := range n {
		id := fmt.Sprintf("%s-msg-%04d", prefix, i)
		w.send("message "+id, id)
		if err := w.readUntil(waitLong, func() bool { return slices.Contains(w.acked, id) || slices.Contains(w.refused, id) }); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		if slices.Contains(w.refused, id) {
			return fmt.Errorf("%s refused: %v", id, w.errs)
		}
	}
	return nil
}

// dialAlternating makes n members named prefix0, prefix1, ... in the welcome group, each on
// a and b in turn, and opens their rooms from the start.
func dialAlternating(t *testing.T, a, b *handlerstest.App, prefix string, n int) []*wsClient {
	t.Helper()
	var ws []*wsClient
	for i := range n {
		node := []*handlerstest.App{a, b}[i%2]
		c := node.Member(prefix + strconv.Itoa(i))
		joinGroup(t, c, "welcome")
		ws = append(ws, mustDial(t, node, c, "welcome", "?after=0"))
	}
	return ws
}

// postAll has every sender post n messages at once (client ids prefix<i>-msg-NNNN) and
// fails the test on the first refusal or timeout.
func postAll(t *testing.T, senders []*wsClient, prefix string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(senders))
	for i, w := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- poster(w, prefix+strconv.Itoa(i), n)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestClusterOrderingAcrossNodes(t *testing.T) {
	ns := startNATS(t)
	a, b := twoNodes(t, ns)
	const posters, each = 4, 250 // 1,000 messages, half through each node
	senders := dialAlternating(t, a, b, "poster", posters)
	observers := dialAlternating(t, a, b, "watcher", 4)
	var wg sync.WaitGroup
	errs := make(chan error, posters)
	for i, w := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- poster(w, "p"+strconv.Itoa(i), each)
		}()
	}
	for _, w := range observers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.readUntil(2*waitLong, func() bool { return len(w.seqs) >= posters*each }); err != nil {
				errs <- fmt.Errorf("observer: %w (has %d)", err, len(w.seqs))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := lastSeq(t, a, "welcome"); n != posters*each {
		t.Fatalf("last sequence %d, want %d", n, posters*each)
	}
	for i, w := range observers {
		w.quiet(300 * time.Millisecond)
		wantSeqs(t, "observer "+strconv.Itoa(i), w.seqs, posters*each)
	}
	for i, w := range senders {
		if err := w.readUntil(waitLong, func() bool { return len(w.seqs) >= posters*each }); err != nil {
			t.Fatal(err)
		}
		wantSeqs(t, "poster "+strconv.Itoa(i), w.seqs, posters*each)
	}
}

func TestClusterConcurrentPostersGetSequences(t *testing.T) {
	ns := startNATS(t)
	a, b := twoNodes(t, ns)
	const posters, each = 16, 10
	senders := dialAlternating(t, a, b, "poster", posters)
	postAll(t, senders, "c", each)
	g, _ := a.Store.GroupBySlug(context.Background(), "welcome")
	msgs, err := a.Store.MessagesAfter(context.Background(), g.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	seqs := make([]int64, len(msgs))
	for i, m := range msgs {
		seqs[i] = m.Seq
	}
	wantSeqs(t, "the database", seqs, posters*each)
	for i, w := range senders {
		if err := w.readUntil(waitLong, func() bool { return len(w.seqs) >= posters*each }); err != nil {
			t.Fatal(err)
		}
		wantSeqs(t, "poster "+strconv.Itoa(i), w.seqs, posters*each)
	}
}

func TestClusterNATSOutageConverges(t *testing.T) {
	ns := startNATS(t)
	a, b := twoNodes(t, ns)
	var senders, observers []*wsClient
	for i, node := range []*handlerstest.App{a, b} {
		c := node.Member("poster" + strconv.Itoa(i))
		joinGroup(t, c, "welcome")
		senders = append(senders, mustDial(t, node, c, "welcome", "?after=0"))
		o := node.Member("watcher" + strconv.Itoa(i))
		joinGroup(t, o, "welcome")
		observers = append(observers, mustDial(t, node, o, "welcome", "?after=0"))
	}
	postAll(t, senders, "before", 30)
	ns.stop()
	postAll(t, senders, "during", 30) // committed and acknowledged while the nodes cannot reach each other
	time.Sleep(3 * time.Second)
	ns.start()
	restarted := time.Now()
	postAll(t, senders, "after", 30)
	total := int(lastSeq(t, a, "welcome"))
	if total != 180 {
		t.Fatalf("last sequence %d, want 180", total)
	}
	for i, w := range append(observers, senders...) {
		if err := w.readUntil(waitLong, func() bool { return len(w.seqs) >= total }); err != nil {
			t.Fatalf("client %d: %v (has %d of %d)", i, err, len(w.seqs), total)
		}
		wantSeqs(t, "client "+strconv.Itoa(i), w.seqs, total)
	}
	t.Logf("every client converged %v after NATS came back", time.Since(restarted).Round(time.Millisecond))
}

func TestClusterPositionCheckFillsDroppedFinalFrame(t *testing.T) {
	ns := startNATS(t)
	var drop atomic.Bool
	a, b := twoNodes(t, ns, func(i int, o *cluster.Options) {
		if i == 0 {
			o.Drop = func(subject string) bool {
				return strings.HasPrefix(subject, "hearth.g.") && drop.Swap(false)
			}
		}
	})
	pa := a.Member("pat")
	joinGroup(t, pa, "welcome")
	wb := b.Member("bob")
	joinGroup(t, wb, "welcome")
	sender := mustDial(t, a, pa, "welcome", "?after=0")
	watcher := mustDial(t, b, wb, "welcome", "?after=0")
	if err := poster(sender, "first", 2); err != nil {
		t.Fatal(err)
	}
	if err := watcher.readUntil(waitLong, func() bool { return len(watcher.seqs) == 2 }); err != nil {
		t.Fatal(err)
	}
	drop.Store(true) // the next message's range never reaches node B
	if err := poster(sender, "final", 1); err != nil {
		t.Fatal(err)
	}
	if drop.Load() {
		t.Fatal("the test hook dropped nothing")
	}
	if err := watcher.readUntil(waitLong, func() bool { return len(watcher.seqs) == 3 }); err != nil {
		t.Fatalf("the dropped final message never arrived: %v (has %v)", err, watcher.seqs)
	}
	wantSeqs(t, "watcher", watcher.seqs, 3)
}

func TestClusterChangesConverge(t *testing.T) {
	ns := startNATS(t)
	a, b := twoNodes(t, ns)
	ctx := context.Background()
	admin := a.Member("admin") // the first account is the site's admin
	ana, ben := a.Member("ana"), a.Member("ben")
	joinGroup(t, ana, "welcome")
	joinGroup(t, ben, "welcome")
	sender := mustDial(t, a, ana, "welcome", "?after=0")
	watcher := mustDial(t, b, ben, "welcome", "?after=0")
	if err := poster(sender, "orig", 6); err != nil {
		t.Fatal(err)
	}
	if err := watcher.readUntil(waitLong, func() bool { return len(watcher.seqs) == 6 }); err != nil {
		t.Fatal(err)
	}
	g, _ := a.Store.GroupBySlug(ctx, "welcome")
	msgs, err := a.Store.MessagesAfter(ctx, g.ID, 0, 10)
	if err != nil || len(msgs) != 6 {
		t.Fatalf("messages: %v %d", err, len(msgs))
	}
	hx := func(c *handlerstest.Client, path string, form url.Values) *handlerstest.Response {
		return c.PostRaw(path, form, http.Header{"Hx-Request": {"true"}, "X-Csrf-Token": {c.CSRF()}})
	}
	path := func(i int, action string) string {
		return "/groups/welcome/messages/" + strconv.FormatInt(msgs[i].ID, 10) + "/" + action
	}
	change := func(round string, edit, del, react, hide int) {
		t.Helper()
		if r := hx(ana, path(edit, "edit"), url.Values{"body": {"edited " + round}}); r.Status != http.StatusOK {
			t.Fatalf("edit: %d %s", r.Status, r.Body)
		}
		if r := hx(ana, path(del, "delete"), nil); r.Status != http.StatusOK {
			t.Fatalf("delete: %d", r.Status)
		}
		if r := hx(ben, path(react, "react"), url.Values{"kind": {"heart"}}); r.Status != http.StatusNoContent {
			t.Fatalf("react: %d", r.Status)
		}
		mustStatus(t, admin.PostForm("/mod/messages/"+strconv.FormatInt(msgs[hide].ID, 10)+"/hide", url.Values{"reason": {"test"}}),
			http.StatusSeeOther, "hide")
	}
	converged := func(round string, edit, del, react, hide int) {
		t.Helper()
		id := func(i int) int64 { return msgs[i].ID }
		if err := watcher.readUntil(waitLong, func() bool {
			return strings.Contains(watcher.msgs[id(edit)], "edited "+round) &&
				strings.Contains(watcher.msgs[id(del)], "message removed") &&
				(strings.Contains(watcher.reactions[id(react)], `reaction-count">1<`) || strings.Contains(watcher.msgs[id(react)], `reaction-count">1<`)) &&
				strings.Contains(watcher.msgs[id(hide)], "hidden by a moderator")
		}); err != nil {
			t.Fatalf("%s: node B's client did not converge: %v", round, err)
		}
	}
	// Connected: each change on node A reaches node B's socket live.
	change("live", 0, 1, 2, 3)
	converged("live", 0, 1, 2, 3)
	// Made while the nodes were cut off from each other: they arrive after NATS is back.
	ns.stop()
	change("offline", 4, 5, 4, 0)
	ns.start()
	converged("offline", 4, 5, 4, 0)
}

func TestClusterRevokedSessionClosesOtherNodesSocket(t *testing.T) {
	ns := startNATS(t)
	noBackstop := handlerstest.WithChat(func(o *chat.Options) {
		unlimitedChat(o)
		o.AuthEvery = time.Hour // not the backstop: the broker must carry the revocation
	})
	a := handlerstest.New(t, noBackstop, handlerstest.WithCluster(fastCluster(ns)))
	b := a.Peer(noBackstop, handlerstest.WithCluster(fastCluster(ns)))
	c := a.Member("lou")
	joinGroup(t, c, "welcome")
	w := mustDial(t, b, c, "welcome", "?after=0")
	if r := c.PostForm("/logout", nil); r.Status != http.StatusSeeOther { // on node A
		t.Fatalf("logout: %d", r.Status)
	}
	loggedOut := time.Now()
	_ = w.ws.SetReadDeadline(time.Now().Add(waitLong))
	for {
		_, _, err := w.ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation {
			t.Fatalf("after %v: %v, want close 1008", time.Since(loggedOut), err)
		}
		break
	}
	// With the backstop an hour away only the broker can have closed it; how fast is logged,
	// not asserted (a busy machine would make a wall-clock bound flaky): 1 s is the issue's
	// target, and on a quiet machine it takes a few milliseconds.
	t.Logf("node B closed the revoked session's socket %v after the logout on node A", time.Since(loggedOut))
}

func TestClusterPresenceAndTypingAcrossNodes(t *testing.T) {
	ns := startNATS(t)
	var dead atomic.Bool // node A "dies": it publishes nothing more, not even its goodbye
	a, b := twoNodes(t, ns, func(i int, o *cluster.Options) {
		if i == 0 {
			o.Drop = func(string) bool { return dead.Load() }
		}
	})
	ca, cb := a.Member("amy"), b.Member("bea")
	joinGroup(t, ca, "welcome")
	joinGroup(t, cb, "welcome")
	wa := mustDial(t, a, ca, "welcome", "?after=0")
	wb := mustDial(t, b, cb, "welcome", "?after=0")
	wb.until(waitLong, "amy's presence on node B", func() bool {
		return strings.Contains(wb.presence, "peer_amy") && strings.Contains(wb.presence, "peer_bea")
	})
	if err := wa.ws.WriteMessage(websocket.TextMessage, []byte(`{"typing":"1"}`)); err != nil {
		t.Fatal(err)
	}
	wb.until(waitLong, "amy typing on node B", func() bool { return strings.Contains(wb.typing, "peer_amy") })
	dead.Store(true)
	a.Stop()
	wb.until(waitLong, "amy gone from node B", func() bool {
		return !strings.Contains(wb.presence, "peer_amy") && strings.Contains(wb.presence, "peer_bea")
	})
}

func TestClusterNodeClosedMidBurst(t *testing.T) {
	ns := startNATS(t)
	a, b := twoNodes(t, ns)
	type member struct {
		c    *handlerstest.Client
		w    *wsClient
		node *handlerstest.App
	}
	var ms []*member
	for i := range 4 {
		node := []*handlerstest.App{a, b}[i%2]
		c := node.Member("member" + strconv.Itoa(i))
		joinGroup(t, c, "welcome")
		ms = append(ms, &member{c: c, node: node, w: mustDial(t, node, c, "welcome", "?after=0")})
	}
	const each = 60
	var killOnce sync.Once
	stopped := make(chan struct{})
	var sent atomic.Int64
	acked := make([][]string, len(ms))
	var wg sync.WaitGroup
	errs := make(chan error, len(ms))
	for i, m := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < each; {
				id := fmt.Sprintf("m%d-msg-%04d", i, k)
				m.w.send("message "+id, id)
				err := m.w.readUntil(waitLong, func() bool { return slices.Contains(m.w.acked, id) })
				if err == nil {
					acked[i] = append(acked[i], id)
					k++
					if sent.Add(1) == 2*each {
						killOnce.Do(func() { // node B goes away mid-burst
							go func() {
								defer close(stopped)
								b.Stop()
							}()
						})
					}
					continue
				}
				var ce *websocket.CloseError
				if !errors.As(err, &ce) || m.node != b {
					errs <- fmt.Errorf("member %d: %w", i, err)
					return
				}
				// Like the page: reconnect (to the survivor) from the last message held, and
				// send the unacknowledged message again with the same id.
				last := int64(0)
				if len(m.w.seqs) > 0 {
					last = m.w.seqs[len(m.w.seqs)-1]
				}
				old := m.w
				nw, _, derr := dialChat(t, a, m.c, "welcome", "?after="+strconv.FormatInt(last, 10), a.URL)
				if derr != nil {
					errs <- fmt.Errorf("member %d reconnects: %w", i, derr)
					return
				}
				nw.seqs, nw.acked, nw.body, nw.msgs = old.seqs, old.acked, old.body, old.msgs
				m.w, m.node = nw, a
			}
			errs <- nil
		}()
	}
	wg.Wait()
	<-stopped
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	total := int(lastSeq(t, a, "welcome"))
	if total != len(ms)*each {
		t.Fatalf("the database holds %d messages, want %d (every acknowledged one exactly once)", total, len(ms)*each)
	}
	for i, m := range ms {
		if err := m.w.readUntil(waitLong, func() bool { return len(m.w.seqs) >= total }); err != nil {
			t.Fatalf("member %d: %v (has %d of %d)", i, err, len(m.w.seqs), total)
		}
		m.w.quiet(300 * time.Millisecond)
		wantSeqs(t, "member "+strconv.Itoa(i), m.w.seqs, total)
		body := map[string]bool{}
		for _, s := range m.w.seqs {
			body[m.w.body[s]] = true
		}
		for _, mine := range acked {
			for _, id := range mine {
				if !body["message "+id] {
					t.Fatalf("member %d never received acknowledged message %s", i, id)
				}
			}
		}
	}
}

// TestClusterLoginBackoffIsShared: failures spread over two nodes count together, so a
// guesser gains nothing by switching nodes, and a success on one clears it on both.
func TestClusterLoginBackoffIsShared(t *testing.T) {
	ns := startNATS(t)
	a, b := twoNodes(t, ns)
	a.Member("sam")
	ca, cb := a.Client(), b.Client()
	attempt := func(c *handlerstest.Client, pw string) int {
		return c.PostRaw("/login", form("_csrf", c.CSRF(), "username", "sam", "password", pw), http.Header{"Hx-Request": {"true"}}).Status
	}
	for i := range 5 {
		c := ca
		if i%2 == 1 {
			c = cb
		}
		if s := attempt(c, "wrong-password-1"); s != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d: %d", i, s)
		}
	}
	for name, c := range map[string]*handlerstest.Client{"a": ca, "b": cb} {
		if s := attempt(c, handlerstest.Password); s != http.StatusTooManyRequests {
			t.Fatalf("node %s after 5 failures over both nodes: %d, want 429", name, s)
		}
	}
	a.Clock.Advance(time.Minute) // the nodes share the clock
	if s := attempt(cb, handlerstest.Password); s != http.StatusNoContent {
		t.Fatalf("after the delay: %d", s)
	}
	if s := attempt(ca, "wrong-password-1"); s != http.StatusUnprocessableEntity {
		t.Fatalf("one failure after a success on the other node: %d", s)
	}
}
