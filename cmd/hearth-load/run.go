package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// runner holds the state of one lane's run: its connections and the counters the reader
// and writer goroutines update.
type runner struct {
	lane     lane
	run      string
	groups   int
	perGroup int
	dialers  []*websocket.Dialer
	lat      *latencyRecorder
	sendLag  *latencyRecorder // actual write time − intended send time: the tool's own delay
	// With several server nodes: latency of deliveries whose sender is on the receiver's node,
	// and of those that crossed the broker from another node.
	latSame, latOther *latencyRecorder
	multiNode         bool
	progress          io.Writer

	clients []*client
	sent    []atomic.Int64 // per group: messages written to the server

	delivered, dups, foreign atomic.Int64
	frames                   atomic.Int64 // websocket messages received
	reconnects, dialErrs     atomic.Int64
	inflight, unsent         atomic.Int64
	measureFrom, measureTo   atomic.Int64 // unix ns: latencies of messages sent in [from, to) are recorded
	errMu                    sync.Mutex
	lastErr                  error
	cancel                   context.CancelFunc
	wg                       sync.WaitGroup
}

func newRunner(l lane, run string, groups, perGroup, srcIPs int, progress io.Writer) *runner {
	return &runner{
		lane: l, run: run, groups: groups, perGroup: perGroup,
		dialers:  newDialers(srcIPs),
		lat:      newLatencyRecorder(),
		sendLag:  newLatencyRecorder(),
		latSame:  newLatencyRecorder(),
		latOther: newLatencyRecorder(),
		progress: progress,
		sent:     make([]atomic.Int64, groups),
	}
}

func (r *runner) dialer(id int) *websocket.Dialer { return r.dialers[id%len(r.dialers)] }

func (r *runner) noteErr(err error) {
	if err == nil {
		return
	}
	r.errMu.Lock()
	r.lastErr = err
	r.errMu.Unlock()
}

// connect opens one websocket per endpoint, at most 64 handshakes in flight so the
// server's accept backlog is not overrun.
func (r *runner) connect(ctx context.Context, eps []endpoint) error {
	ctx, r.cancel = context.WithCancel(ctx)
	sem := make(chan struct{}, 64)
	errs := make(chan error, len(eps))
	r.clients = make([]*client, len(eps))
	for _, ep := range eps {
		r.multiNode = r.multiNode || ep.Node != 0
	}
	for i, ep := range eps {
		c := &client{id: i, ep: ep, r: r, out: make(chan outMsg, 4096)}
		r.clients[i] = c
		sem <- struct{}{}
		ready := make(chan error, 1)
		r.wg.Add(1)
		go func() { defer r.wg.Done(); c.loop(ctx, ready) }()
		go func() { err := <-ready; <-sem; errs <- err }()
	}
	var first error
	for range eps {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		r.close()
		return fmt.Errorf("connect %d websockets: %w", len(eps), first)
	}
	return nil
}

// close ends every connection and waits for their goroutines.
func (r *runner) close() {
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
}

// expected is how many deliveries the messages written so far must produce: every member
// of the group, the sender included, receives each message once.
func (r *runner) expected() int64 {
	var e int64
	for g := range r.sent {
		e += r.sent[g].Load() * int64(r.perGroup)
	}
	return e
}

// phase is the outcome of publishing at one rate for one duration.
type phase struct {
	Rate             float64     `json:"rate_msgs_per_s"`
	Seconds          float64     `json:"seconds"`
	Sent             int64       `json:"sent"`
	DeliveriesPerSec float64     `json:"deliveries_per_s"`
	Latency          Percentiles `json:"latency"`
	SendLag          Percentiles `json:"send_lag"` // how late the tool wrote messages; part of Latency
	// Several nodes: Latency split by whether the sender was on the receiver's node.
	LatencySameNode  *Percentiles `json:"latency_same_node,omitempty"`
	LatencyOtherNode *Percentiles `json:"latency_other_node,omitempty"`
	CPUSeconds       float64      `json:"server_cpu_s"`
	CPUPerDelivUS    float64      `json:"server_cpu_us_per_delivery"`
	ToolCPUSeconds   float64      `json:"tool_cpu_s"`
	OtherCPUSeconds  float64      `json:"other_cpu_s"` // busy time of every other process on the machine
	// The cluster lane's database: CPU of every PostgreSQL process on the machine (other
	// users of that server included), apart from the server CPU above.
	DBMeasured    bool    `json:"database_measured,omitempty"`
	DBCPUSeconds  float64 `json:"database_cpu_s,omitempty"`
	DBCPUPerDelUS float64 `json:"database_cpu_us_per_delivery,omitempty"`
	MsgsPerFrame  float64 `json:"deliveries_per_frame"` // how much the server coalesces
	Lost          int64   `json:"lost"`
	Dups          int64   `json:"duplicates"`
	Unsent        int64   `json:"unsent_tool_overloaded"`
	Drained       bool    `json:"drained"`
}

// databaseLane is a lane whose database runs in processes of its own (PostgreSQL).
type databaseLane interface {
	DatabaseCPU() (float64, bool)
}

func dbCPU(l databaseLane) (float64, bool) {
	if l == nil {
		return 0, false
	}
	return l.DatabaseCPU()
}

// publish sends at a constant arrival rate for dur and measures after warm: message n is
// due at start+n/rate whatever happened to message n-1 (open loop), and carries that
// intended time, so a server that falls behind shows it as latency instead of slowing
// the tool down. It then waits up to drain for every delivery.
func (r *runner) publish(ctx context.Context, rate float64, dur, warm, drain time.Duration, n0 int64) (phase, int64) {
	r.lat.Reset()
	r.sendLag.Reset()
	r.latSame.Reset()
	r.latOther.Reset()
	pids := r.lane.Pids()
	start := time.Now().Add(20 * time.Millisecond)
	from, to := start.Add(warm), start.Add(dur)
	r.measureFrom.Store(from.UnixNano())
	r.measureTo.Store(to.UnixNano())
	interval := float64(time.Second) / rate
	total := int64(math.Round(rate * dur.Seconds()))
	var cpu0, tool0, all0, db0 float64
	dbl, _ := r.lane.(databaseLane)
	var del0, fr0 int64
	measuring := false
	ph := phase{Rate: rate}

	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	lastTick, lastDel := start, r.delivered.Load()
	n := int64(0)
	timer := time.NewTimer(time.Until(start))
	defer timer.Stop()
	for n < total {
		select {
		case <-ctx.Done():
			total = n
			continue
		case <-timer.C:
		case now := <-tick.C:
			d := r.delivered.Load()
			iv := summarize(r.lat.Interval())
			fmt.Fprintf(r.progress, "[%-8s %5.1fs] in %6.0f msg/s  sent %7d  deliv %7.0f/s  p50 %6.2fms  p99 %7.2fms  max %7.2fms  dup %d  reconn %d  unsent %d\n",
				r.lane.Name(), now.Sub(start).Seconds(), rate, n, float64(d-lastDel)/now.Sub(lastTick).Seconds(),
				iv.P50, iv.P99, iv.Max, r.dups.Load(), r.reconnects.Load(), r.unsent.Load())
			lastTick, lastDel = now, d
			continue
		}
		now := time.Now()
		if !measuring && !now.Before(from) {
			measuring = true
			cpu0, _ = sumCPU(pids)
			tool0, _ = procCPU(os.Getpid())
			all0, _ = machineCPU()
			db0, _ = dbCPU(dbl)
			del0 = r.delivered.Load()
			fr0 = r.frames.Load()
		}
		due := min(total, int64(now.Sub(start)/time.Duration(interval))+1)
		for ; n < due; n++ {
			m := n0 + n
			g := int(m % int64(r.groups))
			sender := g*r.perGroup + int((m/int64(r.groups))%int64(r.perGroup))
			msg := outMsg{n: m, t: start.Add(time.Duration(float64(n) * interval))}
			r.inflight.Add(1)
			select {
			case r.clients[sender].out <- msg:
			default: // the tool cannot keep up; never block the clock
				r.inflight.Add(-1)
				r.unsent.Add(1)
				ph.Unsent++
			}
		}
		next := start.Add(time.Duration(float64(n) * interval))
		timer.Reset(max(time.Until(next), 200*time.Microsecond))
	}
	// End of the measured window.
	end := time.Now()
	if !measuring { // the run was shorter than the warm-up
		cpu0, _ = sumCPU(pids)
		tool0, _ = procCPU(os.Getpid())
		all0, _ = machineCPU()
		db0, _ = dbCPU(dbl)
		del0 = r.delivered.Load()
		fr0 = r.frames.Load()
		from = end
	}
	cpu1, _ := sumCPU(pids)
	tool1, _ := procCPU(os.Getpid())
	all1, _ := machineCPU()
	db1, dbOK := dbCPU(dbl)
	del1, fr1 := r.delivered.Load(), r.frames.Load()
	if fr1 > fr0 {
		ph.MsgsPerFrame = float64(del1-del0) / float64(fr1-fr0)
	}
	win := end.Sub(from).Seconds()
	ph.Seconds = win
	ph.Sent = n
	if win > 0 {
		ph.DeliveriesPerSec = float64(del1-del0) / win
	}
	ph.CPUSeconds, ph.ToolCPUSeconds = cpu1-cpu0, tool1-tool0
	if dbOK {
		ph.DBMeasured, ph.DBCPUSeconds = true, max(0, db1-db0)
	}
	ph.OtherCPUSeconds = max(0, (all1-all0)-ph.CPUSeconds-ph.ToolCPUSeconds-ph.DBCPUSeconds)
	if del1 > del0 {
		ph.CPUPerDelivUS = ph.CPUSeconds / float64(del1-del0) * 1e6
		ph.DBCPUPerDelUS = ph.DBCPUSeconds / float64(del1-del0) * 1e6
	}

	// Drain: wait until every scheduled message is written and every delivery arrived.
	deadline := time.Now().Add(drain)
	for time.Now().Before(deadline) {
		if r.inflight.Load() == 0 && r.delivered.Load() >= r.expected() {
			ph.Drained = true
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	ph.Latency = summarize(r.lat.Total())
	ph.SendLag = summarize(r.sendLag.Total())
	if r.multiNode {
		same, other := summarize(r.latSame.Total()), summarize(r.latOther.Total())
		ph.LatencySameNode, ph.LatencyOtherNode = &same, &other
	}
	ph.Lost = r.expected() - r.delivered.Load()
	ph.Dups = r.dups.Load()
	return ph, n0 + n
}
