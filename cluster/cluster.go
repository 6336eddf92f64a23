// Package cluster lets several Hearth nodes, sharing one database, share their live events
// through a NATS server (core NATS, no JetStream). With no NATS URL configured nothing here
// runs and a node is exactly the single-node Hearth.
//
// The database is the log; the broker is a lossy accelerator. Every subject and payload is
// JSON:
//
//	hearth.g.<group id>  {"node","first","last","msgs"}: a committed range of the group's
//	                     messages (msgs may be left out; receivers load them then)
//	                     {"node","event"}: a message changed, approved or reacted to
//	                     (chat.Relayed; receivers read the message from the database)
//	hearth.changes       {"node","changes"}: the store's change feed (store.Change values)
//	hearth.presence      {"node","groups","bye"}: who has which room open on a node
//	hearth.typing        {"node","event"}: typing signals, fire-and-forget
//	hearth.resync        {"node"}: a node that was cut off asks the others to resync
//
// Receiving, a node hands new messages to its hub only for groups with open sockets; the
// hub renders them like its own. Frames of new messages pass a per-group sequencer (Publish)
// that puts them in sequence order: a frame that arrives before the range preceding it is
// held up to Options.HoldGap; after that the sockets load what is missing from the database
// themselves. A node subscribes before it serves anything, and every socket catches up from
// the database when it opens, so nothing falls between the two.
//
// Resync: on reconnecting to NATS, on a slow-consumer error and on another node's resync
// request, a node announces store.EverythingChanged to its own listeners (caches start
// afresh, every socket is re-checked), fills every open room up to the group's newest
// sequence in the database and sends the room's newest messages again as changed messages
// (chat.Hub.Refresh), so edits, hides and reactions it missed reach the open pages. A
// position check (Options.CheckEvery) catches what the broker lost without a disconnect: a
// room that has not been delivered the newest sequence the previous check saw in the
// database is filled, and a room whose history version moved while nothing at all was
// heard about the group is refreshed.
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nuid"

	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/store"
)

// Subjects.
const (
	subjectGroupPrefix = "hearth.g."
	subjectChanges     = "hearth.changes"
	subjectPresence    = "hearth.presence"
	subjectTyping      = "hearth.typing"
	subjectResync      = "hearth.resync"
	subjectAll         = "hearth.>"
)

// Options configure a Node. Zero values give the defaults noted.
type Options struct {
	// URL of the NATS server(s), comma-separated ("nats://nats:4222"). Empty: no cluster.
	URL string
	// NodeID names this node in what it publishes (a random id).
	NodeID string
	// CheckEvery is the position check's interval (2s).
	CheckEvery time.Duration
	// PresenceEvery is how often a node sends its presence even when it did not change (3s);
	// a change goes out within PresenceTick (250ms).
	PresenceEvery time.Duration
	PresenceTick  time.Duration
	// PresenceTTL is how long a node's presence counts without a new snapshot (10s): the
	// members of a node that died drop out after it.
	PresenceTTL time.Duration
	// HoldGap is how long a frame of new messages waits for the range before it (50ms).
	HoldGap time.Duration
	// RefreshWindow is how many of a room's newest messages a resync sends again (50).
	RefreshWindow int
	// ReconnectWait is the pause between attempts to reach NATS again (500ms).
	ReconnectWait time.Duration
	// Drop is for tests: a publish to a subject for which it returns true is not sent.
	Drop func(subject string) bool
}

// Node is one Hearth node's link to the others.
type Node struct {
	opt Options
	st  *store.Store
	log *slog.Logger
	id  string
	hub atomic.Pointer[chat.Hub]
	nc  atomic.Pointer[nats.Conn]

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	resync chan struct{} // capacity 1: a resync is wanted

	gmu    sync.Mutex
	groups map[int64]*groupState

	pmu    sync.Mutex
	remote map[string]nodePresence // by node id
}

type nodePresence struct {
	groups map[int64][]chat.Present
	at     time.Time
}

// groupState is a group's sequencer and position, under mu.
type groupState struct {
	mu        sync.Mutex
	delivered int64         // highest sequence handed to the hub's sockets (0: none yet)
	held      []*chat.Frame // frames waiting for the range before them
	timer     *time.Timer   // flushes held after HoldGap
	events    int           // frames and events about the group since the last check
	lastDB    int64         // the group's newest sequence at the last check
	version   int64         // its history version at the last check (-1: not checked yet)
}

// maxHeld bounds the frames a group holds while it waits for a gap to close.
const maxHeld = 64

// New prepares a node; Start connects it. The node is the hub's chat.Publisher, and its
// Committed and Relay are the hub's hooks of the same names.
func New(opt Options, st *store.Store, log *slog.Logger) (*Node, error) {
	if opt.URL == "" {
		return nil, errors.New("cluster: NATS URL missing")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opt.CheckEvery, 2*time.Second)
	def(&opt.PresenceEvery, 3*time.Second)
	def(&opt.PresenceTick, 250*time.Millisecond)
	def(&opt.PresenceTTL, 10*time.Second)
	def(&opt.HoldGap, 50*time.Millisecond)
	def(&opt.ReconnectWait, 500*time.Millisecond)
	if opt.RefreshWindow <= 0 {
		opt.RefreshWindow = 50
	}
	if opt.NodeID == "" {
		opt.NodeID = nuid.Next()
	}
	if log == nil {
		log = slog.Default()
	}
	n := &Node{opt: opt, st: st, log: log.With("node", opt.NodeID), id: opt.NodeID, resync: make(chan struct{}, 1),
		groups: map[int64]*groupState{}, remote: map[string]nodePresence{}}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	return n, nil
}

// ID is the node's id.
func (n *Node) ID() string { return n.id }

// Start connects to NATS, subscribes, and starts the presence and position loops. A NATS
// server that cannot be reached yet is retried in the background; the node serves its own
// members meanwhile.
func (n *Node) Start(hub *chat.Hub) error {
	n.hub.Store(hub)
	nc, err := nats.Connect(n.opt.URL,
		nats.Name("hearth "+n.id),
		nats.NoEcho(),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(n.opt.ReconnectWait),
		nats.RetryOnFailedConnect(true),
		nats.ConnectHandler(func(*nats.Conn) { n.wantResync() }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if n.ctx.Err() == nil {
				n.log.Warn("cluster: disconnected from NATS", "err", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) {
			n.log.Info("cluster: reconnected to NATS")
			n.publishJSON(subjectResync, envelope{Node: n.id})
			n.wantResync()
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			n.log.Warn("cluster: NATS error", "err", err)
			if errors.Is(err, nats.ErrSlowConsumer) {
				n.wantResync()
			}
		}),
	)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // it quotes the URL, which may hold a password or token
			return errors.New("cluster: connect to NATS: invalid HEARTH_NATS_URL")
		}
		return fmt.Errorf("cluster: connect to NATS: %w", err)
	}
	sub, err := nc.Subscribe(subjectAll, n.receive)
	if err != nil {
		nc.Close()
		return fmt.Errorf("cluster: subscribe: %w", err)
	}
	if err := sub.SetPendingLimits(1<<20, 256<<20); err != nil {
		nc.Close()
		return fmt.Errorf("cluster: pending limits: %w", err)
	}
	n.nc.Store(nc)
	n.st.OnLocalChange(n.localChanges)
	n.wg.Add(2)
	go n.presenceLoop()
	go n.checkLoop()
	return nil
}

// Close tells the other nodes that this node's members are gone and disconnects. The hub
// keeps working alone afterwards (Publish delivers locally).
func (n *Node) Close() error {
	n.cancel()
	n.wg.Wait()
	nc := n.nc.Load()
	if nc == nil {
		return nil
	}
	n.publishJSON(subjectPresence, envelope{Node: n.id, Bye: true})
	_ = nc.FlushTimeout(time.Second)
	nc.Close()
	return nil
}

// envelope is every payload; each subject uses the fields its package comment names.
type envelope struct {
	Node    string                   `json:"node"`
	First   int64                    `json:"first,omitempty"`
	Last    int64                    `json:"last,omitempty"`
	Msgs    []store.Message          `json:"msgs,omitempty"`
	Event   *chat.Relayed            `json:"event,omitempty"`
	Changes []store.Change           `json:"changes,omitempty"`
	Groups  map[int64][]chat.Present `json:"groups,omitempty"`
	Bye     bool                     `json:"bye,omitempty"`
}

func (n *Node) publishJSON(subject string, e envelope) {
	nc := n.nc.Load()
	if nc == nil {
		return
	}
	if n.opt.Drop != nil && n.opt.Drop(subject) {
		return
	}
	b, err := json.Marshal(e)
	if err != nil {
		n.log.Error("cluster: encode", "subject", subject, "err", err)
		return
	}
	if int64(len(b)) > nc.MaxPayload() && len(e.Msgs) > 0 {
		// Past the server's payload limit (a large batch of long messages): the range alone,
		// and the receivers read its messages from the database.
		e.Msgs = nil
		if b, err = json.Marshal(e); err != nil {
			n.log.Error("cluster: encode", "subject", subject, "err", err)
			return
		}
	}
	// While disconnected the client buffers what is published and sends it on reconnect;
	// beyond its buffer a publish fails, and the other nodes' checks find what it carried.
	if err := nc.Publish(subject, b); err != nil && n.ctx.Err() == nil && !errors.Is(err, nats.ErrConnectionClosed) {
		n.log.Debug("cluster: publish", "subject", subject, "err", err)
	}
}

// Committed publishes a committed batch, one range per group. It runs in the committer.
func (n *Node) Committed(msgs []store.Message) {
	for len(msgs) > 0 {
		g := msgs[0].GroupID
		var mine []store.Message
		rest := msgs[:0:0]
		for _, m := range msgs {
			if m.GroupID == g {
				mine = append(mine, m)
			} else {
				rest = append(rest, m)
			}
		}
		n.publishJSON(groupSubject(g), envelope{Node: n.id, First: mine[0].Seq, Last: mine[len(mine)-1].Seq, Msgs: mine})
		msgs = rest
	}
}

// Relay publishes a live event of this node's hub for the others.
func (n *Node) Relay(ev chat.Relayed) {
	if ev.Kind == chat.RelayTyping || ev.Kind == chat.RelayStopTyping {
		n.publishJSON(subjectTyping, envelope{Node: n.id, Event: &ev})
		return
	}
	n.noteEvent(ev.GroupID)
	n.publishJSON(groupSubject(ev.GroupID), envelope{Node: n.id, Event: &ev})
}

// localChanges publishes what this node's store committed. It runs on the writer.
func (n *Node) localChanges(cs []store.Change) {
	n.noteChanges(cs)
	n.publishJSON(subjectChanges, envelope{Node: n.id, Changes: cs})
}

func groupSubject(id int64) string { return subjectGroupPrefix + strconv.FormatInt(id, 10) }

// receive handles everything the other nodes publish, in the order each sent it (one
// subscription, one goroutine).
func (n *Node) receive(m *nats.Msg) {
	hub := n.hub.Load()
	var e envelope
	if err := json.Unmarshal(m.Data, &e); err != nil {
		n.log.Warn("cluster: undecodable message", "subject", m.Subject, "err", err)
		return
	}
	if e.Node == n.id || hub == nil {
		return
	}
	switch {
	case strings.HasPrefix(m.Subject, subjectGroupPrefix):
		g, err := strconv.ParseInt(m.Subject[len(subjectGroupPrefix):], 10, 64)
		if err != nil {
			return
		}
		n.receiveGroup(hub, g, e)
	case m.Subject == subjectChanges:
		n.noteChanges(e.Changes)
		n.st.AnnounceRemote(e.Changes)
		for _, c := range e.Changes {
			if c.Kind == store.ChangeGroup && c.GroupID != 0 {
				hub.RoomChanged(c.GroupID) // its state notice (locked, slow mode)
			}
		}
	case m.Subject == subjectPresence:
		n.receivePresence(hub, e)
	case m.Subject == subjectTyping:
		if e.Event != nil {
			_ = hub.ApplyRelayed(n.ctx, *e.Event)
		}
	case m.Subject == subjectResync:
		n.wantResync()
	}
}

func (n *Node) receiveGroup(hub *chat.Hub, g int64, e envelope) {
	if e.Event != nil {
		n.noteEvent(g)
		ctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
		defer cancel()
		if err := hub.ApplyRelayed(ctx, *e.Event); err != nil && n.ctx.Err() == nil {
			n.log.Warn("cluster: apply event", "group", g, "err", err)
		}
		return
	}
	if e.First <= 0 || e.Last < e.First {
		return
	}
	if !hub.HasRoom(g) {
		// Nobody here has the room open: a socket that opens later catches up from the
		// database. The sequencer only moves on.
		s := n.state(g)
		s.mu.Lock()
		s.delivered = max(s.delivered, e.Last)
		s.mu.Unlock()
		return
	}
	if contiguous(e.Msgs, g, e.First, e.Last) {
		hub.RemoteCommitted(e.Msgs)
	} else {
		hub.RemoteRange(g, e.First, e.Last)
	}
}

// contiguous reports whether msgs are the group's messages first..last in order.
func contiguous(msgs []store.Message, g, first, last int64) bool {
	if int64(len(msgs)) != last-first+1 {
		return false
	}
	for i, m := range msgs {
		if m.GroupID != g || m.Seq != first+int64(i) {
			return false
		}
	}
	return true
}

func (n *Node) state(g int64) *groupState {
	n.gmu.Lock()
	defer n.gmu.Unlock()
	s := n.groups[g]
	if s == nil {
		s = &groupState{version: -1}
		n.groups[g] = s
	}
	return s
}

func (n *Node) noteEvent(g int64) {
	if g == 0 {
		return
	}
	s := n.state(g)
	s.mu.Lock()
	s.events++
	s.mu.Unlock()
}

func (n *Node) noteChanges(cs []store.Change) {
	for _, c := range cs {
		if c.Kind == store.ChangeMessage || c.Kind == store.ChangeNewMessages {
			n.noteEvent(c.GroupID)
		}
	}
}

// Publish is the hub's chat.Publisher: frames without new messages go to the local room
// at once; frames of new messages, this node's and the others', pass the group's
// sequencer.
func (n *Node) Publish(groupID int64, f *chat.Frame) {
	hub := n.hub.Load()
	if hub == nil {
		return
	}
	if f.Seq == 0 {
		hub.Deliver(groupID, f)
		return
	}
	s := n.state(groupID)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events++
	first := f.First
	if first == 0 {
		first = f.Seq
	}
	switch {
	case s.delivered != 0 && f.Seq <= s.delivered:
		return // covered already (a fill, or a frame held and flushed)
	case s.delivered == 0 || first <= s.delivered+1:
		n.deliver(hub, groupID, s, f)
		n.drainHeld(hub, groupID, s)
		return
	}
	s.held = append(s.held, f)
	if len(s.held) >= maxHeld {
		n.flushHeld(hub, groupID, s)
		return
	}
	if s.timer == nil {
		s.timer = time.AfterFunc(n.opt.HoldGap, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.timer = nil
			n.flushHeld(hub, groupID, s)
		})
	}
}

// deliver hands f to the room; s.mu is held.
func (n *Node) deliver(hub *chat.Hub, g int64, s *groupState, f *chat.Frame) {
	hub.Deliver(g, f)
	s.delivered = max(s.delivered, f.Seq)
}

// drainHeld delivers the held frames that now follow what was delivered.
func (n *Node) drainHeld(hub *chat.Hub, g int64, s *groupState) {
	if len(s.held) == 0 {
		return
	}
	sortHeld(s.held)
	i := 0
	for ; i < len(s.held); i++ {
		f := s.held[i]
		first := f.First
		if first == 0 {
			first = f.Seq
		}
		if first > s.delivered+1 {
			break
		}
		if f.Seq > s.delivered {
			n.deliver(hub, g, s, f)
		}
	}
	s.held = slices.Delete(s.held, 0, i)
	if len(s.held) == 0 && s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
}

// flushHeld gives up waiting: the held frames go out in order, and each socket loads the
// messages missing before them from the database.
func (n *Node) flushHeld(hub *chat.Hub, g int64, s *groupState) {
	sortHeld(s.held)
	for _, f := range s.held {
		if f.Seq > s.delivered {
			n.deliver(hub, g, s, f)
		}
	}
	s.held = nil
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
}

func sortHeld(fs []*chat.Frame) {
	slices.SortFunc(fs, func(a, b *chat.Frame) int {
		switch {
		case a.Seq < b.Seq:
			return -1
		case a.Seq > b.Seq:
			return 1
		}
		return 0
	})
}

// fillTo makes the room load everything up to last from the database; s.mu is held.
func (n *Node) fillTo(hub *chat.Hub, g int64, s *groupState, last int64) {
	if last <= s.delivered {
		return
	}
	n.deliver(hub, g, s, &chat.Frame{First: s.delivered + 1, Seq: last})
	n.drainHeld(hub, g, s)
}

func (n *Node) wantResync() {
	select {
	case n.resync <- struct{}{}:
	default:
	}
}

// checkLoop runs the position check and the resyncs.
func (n *Node) checkLoop() {
	defer n.wg.Done()
	t := time.NewTicker(n.opt.CheckEvery)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.resync:
			n.resyncAll()
		case <-t.C:
			n.check()
		}
	}
}

// resyncAll brings every cache and open room up to date with the database after this node
// may have missed what the others published.
func (n *Node) resyncAll() {
	hub := n.hub.Load()
	n.st.AnnounceRemote(store.EverythingChanged())
	for _, g := range hub.LiveGroups() {
		ctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
		last, err := n.st.LastSeq(ctx, g)
		if err == nil {
			s := n.state(g)
			s.mu.Lock()
			n.fillTo(hub, g, s, last)
			s.mu.Unlock()
			err = hub.Refresh(ctx, g, n.opt.RefreshWindow)
		}
		cancel()
		if err != nil && n.ctx.Err() == nil {
			n.log.Warn("cluster: resync room", "group", g, "err", err)
		}
	}
}

// check is the position check of every open room.
func (n *Node) check() {
	hub := n.hub.Load()
	for _, g := range hub.LiveGroups() {
		ctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
		err := n.checkGroup(ctx, hub, g)
		cancel()
		if err != nil && n.ctx.Err() == nil {
			n.log.Warn("cluster: position check", "group", g, "err", err)
		}
	}
}

func (n *Node) checkGroup(ctx context.Context, hub *chat.Hub, g int64) error {
	grp, err := n.st.GroupByID(ctx, g)
	if err != nil {
		return err
	}
	last, err := n.st.LastSeq(ctx, g)
	if err != nil {
		return err
	}
	s := n.state(g)
	s.mu.Lock()
	// What the previous check saw committed and has still not been delivered was lost on
	// the way (a frame in flight at the previous check has arrived by now).
	n.fillTo(hub, g, s, min(s.lastDB, last))
	s.lastDB = last
	refresh := s.version >= 0 && grp.HistoryVersion != s.version && s.events == 0
	s.version, s.events = grp.HistoryVersion, 0
	s.mu.Unlock()
	if refresh {
		return hub.Refresh(ctx, g, n.opt.RefreshWindow)
	}
	return nil
}

// presenceLoop sends this node's presence when it changes and every PresenceEvery, and
// forgets the nodes that stopped sending theirs.
func (n *Node) presenceLoop() {
	defer n.wg.Done()
	t := time.NewTicker(n.opt.PresenceTick)
	defer t.Stop()
	var last map[int64][]chat.Present
	var sent time.Time
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
		hub := n.hub.Load()
		now := hub.LocalPresence()
		if !samePresence(now, last) || time.Since(sent) >= n.opt.PresenceEvery {
			n.publishJSON(subjectPresence, envelope{Node: n.id, Groups: now})
			last, sent = now, time.Now()
		}
		n.pmu.Lock()
		expired := false
		for id, p := range n.remote {
			if time.Since(p.at) > n.opt.PresenceTTL {
				delete(n.remote, id)
				expired = true
			}
		}
		if expired {
			hub.SetRemotePresence(n.mergedLocked())
		}
		n.pmu.Unlock()
	}
}

func (n *Node) receivePresence(hub *chat.Hub, e envelope) {
	n.pmu.Lock()
	defer n.pmu.Unlock()
	if e.Bye {
		delete(n.remote, e.Node)
	} else {
		n.remote[e.Node] = nodePresence{groups: e.Groups, at: time.Now()}
	}
	hub.SetRemotePresence(n.mergedLocked())
}

// mergedLocked is every other node's presence together; pmu is held.
func (n *Node) mergedLocked() map[int64][]chat.Present {
	out := map[int64][]chat.Present{}
	for _, p := range n.remote {
		for g, ps := range p.groups {
			out[g] = append(out[g], ps...)
		}
	}
	return out
}

func samePresence(a, b map[int64][]chat.Present) bool {
	if len(a) != len(b) {
		return false
	}
	for g, ps := range a {
		if !slices.Equal(ps, b[g]) {
			return false
		}
	}
	return true
}
