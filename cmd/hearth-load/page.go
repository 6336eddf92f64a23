package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// pageResult is the outcome of the page-load mode.
type pageResult struct {
	Conns      int         `json:"conns"`
	Seconds    float64     `json:"seconds"`
	Requests   int64       `json:"requests"`
	Errors     int64       `json:"errors"`
	ReqPerSec  float64     `json:"req_per_s"`
	Latency    Percentiles `json:"latency"`
	BodyBytes  int         `json:"body_bytes"`
	HistoryMsg int         `json:"history_messages_on_page"`
	CPUPerReq  float64     `json:"server_cpu_us_per_request"`
	ToolCores  float64     `json:"tool_cpu_cores"`
}

// pageLoad requests the group page as a logged-in member from conns keep-alive
// connections, each sending its next request when the previous answer is read (like wrk),
// for dur. The first answer must be 200 and hold the seeded history.
func pageLoad(ctx context.Context, ep endpoint, pids []int, conns int, dur time.Duration, wantMsgs int) (pageResult, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// get reads the whole body (so the connection is reused) into w.
	get := func(w io.Writer) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep.Page, nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Cookie", ep.Cookie)
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, err = io.Copy(w, resp.Body)
		return resp.StatusCode, err
	}
	var first bytes.Buffer
	code, err := get(&first)
	b := first.Bytes()
	if err != nil {
		return pageResult{}, err
	}
	if code != http.StatusOK {
		return pageResult{}, fmt.Errorf("GET %s: HTTP %d", ep.Page, code)
	}
	res := pageResult{Conns: conns, BodyBytes: len(b), HistoryMsg: bytes.Count(b, []byte(`data-seq="`))}
	if res.HistoryMsg < wantMsgs {
		return res, fmt.Errorf("group page shows %d messages, want at least %d", res.HistoryMsg, wantMsgs)
	}

	lat := newLatencyRecorder()
	var mu sync.Mutex
	var wg sync.WaitGroup
	cpu0, _ := sumCPU(pids)
	tool0, _ := procCPU(os.Getpid())
	start := time.Now()
	stop := start.Add(dur)
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n, errs int64
			for time.Now().Before(stop) && ctx.Err() == nil {
				t0 := time.Now()
				// Measured pages are discarded through io.Discard's pooled buffer: the
				// tool shares the server's cores, so it must not allocate per page.
				code, err := get(io.Discard)
				lat.Record(w, time.Since(t0))
				n++
				if err != nil || code != http.StatusOK {
					errs++
				}
			}
			mu.Lock()
			res.Requests += n
			res.Errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	cpu1, _ := sumCPU(pids)
	tool1, _ := procCPU(os.Getpid())
	res.Seconds = time.Since(start).Seconds()
	res.ToolCores = (tool1 - tool0) / res.Seconds
	res.ReqPerSec = float64(res.Requests) / res.Seconds
	res.Latency = summarize(lat.Total())
	if res.Requests > 0 {
		res.CPUPerReq = (cpu1 - cpu0) / float64(res.Requests) * 1e6
	}
	return res, nil
}
