package chat

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

func TestFrameSince(t *testing.T) {
	var batch Frame
	for seq := int64(4); seq <= 7; seq++ {
		batch.AppendMessage(seq, fmt.Appendf(nil, "<%d>", seq))
	}
	one := &Frame{Seq: 9, Data: []byte("<9>")}
	noOffsets := &Frame{First: 4, Seq: 7, Data: []byte("<4><5><6><7>")}
	other := &Frame{Data: []byte("<presence>")}
	for _, tc := range []struct {
		name string
		f    *Frame
		last int64
		want string
		gap  bool
	}{
		{"batch follows on", &batch, 3, "<4><5><6><7>", false},
		{"batch cut after a catch-up", &batch, 5, "<6><7>", false},
		{"batch cut to its last message", &batch, 6, "<7>", false},
		{"batch fully covered", &batch, 7, "", false},
		{"batch covered and more", &batch, 20, "", false},
		{"batch after a gap", &batch, 2, "<4><5><6><7>", true},
		{"one message follows on", one, 8, "<9>", false},
		{"one message covered", one, 9, "", false},
		{"one message after a gap", one, 7, "<9>", true},
		{"uncuttable batch overlapping", noOffsets, 5, "", true},
		{"uncuttable batch covered", noOffsets, 7, "", false},
		{"not a message", other, 100, "<presence>", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, gap := tc.f.since(tc.last)
			if string(data) != tc.want || gap != tc.gap {
				t.Fatalf("since(%d) = %q, %v; want %q, %v", tc.last, data, gap, tc.want, tc.gap)
			}
		})
	}
	if batch.First != 4 || batch.Seq != 7 || fmt.Sprint(batch.Offsets) != "[0 3 6 9]" {
		t.Fatalf("batch = %d..%d %v", batch.First, batch.Seq, batch.Offsets)
	}
}

// testFrames renders a new message as <p data-seq="N">body</p> and everything else as
// markup the test reader ignores.
type testFrames struct{}

func (testFrames) NewMessage(m store.Message) ([]byte, error) {
	return fmt.Appendf(nil, `<p data-seq="%d">%s</p>`, m.Seq, m.Body), nil
}
func (testFrames) ChangedMessage(m store.Message) ([]byte, error) {
	return fmt.Appendf(nil, `<q id="%d"></q>`, m.ID), nil
}
func (testFrames) Reactions(m store.Message) ([]byte, error) {
	return fmt.Appendf(nil, `<r id="%d"></r>`, m.ID), nil
}
func (testFrames) Presence(int64, []string) ([]byte, error) { return []byte("<presence/>"), nil }
func (testFrames) Typing([]Typist) ([]byte, error)          { return []byte("<typing/>"), nil }
func (testFrames) Sent(string) ([]byte, error)              { return []byte("<ack/>"), nil }
func (testFrames) Problem(_, _ string) ([]byte, error)      { return []byte("<problem/>"), nil }
func (testFrames) RoomState(int64, bool) ([]byte, error)    { return nil, nil }
func (f testFrames) NewMessageFor(m store.Message, _ Viewer) ([]byte, error) {
	return f.NewMessage(m)
}
func (testFrames) MessageVariants(store.Message) ([]byte, []byte, error) { return nil, nil, nil }
func (testFrames) Compose(int64, *authz.Restriction) ([]byte, error)     { return nil, nil }
func (testFrames) Role(bool) ([]byte, error)                             { return nil, nil }

// recorder is a Publisher that keeps frames instead of delivering them, so a test decides
// what reaches the sockets and when.
type recorder struct {
	mu     sync.Mutex
	groups []int64
	frames []*Frame
}

func (r *recorder) Publish(groupID int64, f *Frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.groups = append(r.groups, groupID)
	r.frames = append(r.frames, f)
}

type hubFixture struct {
	t       *testing.T
	h       *Hub
	st      *store.Store
	pub     *recorder
	group   int64 // welcome
	other   int64 // another group, one-day-at-a-time
	user    store.User
	session int64
	url     string
}

// newHubFixture starts a hub whose frames go to a recorder unless a tune function sets
// Publisher to nil (then they reach the sockets). Sockets belong to one member and one
// session, so the socket caps are off. The socket URL takes ?group=ID (default welcome)
// and ?small=1, which shrinks the server's send buffer so a client that does not read
// blocks its writer after a few KB.
func newHubFixture(t *testing.T, tune ...func(*Options)) *hubFixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "hearth.db"), DatabaseURL: storetest.URL(t, "")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Username: "ana", DisplayName: "Ana"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := st.GroupBySlug(ctx, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	// The committer posts only for a member with a live session, in both groups.
	other, err := st.GroupBySlug(ctx, "one-day-at-a-time")
	if err != nil {
		t.Fatal(err)
	}
	for _, gid := range []int64{g.ID, other.ID} {
		if err := st.Join(ctx, gid, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	sess, err := st.CreateSession(ctx, u.ID, []byte("fixture"), time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	pub := &recorder{}
	opt := Options{Store: st, Frames: testFrames{}, Publisher: pub, SendRate: 1e6, SendBurst: 1e6,
		ResumeWait: 5 * time.Second, FlushEvery: time.Hour, AuthEvery: time.Hour,
		MaxPerMember: -1, MaxPerSession: -1, MaxPerIP: -1}
	for _, f := range tune {
		f(&opt)
	}
	h, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		group := g.ID
		if id, err := strconv.ParseInt(r.URL.Query().Get("group"), 10, 64); err == nil {
			group = id
		}
		after, _ := ParseAfter(r.URL.Query().Get("after"))
		end, err := st.LastSeq(r.Context(), group)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		if r.URL.Query().Get("small") != "" {
			_ = ws.UnderlyingConn().(*net.TCPConn).SetWriteBuffer(4096)
		}
		_ = h.Attach(ws, Client{UserID: u.ID, SessionID: sess.ID, DisplayName: u.DisplayName, GroupID: group, After: after, End: end})
	}))
	t.Cleanup(srv.Close)
	return &hubFixture{t: t, h: h, st: st, pub: pub, group: g.ID, other: other.ID, user: u, session: sess.ID,
		url: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

// conns returns the connections of a group's room.
func (fx *hubFixture) conns(group int64) []*conn {
	var cs []*conn
	if r := fx.h.room(group, false); r != nil {
		r.mu.RLock()
		for c := range r.conns {
			cs = append(cs, c)
		}
		r.mu.RUnlock()
	}
	return cs
}

// waitFor polls cond until it holds, failing the test after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// live reports whether a connection has caught up at start and takes live frames.
func (c *conn) isLive() bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.live
}

// post commits messages through the hub; the recorder keeps their frames from the sockets.
func (fx *hubFixture) post(from, to int) {
	fx.t.Helper()
	for i := from; i <= to; i++ {
		if _, err := fx.h.Post(context.Background(), store.NewMessage{GroupID: fx.group, SessionID: fx.session, AuthorID: fx.user.ID,
			AuthorName: fx.user.DisplayName, ClientID: fmt.Sprint("c", i), Body: fmt.Sprint("m", i)}); err != nil {
			fx.t.Fatal(err)
		}
	}
}

// dial opens a socket without ?after and waits until the hub has it in its room, so frames
// delivered next queue for it while it waits for the resume frame.
func (fx *hubFixture) dial() *websocket.Conn {
	fx.t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(fx.url, nil)
	if err != nil {
		fx.t.Fatal(err)
	}
	fx.t.Cleanup(func() { ws.Close() })
	for deadline := time.Now().Add(20 * time.Second); len(fx.h.Online(fx.group)) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			fx.t.Fatal("socket never joined its room")
		}
	}
	return ws
}

// batch is a frame of new messages first..last as a batch commit publishes it.
func batch(first, last int64) *Frame {
	f := &Frame{}
	for seq := first; seq <= last; seq++ {
		f.AppendMessage(seq, fmt.Appendf(nil, `<p data-seq="%d">m%d</p>`, seq, seq))
	}
	return f
}

var seqAttr = regexp.MustCompile(`data-seq="(\d+)"`)

// readSeqs reads frames until want message sequences arrived, then for a short while more
// to catch any extra copy, and returns every sequence seen in order.
func readSeqs(t *testing.T, ws *websocket.Conn, want int) []int64 {
	t.Helper()
	var seqs []int64
	deadline := time.Now().Add(20 * time.Second)
	for {
		if len(seqs) >= want {
			deadline = time.Now().Add(150 * time.Millisecond)
			want = 1 << 30
		}
		_ = ws.SetReadDeadline(deadline)
		_, data, err := ws.ReadMessage()
		if err != nil {
			return seqs
		}
		for _, m := range seqAttr.FindAllSubmatch(data, -1) {
			n, _ := strconv.ParseInt(string(m[1]), 10, 64)
			seqs = append(seqs, n)
		}
	}
}

// TestBatchFramesMeetCatchUpExactly puts frames of several messages in a connection's
// queue before it says where it is, then checks each message arrives exactly once, in
// order: a frame overlapping the catch-up is cut, a covered one skipped, and a frame
// after a hole waits for the hole to be filled from the store.
func TestBatchFramesMeetCatchUpExactly(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stored int      // messages 1..stored are in the store before the socket opens
		queued []*Frame // delivered while the socket waits for its resume frame
		resume int64
		later  int      // messages stored..later committed after the resume, frames kept back
		live   []*Frame // delivered after the catch-up
		want   string
	}{
		{name: "frame overlapping the catch-up is cut", stored: 5, queued: []*Frame{batch(4, 7)}, resume: 2,
			want: "[3 4 5 6 7]"},
		{name: "frame overlapping the resume point is cut", stored: 5, queued: []*Frame{batch(4, 7)}, resume: 5,
			want: "[6 7]"},
		{name: "covered frames are skipped", stored: 6, queued: []*Frame{batch(2, 3), batch(4, 6), batch(7, 8)}, resume: 1,
			want: "[2 3 4 5 6 7 8]"},
		{name: "hole before a frame is filled from the store", stored: 3, resume: 3, later: 7,
			live: []*Frame{batch(6, 8), batch(9, 9)}, want: "[4 5 6 7 8 9]"},
		{name: "hole with nothing stored keeps the frame whole", stored: 3, resume: 3,
			live: []*Frame{batch(6, 7)}, want: "[6 7]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newHubFixture(t)
			fx.post(1, tc.stored)
			ws := fx.dial()
			for _, f := range tc.queued {
				fx.h.Deliver(fx.group, f)
			}
			if err := ws.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, `{"resume":"%d"}`, tc.resume)); err != nil {
				t.Fatal(err)
			}
			if tc.later > 0 || len(tc.live) > 0 {
				// Let the start-up catch-up finish before the store moves on.
				waitFor(t, "the catch-up", func() bool { cs := fx.conns(fx.group); return len(cs) == 1 && cs[0].isLive() })
			}
			fx.post(tc.stored+1, tc.later)
			for _, f := range tc.live {
				fx.h.Deliver(fx.group, f)
			}
			want := strings.Count(tc.want, " ") + 1
			if got := fmt.Sprint(readSeqs(t, ws, want)); got != tc.want {
				t.Fatalf("received %s, want %s", got, tc.want)
			}
		})
	}
}

// TestPublishedOneFramePerGroup checks the committer's hand-off: one frame per group per
// batch, covering that group's messages in order, cut points at each message. Groups may
// be published in any order (from two goroutines).
func TestPublishedOneFramePerGroup(t *testing.T) {
	fx := newHubFixture(t)
	fx.pub.mu.Lock()
	fx.pub.groups, fx.pub.frames = nil, nil
	fx.pub.mu.Unlock()
	msgs := []store.Message{
		{GroupID: 1, Seq: 10, Body: "a"}, {GroupID: 2, Seq: 3, Body: "b"}, {GroupID: 1, Seq: 11, Body: "c"},
		{GroupID: 1, Seq: 12, Body: "d"}, {GroupID: 2, Seq: 4, Body: "e"},
	}
	fx.h.published(msgs) // hands over and returns; the shards render and publish
	waitFor(t, "two frames", func() bool { fx.pub.mu.Lock(); defer fx.pub.mu.Unlock(); return len(fx.pub.frames) >= 2 })
	fx.pub.mu.Lock()
	defer fx.pub.mu.Unlock()
	var got []string
	for i, f := range fx.pub.frames {
		var parts []string
		for j := range f.Offsets {
			end := len(f.Data)
			if j+1 < len(f.Offsets) {
				end = f.Offsets[j+1]
			}
			parts = append(parts, string(f.Data[f.Offsets[j]:end]))
		}
		got = append(got, fmt.Sprintf("group %d %d..%d %v", fx.pub.groups[i], f.First, f.Seq, parts))
	}
	slices.Sort(got)
	want := []string{
		`group 1 10..12 [<p data-seq="10">a</p> <p data-seq="11">c</p> <p data-seq="12">d</p>]`,
		`group 2 3..4 [<p data-seq="3">b</p> <p data-seq="4">e</p>]`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("frames:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDeliveriesKeepOrderBesideOtherFrames delivers messages one frame at a time while
// other frames are queued for the same socket from another goroutine, so the writer
// coalesces them in varying mixes. Every message must arrive once, in order.
func TestDeliveriesKeepOrderBesideOtherFrames(t *testing.T) {
	fx := newHubFixture(t)
	ws, _, err := websocket.DefaultDialer.Dial(fx.url+"?after=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	var c *conn
	for deadline := time.Now().Add(20 * time.Second); c == nil; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("socket never joined its room")
		}
		if r := fx.h.room(fx.group, false); r != nil {
			r.mu.RLock()
			for cc := range r.conns {
				c = cc
			}
			r.mu.RUnlock()
		}
	}
	const n = 3000
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // frames that only ever go through the queue
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				if c.queued() < 32 { // busy, never full (a full queue drops the socket)
					c.offer(&outFrame{Frame: &Frame{Data: []byte("<ack/>")}})
				}
				runtime.Gosched()
			}
		}
	}()
	got := make(chan []int64, 1)
	go func() { got <- readSeqs(t, ws, n) }()
	for seq := int64(1); seq <= n; seq++ {
		fx.h.Deliver(fx.group, batch(seq, seq))
		for c.queued() > 128 { // a full queue drops the socket: keep below it
			time.Sleep(100 * time.Microsecond)
		}
	}
	close(stop)
	<-done
	seqs := <-got
	if len(seqs) != n {
		t.Fatalf("got %d messages, want %d", len(seqs), n)
	}
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("message %d arrived as sequence %d: %v", i+1, s, seqs[max(0, i-3):min(len(seqs), i+3)])
		}
	}
}

// TestBigRoomDeliveryInOrder delivers to a room of many sockets, each written by its own
// writer: every socket gets every message once, in order.
func TestBigRoomDeliveryInOrder(t *testing.T) {
	fx := newHubFixture(t)
	const sockets, n = 100, 30
	wss := make([]*websocket.Conn, sockets)
	for i := range wss {
		ws, _, err := websocket.DefaultDialer.Dial(fx.url+"?after=0", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		wss[i] = ws
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		r := fx.h.room(fx.group, false)
		live := 0
		if r != nil {
			r.mu.RLock()
			for c := range r.conns {
				if c.isLive() {
					live++
				}
			}
			r.mu.RUnlock()
		}
		if live == sockets {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d sockets started", live, sockets)
		}
	}
	results := make(chan []int64, sockets)
	for _, ws := range wss {
		go func() { results <- readSeqs(t, ws, n) }()
	}
	for seq := int64(1); seq <= n; seq++ {
		fx.h.Deliver(fx.group, batch(seq, seq))
	}
	for range sockets {
		seqs := <-results
		if len(seqs) != n {
			t.Fatalf("a socket got %d messages, want %d", len(seqs), n)
		}
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Fatalf("message %d arrived as %d", i+1, s)
			}
		}
	}
}

// queued is how many frames wait for the writer.
func (c *conn) queued() int {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return len(c.queue)
}
