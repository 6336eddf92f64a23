package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// profiler is a lane whose server serves pprof.
type profiler interface{ DebugURL() string }

// startProfile fetches the server's CPU profile for dur, starting after delay, into path.
// The returned func waits for it. It does nothing when path is empty or the lane has no
// pprof endpoint.
func startProfile(ctx context.Context, l lane, path string, delay, dur time.Duration, log io.Writer) func() {
	p, ok := l.(profiler)
	if path == "" || !ok || p.DebugURL() == "" || dur < time.Second {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := func() error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(delay):
			}
			u := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", p.DebugURL(), int(dur.Seconds()))
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
			}
			f, err := os.Create(path)
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, resp.Body); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		}()
		if err != nil {
			fmt.Fprintf(log, "profile: %v\n", err)
		} else {
			fmt.Fprintf(log, "profile: server CPU profile written to %s (go tool pprof -top %s)\n", path, path)
		}
	}()
	return func() { <-done }
}
