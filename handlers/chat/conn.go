package chat

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/store"
)

// conn is one socket. Its reader and writer share ctx and cancel. Only the writer
// goroutine writes to the socket, so a client that stops reading blocks its own writer and
// nothing else; deliveries queue for it (offer).
type conn struct {
	hub     *Hub
	ws      *websocket.Conn
	cl      Client
	ctx     context.Context
	cancel  context.CancelFunc
	resume  chan int64
	pingDue atomic.Bool // set by the ping timer, cleared by the writer when it pings

	// queue holds the frames offered and not yet taken by the writer (at most QueueLen),
	// under qmu; ring (capacity 1) wakes the writer. A slice grown on demand rather than a
	// channel of QueueLen slots keeps an idle connection's queue a few words instead of 2 KB.
	qmu   sync.Mutex
	queue []*outFrame
	ring  chan struct{}
	batch []*outFrame // the writer's spare list, swapped with queue by take

	// queuedBytes counts the bytes of frames offered to send and not yet written (a frame
	// stays counted while a write of it is blocked). live is set, under wmu, once the
	// writer has caught the socket up at start.
	queuedBytes atomic.Int64
	wmu         sync.Mutex
	live        bool

	closeOnce   sync.Once
	closeCode   int
	closeReason string

	// mod: the member moderates the group now (Client.Moderator, then the live re-check).
	mod atomic.Bool
	// compose is the ComposeKey the page shows now (under cmu: the re-check sets it, and a
	// resume frame reports what a reconnecting page still shows), and expires when that
	// ends on its own (a mute's end, store clock in ms; 0: never).
	cmu     sync.Mutex
	compose string
	expires atomic.Int64

	lastSeq   atomic.Int64 // highest message sequence written to the socket (under wmu)
	markedSeq atomic.Int64 // highest sequence saved as the read marker
}

// outFrame is a frame as queued for the connections of a room: the shared frame and, when
// the hub delivered it to the room, its websocket message prepared once for all of them.
type outFrame struct {
	*Frame
	pm *websocket.PreparedMessage
}

// maxCoalesce bounds how many queued frames one websocket message carries.
const maxCoalesce = 64

// errGap ends a connection that was handed a frame it cannot place; the client resyncs.
var errGap = errors.New("chat: frame does not follow the messages sent")

// offer queues q without blocking. A queue full by frames (QueueLen) or by bytes
// (MaxQueuedBytes) means the client cannot keep up: it is dropped and resyncs when it
// reconnects.
func (c *conn) offer(q *outFrame) {
	if c.ctx.Err() != nil {
		return // closing: nothing more goes out
	}
	n := int64(len(q.Data))
	c.qmu.Lock()
	if len(c.queue) >= c.hub.opt.QueueLen || c.queuedBytes.Load()+n > c.hub.opt.MaxQueuedBytes {
		c.qmu.Unlock()
		c.close(websocket.CloseTryAgainLater, reasonSlow)
		return
	}
	c.queue = append(c.queue, q)
	c.queuedBytes.Add(n)
	c.qmu.Unlock()
	c.wake()
}

// take hands the writer up to maxCoalesce queued frames, oldest first, and reports whether
// more are waiting. The queue's array goes to the writer and the writer's spare becomes the
// queue, so no frame is copied in the common case.
func (c *conn) take() (qs []*outFrame, more bool) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	switch {
	case len(c.queue) == 0:
		return nil, false // keep the arrays where they are: writeFrames hands the spare back
	case len(c.queue) <= maxCoalesce:
		qs, c.queue = c.queue, c.batch[:0]
		return qs, false
	}
	qs = append(c.batch[:0], c.queue[:maxCoalesce]...)
	n := copy(c.queue, c.queue[maxCoalesce:])
	clear(c.queue[n:])
	c.queue = c.queue[:n]
	return qs, true
}

// closeGrace is how long a closing connection's writer may go on with the write it is in
// before the write is cut (a client that stopped reading would hold it until WriteWait),
// and closeWait is the deadline of the close frame. Together they bound how long a closed
// or shut-down socket keeps its goroutines.
const (
	closeGrace = 100 * time.Millisecond
	closeWait  = 250 * time.Millisecond
)

// cutWritesUntil makes the socket's pending write fail, every closeGrace until done is
// closed: a write that starts after a cut sets its own deadline again, and once one write
// has failed every later one fails at once.
func (c *conn) cutWritesUntil(done <-chan struct{}) {
	t := time.NewTicker(closeGrace)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			_ = c.ws.UnderlyingConn().SetWriteDeadline(time.Now())
		}
	}
}

// wake rings the writer to look at its queue, its context, a pending resume and a due
// ping. A ring already pending is enough.
func (c *conn) wake() {
	select {
	case c.ring <- struct{}{}:
	default:
	}
}

// close ends the connection with a close code; the first reason given wins.
func (c *conn) close(code int, reason string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeReason = code, reason
		c.cancel()
	})
}

// inFrame is what a client sends; see the package documentation.
type inFrame struct {
	Body     string      `json:"body"`
	ClientID string      `json:"client_id"`
	Typing   json.Number `json:"typing"`
	Resume   json.Number `json:"resume"`
	// Compose, with a resume, is the data-compose of what the page shows in place of its
	// send box: a page that reconnects after its member was muted (or the mute lifted)
	// is told at once.
	Compose *string `json:"compose"`
}

func (c *conn) readLoop(ctx context.Context) {
	defer c.hub.wg.Done()
	defer c.close(websocket.CloseNormalClosure, "")
	h := c.hub
	c.ws.SetReadLimit(h.opt.ReadLimit)
	_ = c.ws.SetReadDeadline(time.Now().Add(h.opt.PongWait))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(h.opt.PongWait))
	})
	for {
		_, r, err := c.ws.NextReader()
		if err != nil {
			return
		}
		// Any frame shows the client is alive.
		_ = c.ws.SetReadDeadline(time.Now().Add(h.opt.PongWait))
		var in inFrame
		if err := json.NewDecoder(r).Decode(&in); err != nil {
			c.problem("", "That message could not be read. Please try again.")
			continue
		}
		switch {
		case in.Resume != "":
			if n, err := in.Resume.Int64(); err == nil && n >= 0 {
				select {
				case c.resume <- n:
				default: // one pending resume is enough
				}
				c.wake()
			}
			if in.Compose != nil {
				c.pageShows(*in.Compose)
			}
		case in.Typing != "":
			h.typing(c.cl.GroupID, c.cl.UserID, c.cl.DisplayName)
		default:
			c.post(ctx, in)
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// ValidClientID reports whether id can be a message's client_id: 8 to 64 characters of
// the base64url alphabet. The browser makes one per message (16 random bytes, base64url).
func ValidClientID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '-', b == '_':
		default:
			return false
		}
	}
	return true
}

func (c *conn) post(ctx context.Context, in inFrame) {
	h := c.hub
	if !ValidClientID(in.ClientID) {
		c.problem("", "This message is missing its id; please reload the page.")
		return
	}
	p, err := h.Post(ctx, store.NewMessage{GroupID: c.cl.GroupID, SessionID: c.cl.SessionID, AuthorID: c.cl.UserID,
		AuthorName: c.cl.DisplayName, ClientID: in.ClientID, Body: in.Body})
	switch {
	case isRefusal(err):
		c.problem(in.ClientID, err.Error())
		return
	case err != nil:
		if ctx.Err() == nil {
			// A batch that did not commit was logged once by the committer already.
			if !errors.Is(err, store.ErrBatchNotCommitted) {
				h.log.Error("chat: post message", "group", c.cl.GroupID, "user", c.cl.UserID, "err", err)
			}
			c.problem(in.ClientID, "Your message was not sent because of a problem on our side. Please try again.")
		}
		return
	}
	if p.Held && p.GroupID == c.cl.GroupID {
		// Held for review: its author alone sees it, in their page's held list (doc.go).
		c.offer(&outFrame{Frame: &Frame{Data: heldFragment(p.Message)}})
	} else if p.Duplicate && p.GroupID == c.cl.GroupID {
		// A resend: give this client the original (skipped if it already has it), no broadcast.
		if b, err := h.frames.NewMessageFor(p.Message, Viewer{UserID: c.cl.UserID, Moderator: c.mod.Load()}); err == nil {
			c.offer(&outFrame{Frame: &Frame{Seq: p.Seq, Data: b}})
		}
	}
	b, err := h.frames.Sent(in.ClientID)
	if err != nil {
		h.log.Error("chat: render ack", "err", err)
		return
	}
	c.offer(&outFrame{Frame: &Frame{Data: b}})
}

// problem tells the client that a frame was refused, naming the message's client_id when
// the frame was a message, so the page can put that message's text back in the box.
func (c *conn) problem(clientID, msg string) {
	b, err := c.hub.frames.Problem(clientID, msg)
	if err != nil {
		c.hub.log.Error("chat: render problem", "err", err)
		return
	}
	c.offer(&outFrame{Frame: &Frame{Data: b}})
}

func (c *conn) writeLoop(ctx context.Context) {
	h := c.hub
	defer h.wg.Done()
	defer func() {
		c.close(websocket.CloseNormalClosure, "")
		code, reason := c.closeCode, c.closeReason
		if h.ctx.Err() != nil {
			code, reason = websocket.CloseServiceRestart, reasonShutdown
		}
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason),
			time.Now().Add(closeWait))
		_ = c.ws.Close()
		h.detach(c)
	}()
	// However the connection ends (a drop, a kick, shutdown), a write blocked on a client
	// that stopped reading is cut after closeGrace. The close frame that follows has its
	// own short deadline (closeWait).
	written := make(chan struct{})
	defer close(written)
	stopCut := context.AfterFunc(ctx, func() { c.cutWritesUntil(written) })
	defer stopCut()

	if !c.start(ctx) {
		return
	}
	// The writer waits on its ring alone: a receive from one channel is much cheaper per
	// delivery than a select over four. Frames, cancellation, resumes and pings ring it
	// (see wake) and are looked at after every batch.
	stopWake := context.AfterFunc(ctx, c.wake)
	defer stopWake()
	ping := time.AfterFunc(h.opt.PingEvery, func() {
		c.pingDue.Store(true)
		c.wake()
	})
	defer ping.Stop()
	for {
		<-c.ring
		if ctx.Err() != nil {
			return
		}
		if err := c.writeQueued(ctx); err != nil {
			return
		}
		if c.pingDue.Load() {
			c.pingDue.Store(false)
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(h.opt.WriteWait)); err != nil {
				return
			}
			ping.Reset(h.opt.PingEvery)
		}
	}
}

// writeQueued writes one batch of what is queued (ringing itself again when more is
// waiting), then serves a pending resume, all under wmu.
func (c *conn) writeQueued(ctx context.Context) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	qs, more := c.take()
	if more {
		c.wake()
	}
	if len(qs) > 0 {
		if err := c.writeFrames(ctx, qs); err != nil {
			return err
		}
	}
	select {
	case n := <-c.resume:
		if n > c.lastSeq.Load() {
			c.lastSeq.Store(n)
		}
		return c.catchUp(ctx)
	default:
		return nil
	}
}

// start settles where the client is and sends what it missed. Live frames queue meanwhile
// (the connection joined its room before this), and writeFrames skips the ones the
// catch-up already covered, so nothing is lost between the two and nothing doubles.
func (c *conn) start(ctx context.Context) bool {
	h := c.hub
	after := c.cl.After
	if after < 0 {
		t := time.NewTimer(h.opt.ResumeWait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case after = <-c.resume:
		case <-t.C:
			// The end as it was when the client connected: what was committed since, it
			// has not seen.
			after = c.cl.End
		}
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.lastSeq.Store(after)
	c.markedSeq.Store(after)
	if c.catchUp(ctx) != nil {
		return false
	}
	c.live = true
	return true
}

func (c *conn) catchUp(ctx context.Context) error {
	h := c.hub
	for {
		msgs, err := h.st.MessagesAfter(ctx, c.cl.GroupID, c.lastSeq.Load(), h.opt.CatchUpPage)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Warn("chat: catch up", "group", c.cl.GroupID, "err", err)
			}
			return err
		}
		if len(msgs) == 0 {
			return nil
		}
		_ = c.ws.SetWriteDeadline(time.Now().Add(c.hub.opt.WriteWait))
		w, err := c.ws.NextWriter(websocket.TextMessage)
		if err != nil {
			return err
		}
		v := Viewer{UserID: c.cl.UserID, Moderator: c.mod.Load()}
		for _, m := range msgs {
			b, err := h.frames.NewMessageFor(m, v)
			if err != nil {
				w.Close()
				return err
			}
			if _, err := w.Write(b); err != nil {
				return err
			}
			c.lastSeq.Store(m.Seq)
		}
		if err := w.Close(); err != nil {
			return err
		}
		if len(msgs) < h.opt.CatchUpPage {
			return nil
		}
	}
}

// writeFrames writes a batch of queued frames. A lone frame that the whole
// room shares goes out as its prepared message: one write(2), no copy. Several go out as
// one websocket message (the htmx ws extension swaps every top-level element of a frame),
// each cut to the messages this connection does not have yet, so a frame that overlaps a
// catch-up neither skips nor repeats a message.
func (c *conn) writeFrames(ctx context.Context, qs []*outFrame) error {
	defer func() {
		var n int64
		for _, q := range qs {
			n += int64(len(q.Data))
		}
		c.queuedBytes.Add(-n)
		clear(qs) // let the frames go
		if cap(qs) <= maxCoalesce {
			c.batch = qs[:0] // the spare for the next take
		} else {
			c.batch = nil // grown by a backlog: let it go
		}
	}()
	last := c.lastSeq.Load()
	if q := qs[0]; len(qs) == 1 && q.pm != nil {
		if data, gap := q.since(last); !gap && len(data) == len(q.Data) {
			if len(data) == 0 {
				return nil
			}
			_ = c.ws.SetWriteDeadline(time.Now().Add(c.hub.opt.WriteWait))
			if err := c.ws.WritePreparedMessage(q.pm); err != nil {
				return err
			}
			c.lastSeq.Store(max(last, q.Seq))
			return nil
		}
	}
	var w io.WriteCloser
	for _, q := range qs {
		data, gap := q.since(last)
		if gap {
			// Messages are missing before this frame: send what the store has first.
			if w != nil {
				if err := w.Close(); err != nil {
					return err
				}
				w = nil
			}
			c.lastSeq.Store(last)
			if err := c.catchUp(ctx); err != nil {
				return err
			}
			last = c.lastSeq.Load()
			if data, gap = q.since(last); gap && data == nil {
				if !q.Fill() {
					return errGap
				}
				last = q.Seq // the rest of the range is gone from the store (deleted)
			}
		}
		if len(data) == 0 {
			continue
		}
		if w == nil {
			_ = c.ws.SetWriteDeadline(time.Now().Add(c.hub.opt.WriteWait))
			nw, err := c.ws.NextWriter(websocket.TextMessage)
			if err != nil {
				return err
			}
			w = nw
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
		last = max(last, q.Seq)
	}
	c.lastSeq.Store(last)
	if w == nil {
		return nil
	}
	return w.Close()
}

// ParseAfter reads the ?after= query value: -1 when absent (wait for a resume frame).
func ParseAfter(s string) (int64, bool) {
	if s == "" {
		return -1, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0
}

// heldFragment is the line added to the author's own "held for review" list (the group
// page's #chat-held, which renders the same line) when the word filter holds their message.
func heldFragment(m store.Message) []byte {
	text := m.Body
	if m.ContentWarning != "" {
		text = "CW: " + m.ContentWarning + " " + text
	}
	return []byte(`<ol id="chat-held" hx-swap-oob="beforeend:#chat-held"><li class="msg-held"><span class="badge">held for review</span> ` +
		template.HTMLEscapeString(text) + `</li></ol>`)
}

// pageShows notes what the page reports it shows in place of its send box; if that is not
// what the socket last knew, the socket is re-checked and the page told what is true now.
func (c *conn) pageShows(key string) {
	if len(key) > 1024 {
		return
	}
	c.cmu.Lock()
	differs := key != c.compose
	c.compose = key
	c.cmu.Unlock()
	if differs {
		c.hub.queueRecheck(store.Change{Kind: store.ChangeSession, SessionID: c.cl.SessionID, UserID: c.cl.UserID})
	}
}
