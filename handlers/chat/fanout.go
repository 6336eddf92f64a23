package chat

import (
	"sync"
	"sync/atomic"

	"github.com/hearth-community/hearth/store"
)

// The fan-out stage sits between the message committer and the sockets. The committer
// hands each committed batch over (published) and goes straight on to acknowledge its
// senders and commit the next batch; it never renders, never touches a socket and never
// waits for one. A few shard goroutines, each owning the groups whose id falls to it,
// render the new messages and offer one frame per group per batch to every socket of the
// room. An offer only queues (Deliver): every socket write happens in that socket's own
// writer goroutine, so a client that stops reading blocks its own writer and nothing else,
// and is dropped once its queue passes QueueLen frames or MaxQueuedBytes.
//
// Order: a group always goes to the same shard, and a shard works through its queue in
// order, so each group's frames leave in sequence order; groups on different shards are
// independent.
//
// A full queue: the committer does not wait. It notes, per group, the range of sequences
// it could not hand over, and the shard publishes a fill frame for that range
// (Frame.Fill) as soon as it has worked through what is queued. A socket receiving a fill
// frame, or any frame after missing sequences, loads the missing messages from the store
// (where they are: they were committed) before writing anything newer, so nothing is lost
// or reordered; the members only get those messages a moment later. The queue fills only
// when rendering and queueing for the rooms falls behind the committer, that is when the
// machine is out of CPU: holding up ingest there would only add acknowledgement latency to
// every group.

// fanItem is one group's share of a committed batch, or a ready frame for a group.
type fanItem struct {
	group int64
	msgs  []store.Message // new messages of the group, in sequence order
	f     *Frame          // a frame rendered already (a changed message)
}

// shard is one fan-out goroutine's queue and the ranges it could not take.
type shard struct {
	q       chan fanItem
	dropped atomic.Bool // missed holds something
	mu      sync.Mutex
	missed  map[int64]seqRange // by group
}

type seqRange struct{ first, last int64 }

// fanout is the hub's fan-out stage.
type fanout struct {
	shards []*shard
	wg     sync.WaitGroup
	mu     sync.RWMutex // closed is set under the write lock; senders hold the read lock
	closed bool
}

func (h *Hub) startFanout() {
	n, qlen := h.opt.FanoutShards, h.opt.FanoutQueue
	h.fan.shards = make([]*shard, n)
	for i := range h.fan.shards {
		s := &shard{q: make(chan fanItem, qlen), missed: map[int64]seqRange{}}
		h.fan.shards[i] = s
		h.fan.wg.Add(1)
		go h.runShard(s)
	}
}

// stopFanout delivers what is queued and stops the shards. The committer must have
// stopped first (it is the one sender that must never find the queue closed).
func (h *Hub) stopFanout() {
	h.fan.mu.Lock()
	if !h.fan.closed {
		h.fan.closed = true
		for _, s := range h.fan.shards {
			close(s.q)
		}
	}
	h.fan.mu.Unlock()
	h.fan.wg.Wait()
}

func (h *Hub) shardOf(groupID int64) *shard {
	return h.fan.shards[uint64(groupID)%uint64(len(h.fan.shards))]
}

// published runs in the message committer after each commit, before the senders are
// acknowledged: it splits the batch by group and hands each group's messages to the
// group's shard without waiting (see the package comment above on a full queue).
func (h *Hub) published(msgs []store.Message) {
	if h.opt.Committed != nil {
		h.opt.Committed(msgs)
	}
	h.fanOut(msgs)
}

// fanOut hands new messages, in sequence order, to their groups' shards without waiting.
func (h *Hub) fanOut(msgs []store.Message) {
	h.fan.mu.RLock()
	defer h.fan.mu.RUnlock()
	if h.fan.closed {
		return
	}
	// Few groups per batch: a linear search beats a map.
	var items []fanItem
	for _, m := range msgs {
		i := 0
		for i < len(items) && items[i].group != m.GroupID {
			i++
		}
		if i == len(items) {
			items = append(items, fanItem{group: m.GroupID})
		}
		items[i].msgs = append(items[i].msgs, m)
	}
	for _, it := range items {
		s := h.shardOf(it.group)
		select {
		case s.q <- it:
		default:
			s.miss(it.group, it.msgs[0].Seq, it.msgs[len(it.msgs)-1].Seq)
			// The shard may have emptied its queue between the failed send and the note:
			// ring it, or the range would wait for the group's next message. If the queue is
			// full again, the shard has items to go and looks at the note after each.
			select {
			case s.q <- fanItem{group: it.group}:
			default:
			}
		}
	}
}

// miss remembers sequences of a group that could not be queued.
func (s *shard) miss(group, first, last int64) {
	s.mu.Lock()
	r, ok := s.missed[group]
	if !ok {
		r.first = first
	}
	r.first, r.last = min(r.first, first), max(r.last, last)
	s.missed[group] = r
	s.mu.Unlock()
	s.dropped.Store(true)
}

// enqueue hands a ready frame to the group's shard, waiting for room: it is called from a
// request's goroutine (an edit, a reaction), never from the committer.
func (h *Hub) enqueue(groupID int64, f *Frame) {
	h.fan.mu.RLock()
	defer h.fan.mu.RUnlock()
	if h.fan.closed {
		return
	}
	select {
	case h.shardOf(groupID).q <- fanItem{group: groupID, f: f}:
	case <-h.ctx.Done():
	}
}

func (h *Hub) runShard(s *shard) {
	defer h.fan.wg.Done()
	for it := range s.q {
		switch {
		case it.f != nil:
			h.pub.Publish(it.group, it.f)
		case len(it.msgs) > 0:
			h.publishMessages(it.group, it.msgs)
		}
		if s.dropped.Load() {
			h.publishMissed(s)
		}
	}
	if s.dropped.Load() {
		h.publishMissed(s)
	}
}

// publishMissed publishes a fill frame for every range the committer could not queue.
func (h *Hub) publishMissed(s *shard) {
	s.mu.Lock()
	missed := s.missed
	s.missed = map[int64]seqRange{}
	s.dropped.Store(false)
	s.mu.Unlock()
	for group, r := range missed {
		h.pub.Publish(group, &Frame{First: r.first, Seq: r.last})
	}
}

// publishMessages renders each new message of a group once and publishes them as one
// frame, in sequence order. One frame per batch instead of one per message divides the
// queueing, wake-ups and socket writes of the fan-out by the batch's size in the group.
func (h *Hub) publishMessages(group int64, msgs []store.Message) {
	f := &Frame{}
	for _, m := range msgs {
		if m.Held {
			// Held for review: its sequence is covered with no HTML, so receivers see no
			// gap. A frame of held messages only is not published; the next frame's gap
			// is filled by one catch-up, which skips held messages too (doc.go).
			if f.Seq != 0 && m.Seq != f.Seq+1 {
				h.publishFrame(group, f)
				f = &Frame{}
			}
			f.AppendMessage(m.Seq, nil)
			continue
		}
		b, err := h.frames.NewMessage(m)
		if err != nil {
			// Receivers see a gap and load the message from the store instead.
			h.log.Error("chat: render message", "group", m.GroupID, "message", m.ID, "err", err)
			continue
		}
		if f.Seq != 0 && m.Seq != f.Seq+1 {
			// Not contiguous (a render failed in between): start the group's next frame.
			h.publishFrame(group, f)
			f = &Frame{}
		}
		f.AppendMessage(m.Seq, b)
	}
	h.publishFrame(group, f)
}

// publishFrame publishes a frame of new messages unless it carries no HTML (empty, or
// held messages only): with no Data it would read as a fill frame and send every
// receiver to the store.
func (h *Hub) publishFrame(group int64, f *Frame) {
	if f.Seq != 0 && len(f.Data) > 0 {
		h.pub.Publish(group, f)
	}
}
