package chat

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// Options configure a Hub. Zero values give the defaults noted.
type Options struct {
	Store  *store.Store
	Frames Frames
	Logger *slog.Logger
	// Publisher fans frames out; defaults to this hub alone (single node).
	Publisher Publisher
	// Committed, if set, sees every committed batch of new messages, in the committer's
	// goroutine before the fan-out: it must only take note (the mention notifications do,
	// and the cluster broker publishes the batch to the other nodes).
	Committed func([]store.Message)
	// Relay, if set, is told of each live event this node's handlers or sockets raise that
	// the other nodes of a cluster must repeat (cluster.go); nil on a single node.
	Relay func(Relayed)

	QueueLen  int           // outbound frames buffered per connection (256)
	ReadLimit int64         // largest client frame in bytes (64 KiB)
	PingEvery time.Duration // ping interval (25s)
	PongWait  time.Duration // read deadline pushed by each pong (60s)
	WriteWait time.Duration // deadline of one write (10s)
	// DirectWait is unused: deliveries no longer write to sockets (see fanout.go). Kept so
	// configurations that set it still build.
	DirectWait time.Duration
	// AuthEvery is the backstop re-check of every socket's authorization (30s). Sockets are
	// re-checked at once when the store announces a change that concerns them; this catches
	// what no change announces (a session that expires, a write from another process).
	AuthEvery  time.Duration
	MarkEvery  time.Duration // how often read positions are saved (2s)
	FlushEvery time.Duration // presence and typing updates (500ms)
	ResumeWait time.Duration // how long a client without ?after may take to send resume (2s)
	TypingFor  time.Duration // how long a typing signal lasts (4s)
	// SendRate and SendBurst limit each member's messages across all their sockets
	// (1 per second sustained, bursts of 5).
	SendRate  rate.Limit
	SendBurst int
	// ReactRate and ReactBurst limit each member's reaction toggles (5 per second, bursts
	// of 10); EditRate and EditBurst their edits and removals (1 per second, bursts of 5).
	ReactRate  rate.Limit
	ReactBurst int
	EditRate   rate.Limit
	EditBurst  int
	// Now is the rate limits' clock (time.Now); tests hold it still to count exactly.
	Now func() time.Time
	// CatchUpPage is how many missed messages one catch-up query loads (200).
	CatchUpPage int

	// MaxQueuedBytes drops a connection whose frames queued and not yet written pass this
	// many bytes (1 MiB): a client that stopped reading costs at most this much memory.
	MaxQueuedBytes int64

	// FanoutShards is how many goroutines render and queue committed messages for the
	// rooms (4); a group always goes to the same one. FanoutQueue is each one's queue, in
	// groups' shares of committed batches (1024); see fanout.go for what happens when full.
	FanoutShards int
	FanoutQueue  int

	// Open sockets allowed per member (20), per login session (10) and per client IP
	// (100); a negative value means no cap. The socket beyond a cap is opened and closed at
	// once with code 1008 and the reason (see the package documentation).
	MaxPerMember  int
	MaxPerSession int
	MaxPerIP      int
}

// Hub owns every live chat connection of this node.
type Hub struct {
	opt       Options
	st        *store.Store
	frames    Frames
	log       *slog.Logger
	pub       Publisher
	committer *store.Committer
	fan       fanout
	caps      *socketCaps
	filter    *filterCache // the community's word filter (wordfilter.go)

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // connections' goroutines and the hub's own loop

	mu     sync.RWMutex
	rooms  map[int64]*room
	limits limits // per-member rate limits (limits_member.go)

	// revoke carries store changes that may end sockets' authorization to housekeeping;
	// revokeAll is set when it overflowed (revoke.go).
	revoke    chan store.Change
	revokeAll atomic.Bool
	authGen   atomic.Uint64
	// nextExpiry is the earliest end of an open socket's mute (store clock, ms; 0: none).
	nextExpiry atomic.Int64
}

type room struct {
	mu     sync.RWMutex
	id     int64
	conns  map[*conn]struct{}
	online map[int64]*presence // by user id
	remote map[int64]*presence // who has the room open on other nodes (cluster.go); nil on one node
	typing map[int64]typist
	dirty  bool // presence or typing changed since the last flush
}

type presence struct {
	name      string
	count     int
	moderator bool
}

type typist struct {
	name  string
	until time.Time
}

// New builds a hub and starts its message writer and its housekeeping loop. Close stops
// both and every connection.
func New(opt Options) (*Hub, error) {
	if opt.Store == nil || opt.Frames == nil {
		return nil, fmt.Errorf("chat hub: store and frames are required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opt.PingEvery, 25*time.Second)
	def(&opt.PongWait, 60*time.Second)
	def(&opt.WriteWait, 10*time.Second)
	def(&opt.AuthEvery, 30*time.Second)
	def(&opt.MarkEvery, 2*time.Second)
	def(&opt.FlushEvery, 500*time.Millisecond)
	def(&opt.ResumeWait, 2*time.Second)
	def(&opt.TypingFor, 4*time.Second)
	if opt.QueueLen <= 0 {
		opt.QueueLen = 256
	}
	if opt.MaxQueuedBytes <= 0 {
		opt.MaxQueuedBytes = 1 << 20
	}
	if opt.FanoutShards <= 0 {
		opt.FanoutShards = 4
	}
	if opt.FanoutQueue <= 0 {
		opt.FanoutQueue = 1024
	}
	defCap := func(n *int, v int) {
		if *n == 0 {
			*n = v
		}
	}
	defCap(&opt.MaxPerMember, 20)
	defCap(&opt.MaxPerSession, 10)
	defCap(&opt.MaxPerIP, 100)
	if opt.ReadLimit <= 0 {
		opt.ReadLimit = 64 << 10
	}
	if opt.CatchUpPage <= 0 {
		opt.CatchUpPage = 200
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	h := &Hub{opt: opt, st: opt.Store, frames: opt.Frames, log: opt.Logger, pub: opt.Publisher,
		rooms: make(map[int64]*room), caps: newSocketCaps(), filter: newFilterCache(opt.Store)}
	h.limits = newLimits(&h.opt)
	if h.pub == nil {
		h.pub = localPublisher{h}
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.startFanout()
	c, err := opt.Store.NewCommitter(h.ctx, store.CommitterOptions{OnCommit: h.published, Logger: opt.Logger, MayPost: h.mayPost})
	if err != nil {
		h.cancel()
		h.stopFanout()
		return nil, fmt.Errorf("chat hub: %w", err)
	}
	h.committer = c
	h.followChanges()
	h.wg.Add(1)
	go h.housekeeping()
	return h, nil
}

// Close disconnects everyone (code 1012: they reconnect elsewhere or later), waits for
// every goroutine and stops the message writer. A socket whose client stopped reading
// holds it up closeGrace+closeWait at most: its blocked write is cut.
func (h *Hub) Close() error {
	h.cancel()
	h.wg.Wait()
	err := h.committer.Close()
	h.stopFanout()
	return err
}

// Client is who a new connection belongs to and where it starts.
type Client struct {
	UserID      int64
	SessionID   int64
	DisplayName string
	GroupID     int64
	// After is the last sequence the client has; -1 when it will say so in a resume frame.
	After int64
	// Checked is Hub.AuthGeneration read before the member's access was checked: the hub
	// re-checks the socket if anything that could revoke it was announced since.
	Checked uint64
	// End is where a client with After -1 starts if it sends no resume frame: the group's
	// last sequence when it connected. Read it before the upgrade, so every message
	// committed after the client sees its socket open reaches it.
	End int64
	// IP is the client's address, for the per-IP socket cap ("" counts against none).
	IP string
	// Moderator: the member moderates the group (authz.Moderate at the upgrade). In a
	// facilitated room their open socket is what lets members post, and their socket
	// receives hidden messages as moderators see them. The live re-check keeps it current.
	Moderator bool
	// Compose is ComposeKey of what the page shows in place of the send box (authz.Compose
	// at the upgrade); the socket is sent the new one when it changes.
	Compose string
}

// Attach takes over an upgraded socket: it registers the connection in its room and starts
// its reader and writer, then returns at once. A socket beyond one of the caps
// (MaxPerMember, MaxPerSession, MaxPerIP) is closed with code 1008 and a reason the member
// can read instead, and Attach returns a *TooManySocketsError.
func (h *Hub) Attach(ws *websocket.Conn, cl Client) error {
	if err := h.caps.reserve(h.opt, cl); err != nil {
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, err.reason),
			time.Now().Add(closeWait))
		_ = ws.Close()
		return err
	}
	ctx, cancel := context.WithCancel(h.ctx)
	c := &conn{hub: h, ws: ws, cl: cl, ctx: ctx, cancel: cancel,
		ring: make(chan struct{}, 1), resume: make(chan int64, 1), compose: cl.Compose}
	c.mod.Store(cl.Moderator)
	r := h.room(cl.GroupID, true)
	r.mu.Lock()
	r.conns[c] = struct{}{}
	p := r.online[cl.UserID]
	if p == nil {
		p = &presence{name: cl.DisplayName}
		r.online[cl.UserID] = p
		r.dirty = true
	}
	if cl.Moderator && !p.moderator {
		p.moderator, r.dirty = true, true
	}
	p.count++
	r.mu.Unlock()
	h.admit(c)
	h.wg.Add(2)
	go c.writeLoop(ctx)
	go c.readLoop(ctx)
	return nil
}

func (h *Hub) room(groupID int64, create bool) *room {
	h.mu.RLock()
	r := h.rooms[groupID]
	h.mu.RUnlock()
	if r != nil || !create {
		return r
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if r = h.rooms[groupID]; r == nil {
		r = &room{id: groupID, conns: make(map[*conn]struct{}), online: make(map[int64]*presence), typing: make(map[int64]typist)}
		h.rooms[groupID] = r
	}
	return r
}

// detach removes a finished connection from its room.
func (h *Hub) detach(c *conn) {
	r := h.room(c.cl.GroupID, false)
	if r == nil {
		return
	}
	r.mu.Lock()
	delete(r.conns, c)
	if p := r.online[c.cl.UserID]; p != nil {
		if p.count--; p.count <= 0 {
			delete(r.online, c.cl.UserID)
			delete(r.typing, c.cl.UserID)
			r.dirty = true
		}
	}
	r.mu.Unlock()
	h.caps.release(c.cl)
	// Keep the last delivered position as the member's read marker.
	if seq := c.lastSeq.Load(); seq > c.markedSeq.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.st.MarkRead(ctx, c.cl.GroupID, c.cl.UserID, seq); err != nil {
			h.log.Warn("chat: keep read marker", "group", c.cl.GroupID, "user", c.cl.UserID, "err", err)
		}
	}
}

// Deliver hands a frame to every local connection of a group. It only queues, never
// writes and never waits: each connection's own writer goroutine writes, so a client that
// stops reading holds up nobody else. A connection whose queue is full (QueueLen frames or
// MaxQueuedBytes) is dropped and will resync when it reconnects. The websocket message is
// prepared once here, so each writer sends the same bytes with no copy.
func (h *Hub) Deliver(groupID int64, f *Frame) {
	r := h.room(groupID, false)
	if r == nil {
		return
	}
	q := prepared(f)
	var mod, own *outFrame // a hidden message's variants (Frame.Mod, Frame.Own)
	if f.Mod != nil {
		mod = prepared(&Frame{Data: f.Mod})
	}
	if f.Own != nil && f.Author != 0 {
		own = prepared(&Frame{Data: f.Own})
	}
	r.mu.RLock()
	for c := range r.conns {
		switch {
		case mod != nil && c.mod.Load():
			c.offer(mod)
		case own != nil && c.cl.UserID == f.Author:
			c.offer(own)
		default:
			c.offer(q)
		}
	}
	r.mu.RUnlock()
}

// prepared is f as queued for a room's sockets, its websocket message prepared once.
func prepared(f *Frame) *outFrame {
	q := &outFrame{Frame: f}
	if len(f.Data) > 0 {
		if pm, err := websocket.NewPreparedMessage(websocket.TextMessage, f.Data); err == nil {
			q.pm = pm
		}
	}
	return q
}

// MessageChanged publishes a message that was edited, removed or reacted to. It goes
// through the group's fan-out shard, so it follows the message's own frame.
func (h *Hub) MessageChanged(m store.Message) {
	h.relay(RelayChanged, m)
	h.messageChanged(m)
}

func (h *Hub) messageChanged(m store.Message) {
	b, err := h.frames.ChangedMessage(m)
	if err != nil {
		h.log.Error("chat: render changed message", "group", m.GroupID, "message", m.ID, "err", err)
		return
	}
	f := &Frame{Data: b}
	// A hidden message: its moderators and its author see more of it than the room. One
	// rendering each, shared by all of their sockets.
	if f.Mod, f.Own, err = h.frames.MessageVariants(m); err != nil {
		h.log.Error("chat: render message variants", "group", m.GroupID, "message", m.ID, "err", err)
		f.Mod, f.Own = nil, nil
	}
	if f.Own != nil {
		f.Author = m.AuthorID
	}
	h.enqueue(m.GroupID, f)
}

// MessageApproved publishes a message a moderator approved after the word filter held it.
// Its sequence was passed over long ago, so it goes out as a plain frame (Seq 0): no
// receiver counts it against its sequence, and each page puts it in its place by data-seq.
func (h *Hub) MessageApproved(m store.Message) {
	h.relay(RelayApproved, m)
	h.messageApproved(m)
}

func (h *Hub) messageApproved(m store.Message) {
	b, err := h.frames.NewMessage(m)
	if err != nil {
		h.log.Error("chat: render approved message", "group", m.GroupID, "message", m.ID, "err", err)
		return
	}
	h.enqueue(m.GroupID, &Frame{Data: b})
}

// ReactionsChanged publishes a message's new reaction counts alone.
func (h *Hub) ReactionsChanged(m store.Message) {
	h.relay(RelayReactions, m)
	h.reactionsChanged(m)
}

func (h *Hub) reactionsChanged(m store.Message) {
	b, err := h.frames.Reactions(m)
	if err != nil {
		h.log.Error("chat: render reactions", "group", m.GroupID, "message", m.ID, "err", err)
		return
	}
	h.pub.Publish(m.GroupID, &Frame{Data: b})
}

// Post validates, rate-limits and durably writes a message, then returns it after commit.
// Every sender path (the socket, or a plain form post) goes through here. The committer asks
// authz, inside the transaction that writes the message, whether nm's session and author may
// still post to the group; a refusal comes back as ErrSignedOut or ErrNotMember.
func (h *Hub) Post(ctx context.Context, nm store.NewMessage) (store.Posted, error) {
	body, err := CheckBody(nm.Body)
	if err != nil {
		return store.Posted{}, err
	}
	if nm.ContentWarning, nm.Body, err = SplitWarning(body); err != nil {
		return store.Posted{}, err
	}
	if err := h.applyFilter(ctx, &nm); err != nil {
		return store.Posted{}, err
	}
	if !h.limits.sends.allow(nm.AuthorID) {
		return store.Posted{}, ErrSlowDown
	}
	p, err := h.committer.Post(ctx, nm)
	if err != nil {
		if r := refusedBy(err); r != nil {
			return store.Posted{}, r
		}
		return store.Posted{}, fmt.Errorf("post message: %w", err)
	}
	h.stopTyping(nm.GroupID, nm.AuthorID)
	return p, nil
}

func (h *Hub) typing(groupID, userID int64, name string) {
	if h.opt.Relay != nil {
		h.opt.Relay(Relayed{Kind: RelayTyping, GroupID: groupID, UserID: userID, Name: name})
	}
	h.setTyping(groupID, userID, name)
}

func (h *Hub) setTyping(groupID, userID int64, name string) {
	r := h.room(groupID, false)
	if r == nil {
		return
	}
	r.mu.Lock()
	if _, ok := r.typing[userID]; !ok {
		r.dirty = true
	}
	r.typing[userID] = typist{name: name, until: time.Now().Add(h.opt.TypingFor)}
	r.mu.Unlock()
}

func (h *Hub) stopTyping(groupID, userID int64) {
	if h.clearTyping(groupID, userID) && h.opt.Relay != nil {
		h.opt.Relay(Relayed{Kind: RelayStopTyping, GroupID: groupID, UserID: userID})
	}
}

// clearTyping ends a member's typing signal and reports whether there was one.
func (h *Hub) clearTyping(groupID, userID int64) bool {
	r := h.room(groupID, false)
	if r == nil {
		return false
	}
	r.mu.Lock()
	_, ok := r.typing[userID]
	if ok {
		delete(r.typing, userID)
		r.dirty = true
	}
	r.mu.Unlock()
	return ok
}

// mayPost is the committer's decision: authz.LivePost, with the one fact only the hub
// knows: whether one of a facilitated group's moderators has its room open right now.
func (h *Hub) mayPost(st store.Standing) error {
	if st.Group != nil && st.Group.Facilitated {
		st.FacilitatorHere = h.FacilitatorHere(st.Group.ID)
	}
	return authz.LivePost(st)
}

// FacilitatorHere reports whether one of the group's moderators has its room open.
func (h *Hub) FacilitatorHere(groupID int64) bool {
	r := h.room(groupID, false)
	if r == nil {
		return false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, p := range r.online {
		if p.moderator {
			return true
		}
	}
	for _, p := range r.remote {
		if p.moderator {
			return true
		}
	}
	return false
}

// RoomChanged re-sends the room's state notice (locked, slow mode, facilitated) to
// everyone in it with the next presence update: a moderator changed it.
func (h *Hub) RoomChanged(groupID int64) {
	r := h.room(groupID, false)
	if r == nil {
		return
	}
	r.mu.Lock()
	r.dirty = true
	r.mu.Unlock()
}

// Online returns the display names of members who have the group open now, sorted.
func (h *Hub) Online(groupID int64) []string {
	r := h.room(groupID, false)
	if r == nil {
		return nil
	}
	r.mu.RLock()
	names := make([]string, 0, len(r.online)+len(r.remote))
	for _, p := range r.online {
		names = append(names, p.name)
	}
	for id, p := range r.remote {
		if r.online[id] == nil {
			names = append(names, p.name)
		}
	}
	r.mu.RUnlock()
	slices.Sort(names)
	return names
}

// Kick reasons, sent in the close frame.
const (
	reasonGone     = "no longer a member of this group"
	reasonSession  = "signed out"
	reasonSlow     = "could not keep up; reconnect to catch up"
	reasonShutdown = "server restarting"
)

// KickMember disconnects a member from one group at once (they left or were removed).
func (h *Hub) KickMember(groupID, userID int64) {
	h.each(func(c *conn) bool { return c.cl.GroupID == groupID && c.cl.UserID == userID },
		websocket.ClosePolicyViolation, reasonGone)
}

// KickSession disconnects every socket opened with a session (logout, revocation).
func (h *Hub) KickSession(sessionID int64) {
	h.each(func(c *conn) bool { return c.cl.SessionID == sessionID }, websocket.ClosePolicyViolation, reasonSession)
}

// KickUser disconnects every socket of a member (account removed or suspended).
func (h *Hub) KickUser(userID int64) {
	h.each(func(c *conn) bool { return c.cl.UserID == userID }, websocket.ClosePolicyViolation, reasonSession)
}

func (h *Hub) each(match func(*conn) bool, code int, reason string) {
	for _, c := range h.snapshot() {
		if match(c) {
			c.close(code, reason)
		}
	}
}

func (h *Hub) snapshot() []*conn {
	h.mu.RLock()
	rooms := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.RUnlock()
	var out []*conn
	for _, r := range rooms {
		r.mu.RLock()
		for c := range r.conns {
			out = append(out, c)
		}
		r.mu.RUnlock()
	}
	return out
}

// housekeeping flushes presence and typing, re-checks authorization (when the store
// announces a change, and as a slow backstop) and saves read markers.
func (h *Hub) housekeeping() {
	defer h.wg.Done()
	flush := time.NewTicker(h.opt.FlushEvery)
	defer flush.Stop()
	auth := time.NewTicker(h.opt.AuthEvery)
	defer auth.Stop()
	marks := time.NewTicker(h.opt.MarkEvery)
	defer marks.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-flush.C:
			h.expire()
			h.flushRooms()
		case c := <-h.revoke:
			h.revoked(c)
		case <-auth.C:
			h.checkAuth()
		case <-marks.C:
			h.saveReadMarks()
		}
	}
}

func (h *Hub) flushRooms() {
	h.mu.RLock()
	rooms := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.RUnlock()
	now := time.Now()
	for _, r := range rooms {
		r.mu.Lock()
		for id, t := range r.typing {
			if now.After(t.until) {
				delete(r.typing, id)
				r.dirty = true
			}
		}
		if !r.dirty {
			r.mu.Unlock()
			continue
		}
		r.dirty = false
		online := make([]string, 0, len(r.online)+len(r.remote))
		facilitator := false
		for _, p := range r.online {
			online = append(online, p.name)
			facilitator = facilitator || p.moderator
		}
		for id, p := range r.remote {
			if r.online[id] == nil {
				online = append(online, p.name)
			}
			facilitator = facilitator || p.moderator
		}
		typing := make([]Typist, 0, len(r.typing))
		for id, t := range r.typing {
			typing = append(typing, Typist{UserID: id, Name: t.name})
		}
		empty := len(r.conns) == 0
		r.mu.Unlock()
		slices.Sort(online)
		slices.SortFunc(typing, func(a, b Typist) int { return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.UserID, b.UserID)) })
		if !empty {
			p, err1 := h.frames.Presence(r.id, online)
			t, err2 := h.frames.Typing(typing)
			st, err3 := h.frames.RoomState(r.id, facilitator)
			if err1 != nil || err2 != nil || err3 != nil {
				h.log.Error("chat: render presence", "group", r.id, "err", errors.Join(err1, err2, err3))
				continue
			}
			data := make([]byte, 0, len(p)+len(t)+len(st))
			h.pub.Publish(r.id, &Frame{Data: append(append(append(data, p...), t...), st...)})
		}
	}
}

// checkAuth is the backstop: it re-checks every socket, even when nothing was announced
// (a session that expired, a change made by another process or node), and forgets idle
// members' rate limits.
func (h *Hub) checkAuth() {
	conns := h.snapshot()
	if len(conns) > 0 {
		h.recheck(conns)
	}
	h.pruneLimiters(conns)
}

// saveReadMarks saves how far each open socket's member has read, in one transaction. It
// queries nothing when nobody received anything new.
func (h *Hub) saveReadMarks() {
	conns := h.snapshot()
	marks := map[store.MemberPair]int64{}
	for _, c := range conns {
		if seq := c.lastSeq.Load(); seq > c.markedSeq.Load() {
			p := store.MemberPair{GroupID: c.cl.GroupID, UserID: c.cl.UserID}
			marks[p] = max(marks[p], seq)
			c.markedSeq.Store(seq)
		}
	}
	if len(marks) == 0 {
		return
	}
	rm := make([]store.ReadMark, 0, len(marks))
	for p, seq := range marks {
		rm = append(rm, store.ReadMark{GroupID: p.GroupID, UserID: p.UserID, Seq: seq})
	}
	ctx, cancel := context.WithTimeout(h.ctx, recheckWait)
	defer cancel()
	if err := h.st.MarkReadMany(ctx, rm); err != nil {
		h.log.Warn("chat: save read markers", "err", err)
	}
}

// pruneLimiters forgets the rate limits of members with no open socket whose budgets are
// full again, so the maps do not grow with every member who ever chatted.
func (h *Hub) pruneLimiters(conns []*conn) {
	active := make(map[int64]bool, len(conns))
	for _, c := range conns {
		active[c.cl.UserID] = true
	}
	h.limits.prune(active)
}

// Broadcast publishes a frame of HTML (top-level elements carrying hx-swap-oob) to every
// open socket of a group's room, through the same publisher as the chat. Other features
// use it for live updates of the group's pages (the goal board); html must be safe for
// every member of the group to see.
func (h *Hub) Broadcast(groupID int64, html []byte) {
	h.pub.Publish(groupID, &Frame{Data: html})
}
