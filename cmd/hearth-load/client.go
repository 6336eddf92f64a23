package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// outMsg is one scheduled publish: message number n, intended send time t.
type outMsg struct {
	n int64
	t time.Time
}

// client is one member's websocket. A supervisor goroutine dials, runs a reader goroutine
// and writes scheduled messages itself, and on any failure redials (resuming from the last
// sequence it saw when the lane supports it) and resends the message it was writing with
// the same client_id, as a browser would.
type client struct {
	id  int
	ep  endpoint
	r   *runner
	out chan outMsg

	// Owned by the reader goroutine while a connection is up, by the supervisor between
	// connections; the channel handoff orders the two.
	lastSeq int64
	seen    bitset
	uniq    int64
	dups    int64
	foreign int64

	alive atomic.Bool
}

func (c *client) dial(ctx context.Context) (*websocket.Conn, error) {
	u := c.ep.URL
	// Always say where to start: without ?after Hearth waits a moment for a resume frame
	// (what a browser page sends) before it starts the socket at the group's end.
	if c.r.lane.Resumes() {
		u += "?after=" + strconv.FormatInt(c.lastSeq, 10)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ws, resp, err := c.r.dialer(c.id).DialContext(ctx, u, c.ep.Header)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (HTTP %d)", u, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	return ws, nil
}

// loop runs the connection until ctx ends. The first dial's outcome goes to ready.
func (c *client) loop(ctx context.Context, ready chan<- error) {
	var pending *outMsg
	first := true
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		ws, err := c.dial(ctx)
		if first {
			ready <- err
			first = false
			if err != nil {
				return
			}
		} else if err != nil {
			c.r.dialErrs.Add(1)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		c.alive.Store(true)
		readerDone := make(chan error, 1)
		go func() { readerDone <- c.read(ws) }()
		werr := c.write(ctx, ws, &pending, readerDone)
		c.alive.Store(false)
		ws.Close()
		rerr := <-readerDone
		if ctx.Err() != nil {
			return
		}
		c.r.reconnects.Add(1)
		c.r.noteErr(errors.Join(werr, rerr))
	}
}

// write publishes scheduled messages until the connection fails or ctx ends.
func (c *client) write(ctx context.Context, ws *websocket.Conn, pending **outMsg, readerDone chan error) error {
	var buf, bodyBuf []byte
	for {
		if *pending == nil {
			select {
			case <-ctx.Done():
				_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
				return nil
			case err := <-readerDone:
				readerDone <- err
				return err
			case m := <-c.out:
				*pending = &m
			}
		}
		m := *pending
		bodyBuf = body(bodyBuf[:0], m.t, m.n, c.r.run)
		buf = c.r.lane.Encode(buf[:0], string(bodyBuf), c.r.run+"-"+strconv.FormatInt(m.n, 10))
		_ = ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := ws.WriteMessage(websocket.TextMessage, buf); err != nil {
			return err // *pending stays set: resent after the redial, same client_id
		}
		if from, to := c.r.measureFrom.Load(), c.r.measureTo.Load(); m.t.UnixNano() >= from && m.t.UnixNano() < to {
			c.r.sendLag.Record(c.id, time.Since(m.t))
		}
		*pending = nil
		c.r.sent[c.ep.Group].Add(1)
		c.r.inflight.Add(-1)
	}
}

// read consumes frames and records every message of this run found in them.
func (c *client) read(ws *websocket.Conn) error {
	var buf bytes.Buffer
	g := int64(c.ep.Group)
	groups := int64(c.r.groups)
	for {
		_, rd, err := ws.NextReader()
		if err != nil {
			return err
		}
		buf.Reset()
		if _, err := buf.ReadFrom(rd); err != nil {
			return err
		}
		now := time.Now()
		c.r.frames.Add(1)
		c.r.lane.Parse(buf.Bytes(), func(seq, t, n int64) {
			if seq > c.lastSeq {
				c.lastSeq = seq
			}
			if n%groups != g {
				c.foreign++ // a message of another group: must never happen
				c.r.foreign.Add(1)
				return
			}
			if c.seen.set(n / groups) {
				c.dups++
				if c.r.dups.Add(1) == 1 {
					// The first duplicate's frame, once per run: what sent the message again.
					frame := buf.Bytes()
					if len(frame) > 600 {
						frame = frame[:600]
					}
					fmt.Fprintf(c.r.progress, "[%-8s] first duplicate: message n=%d seq %d again on connection %d; its frame begins: %q\n", c.r.lane.Name(), n, seq, c.id, frame)
				}
				return
			}
			c.uniq++
			c.r.delivered.Add(1)
			if from, to := c.r.measureFrom.Load(), c.r.measureTo.Load(); t >= from && t < to {
				c.r.lat.Record(c.id, now.Sub(time.Unix(0, t)))
				if c.r.multiNode { // the sender of message n, as publish picks it
					sender := int(g)*c.r.perGroup + int((n/groups)%int64(c.r.perGroup))
					if c.r.clients[sender].ep.Node == c.ep.Node {
						c.r.latSame.Record(c.id, now.Sub(time.Unix(0, t)))
					} else {
						c.r.latOther.Record(c.id, now.Sub(time.Unix(0, t)))
					}
				}
			}
		})
	}
}

// dialers spread connections over several loopback source addresses: one (source,
// destination) address pair has only ~28,000 ephemeral ports.
func newDialers(srcIPs int) []*websocket.Dialer {
	if srcIPs < 1 {
		srcIPs = 1
	}
	ds := make([]*websocket.Dialer, srcIPs)
	for i := range ds {
		nd := &net.Dialer{Timeout: 10 * time.Second}
		if srcIPs > 1 {
			nd.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i))}
		}
		ds[i] = &websocket.Dialer{
			NetDialContext:   nd.DialContext,
			HandshakeTimeout: 10 * time.Second,
			ReadBufferSize:   4096,
			WriteBufferSize:  1024,
		}
	}
	return ds
}
