package main

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds from 1 µs to 2 minutes with 3 significant digits,
// so p99 of a few milliseconds is exact to 0.1%.
const (
	histMin    = 1
	histMax    = int64(2 * time.Minute / time.Microsecond)
	histDigits = 3
	stripes    = 32
)

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(histMin, histMax, histDigits) }

// latencyRecorder collects publish→receive latencies from many reader goroutines. A
// histogram is not safe for concurrent use, so readers are spread over striped histograms
// by connection id; Snapshot merges them. Each stripe keeps the samples of the current
// interval (for the progress line) apart from the running total.
type latencyRecorder struct {
	s [stripes]struct {
		mu  sync.Mutex
		cur *hdrhistogram.Histogram
		_   [40]byte // keep stripes on separate cache lines
	}
	total *hdrhistogram.Histogram // only touched by Interval and Total, under totalMu
	totMu sync.Mutex
}

func newLatencyRecorder() *latencyRecorder {
	r := &latencyRecorder{total: newHist()}
	for i := range r.s {
		r.s[i].cur = newHist()
	}
	return r
}

// Record adds one latency observed by connection conn.
func (r *latencyRecorder) Record(conn int, d time.Duration) {
	us := d.Microseconds()
	if us < histMin {
		us = histMin
	}
	if us > histMax {
		us = histMax
	}
	st := &r.s[conn%stripes]
	st.mu.Lock()
	_ = st.cur.RecordValue(us)
	st.mu.Unlock()
}

// Interval returns the samples recorded since the previous call and folds them into the
// running total.
func (r *latencyRecorder) Interval() *hdrhistogram.Histogram {
	iv := newHist()
	for i := range r.s {
		st := &r.s[i]
		st.mu.Lock()
		iv.Merge(st.cur)
		st.cur.Reset()
		st.mu.Unlock()
	}
	r.totMu.Lock()
	r.total.Merge(iv)
	r.totMu.Unlock()
	return iv
}

// Total returns every sample recorded so far (since the last Reset).
func (r *latencyRecorder) Total() *hdrhistogram.Histogram {
	r.Interval()
	r.totMu.Lock()
	defer r.totMu.Unlock()
	out := newHist()
	out.Merge(r.total)
	return out
}

// Reset forgets every sample; saturation mode calls it between rate steps.
func (r *latencyRecorder) Reset() {
	r.Interval()
	r.totMu.Lock()
	r.total.Reset()
	r.totMu.Unlock()
}

// Percentiles is a latency summary in milliseconds.
type Percentiles struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

func summarize(h *hdrhistogram.Histogram) Percentiles {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Percentiles{
		Count: h.TotalCount(),
		P50:   ms(h.ValueAtQuantile(50)),
		P95:   ms(h.ValueAtQuantile(95)),
		P99:   ms(h.ValueAtQuantile(99)),
		Max:   ms(h.Max()),
	}
}

// bitset records which message indexes a connection has received.
type bitset []uint64

// set marks i and reports whether it was already marked.
func (b *bitset) set(i int64) (dup bool) {
	w := int(i >> 6)
	for w >= len(*b) {
		*b = append(*b, make([]uint64, len(*b)+64)...)
	}
	m := uint64(1) << (uint(i) & 63)
	dup = (*b)[w]&m != 0
	(*b)[w] |= m
	return dup
}
