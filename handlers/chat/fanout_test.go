package chat

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/store"
)

// dialStalled opens a socket whose client never reads, with a tiny receive buffer (and,
// through ?small=1, a tiny send buffer on the server), so its writer blocks after a few KB,
// as behind a stalled phone.
func (fx *hubFixture) dialStalled(query string) *websocket.Conn {
	fx.t.Helper()
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nd := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) {
				_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
			})
		}}
		return nd.DialContext(ctx, network, addr)
	}}
	ws, _, err := d.Dial(fx.url+query+"&small=1", nil)
	if err != nil {
		fx.t.Fatal(err)
	}
	fx.t.Cleanup(func() { ws.Close() })
	return ws
}

// postTo commits a message to a group through the hub.
func (fx *hubFixture) postTo(group int64, clientID, body string) {
	fx.t.Helper()
	if _, err := fx.h.Post(context.Background(), store.NewMessage{GroupID: group, SessionID: fx.session, AuthorID: fx.user.ID,
		AuthorName: fx.user.DisplayName, ClientID: clientID, Body: body}); err != nil {
		fx.t.Fatal(err)
	}
}

// stallRoom opens n stalled sockets in the welcome room and commits messages there until
// every one of them has a writer blocked on its client: each has frames it cannot send
// (the client never reads) and has not been dropped.
func stallRoom(t *testing.T, fx *hubFixture, n int) []*conn {
	t.Helper()
	for range n {
		fx.dialStalled("?after=0")
	}
	waitFor(t, "the stalled sockets to start", func() bool {
		cs := fx.conns(fx.group)
		if len(cs) != n {
			return false
		}
		for _, c := range cs {
			if !c.isLive() {
				return false
			}
		}
		return true
	})
	// 40 messages of 4,000 characters: far more than the socket buffers of a client that
	// does not read, far less than the queue bounds.
	const msgs = 40
	big := strings.Repeat("x", MaxBodyChars)
	for i := range msgs {
		fx.postTo(fx.group, fmt.Sprint("a", i), big)
	}
	cs := fx.conns(fx.group)
	waitFor(t, "every stalled socket to be handed every message", func() bool {
		for _, c := range cs {
			// Once the fan-out has offered all 40, the bytes not yet written cover every
			// message the socket has not sent (a frame here is one message of 4,000+ bytes;
			// one being written stays counted until its write returns).
			if c.ctx.Err() == nil && c.queuedBytes.Load() < (msgs-c.lastSeq.Load())*MaxBodyChars {
				return false
			}
		}
		return true
	})
	for _, c := range cs {
		if c.ctx.Err() != nil || c.lastSeq.Load() >= msgs {
			t.Fatalf("a stalled socket was dropped or sent everything (last %d)", c.lastSeq.Load())
		}
	}
	return cs
}

// TestStalledRoomDoesNotHoldUpAnotherRoom: 50 sockets in one room whose clients stopped
// reading have their writers blocked; a message in another room is acknowledged and
// delivered while they are all still blocked. Before the fan-out was taken off the
// committer, the committer itself was stuck writing to them (250 ms each) and the other
// room's acknowledgement came only after every one had been dropped.
func TestStalledRoomDoesNotHoldUpAnotherRoom(t *testing.T) {
	fx := newHubFixture(t, func(o *Options) { o.Publisher = nil; o.WriteWait = time.Minute })
	stalled := stallRoom(t, fx, 50)

	other := fmt.Sprintf("?after=0&group=%d", fx.other)
	ws, _, err := websocket.DefaultDialer.Dial(fx.url+other, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	waitFor(t, "the other room's socket", func() bool { cs := fx.conns(fx.other); return len(cs) == 1 && cs[0].isLive() })
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"body":"hello","client_id":"b1-client"}`)); err != nil {
		t.Fatal(err)
	}
	var acked, delivered bool
	_ = ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for !acked || !delivered {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("other room: %v (acked %v, delivered %v)", err, acked, delivered)
		}
		acked = acked || bytes.Contains(data, []byte("<ack/>"))
		delivered = delivered || bytes.Contains(data, []byte(`data-seq="1"`))
	}
	for i, c := range stalled {
		if c.ctx.Err() != nil || c.lastSeq.Load() >= 40 {
			t.Fatalf("stalled socket %d was dropped or unblocked before the other room's ack", i)
		}
	}
}

// TestShutdownWithStalledSockets: closing the hub cuts writes blocked on clients that
// stopped reading instead of waiting for their deadline (a minute here).
func TestShutdownWithStalledSockets(t *testing.T) {
	fx := newHubFixture(t, func(o *Options) { o.Publisher = nil; o.WriteWait = time.Minute })
	stallRoom(t, fx, 50)
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- fx.h.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("shutdown with 50 stalled sockets took %v", time.Since(start))
	case <-time.After(30 * time.Second):
		t.Fatal("shutdown waited for the stalled sockets")
	}
}

// TestSocketOverByteBoundDropped: a client that stops reading is dropped once its unsent
// bytes pass MaxQueuedBytes, long before its queue is full by frame count, while a client
// reading in the same room receives everything.
func TestSocketOverByteBoundDropped(t *testing.T) {
	fx := newHubFixture(t, func(o *Options) {
		o.Publisher = nil
		o.WriteWait = time.Minute
		o.QueueLen = 1 << 14
		o.MaxQueuedBytes = 256 << 10
	})
	fx.dialStalled("?after=0")
	waitFor(t, "the stalled socket", func() bool { cs := fx.conns(fx.group); return len(cs) == 1 && cs[0].isLive() })
	stalled := fx.conns(fx.group)[0]
	reader, _, err := websocket.DefaultDialer.Dial(fx.url+"?after=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	waitFor(t, "the reading socket", func() bool { return len(fx.conns(fx.group)) == 2 })

	const frames = 40 // 40 × 64 KiB: ten times the bound
	frame := bytes.Repeat([]byte("y"), 64<<10)
	_ = reader.SetReadDeadline(time.Now().Add(30 * time.Second))
	for i := range frames {
		fx.h.Deliver(fx.group, &Frame{Data: frame})
		// Wait for the reader's copy before the next, so only the stalled client falls behind.
		n := 0
		for n < len(frame) {
			_, data, err := reader.ReadMessage()
			if err != nil {
				t.Fatalf("reader after %d frames: %v", i, err)
			}
			n += len(data)
		}
	}
	waitFor(t, "the stalled socket to leave the room", func() bool { return len(fx.conns(fx.group)) == 1 })
	if stalled.closeCode != websocket.CloseTryAgainLater || stalled.closeReason != reasonSlow {
		t.Fatalf("stalled socket closed with %d %q", stalled.closeCode, stalled.closeReason)
	}
}

// gatedPublisher holds every Publish until release is closed, then delivers, and keeps
// what it published.
type gatedPublisher struct {
	h       *Hub
	release chan struct{}
	mu      sync.Mutex
	fills   int
}

func (p *gatedPublisher) Publish(groupID int64, f *Frame) {
	<-p.release
	if f.Fill() {
		p.mu.Lock()
		p.fills++
		p.mu.Unlock()
	}
	p.h.Deliver(groupID, f)
}

// TestFullFanoutQueueFillsFromStore: with the fan-out stuck and its queue full, commits go
// on (the committer never waits for fan-out), and once fan-out resumes every socket
// receives every message once, in order, the ones that did not fit loaded from the store.
func TestFullFanoutQueueFillsFromStore(t *testing.T) {
	gate := &gatedPublisher{release: make(chan struct{})}
	fx := newHubFixture(t, func(o *Options) { o.Publisher = gate; o.FanoutShards, o.FanoutQueue = 1, 1 })
	gate.h = fx.h
	t.Cleanup(func() {
		select {
		case <-gate.release:
		default:
			close(gate.release)
		}
	})
	ws, _, err := websocket.DefaultDialer.Dial(fx.url+"?after=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	waitFor(t, "the socket", func() bool { cs := fx.conns(fx.group); return len(cs) == 1 && cs[0].isLive() })
	// The first batch holds the shard in Publish, the second fills its queue of one, the
	// rest do not fit. Post returns after each commit all the same.
	fx.post(1, 6)
	close(gate.release)
	if got := fmt.Sprint(readSeqs(t, ws, 6)); got != "[1 2 3 4 5 6]" {
		t.Fatalf("received %s", got)
	}
	gate.mu.Lock()
	defer gate.mu.Unlock()
	if gate.fills == 0 {
		t.Fatal("no fill frame was published: the queue never overflowed")
	}
}

func TestSocketCapsCount(t *testing.T) {
	opt := Options{MaxPerMember: 3, MaxPerSession: 2, MaxPerIP: 4}
	s := newSocketCaps()
	try := func(user, session int64, ip string) string {
		if err := s.reserve(opt, Client{UserID: user, SessionID: session, IP: ip}); err != nil {
			return err.Cap
		}
		return "ok"
	}
	steps := []struct {
		user, session int64
		ip, want      string
	}{
		{1, 10, "a", "ok"}, {1, 10, "a", "ok"}, {1, 10, "a", "session"},
		{1, 11, "a", "ok"}, {1, 12, "a", "member"},
		{2, 20, "a", "ok"}, {3, 30, "a", "ip"}, {3, 30, "b", "ok"}, {3, 30, "", "ok"},
	}
	for i, st := range steps {
		if got := try(st.user, st.session, st.ip); got != st.want {
			t.Fatalf("step %d: %s, want %s", i, got, st.want)
		}
	}
	s.release(Client{UserID: 2, SessionID: 20, IP: "a"})
	if got := try(4, 40, "a"); got != "ok" {
		t.Fatalf("after a release: %s", got)
	}
}
