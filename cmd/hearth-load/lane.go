package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// A lane is one system under test: Hearth, or the baseline (gorilla/websocket's chat
// example). The run loop drives both the same way; the lane knows how to start the
// server, make members and speak its wire format.
type lane interface {
	Name() string
	// Start launches (or attaches to) the server processes.
	Start(ctx context.Context) error
	// Provision makes groups×perGroup members, perGroup in each group, and returns one
	// endpoint per connection; endpoint i is in group i/perGroup.
	Provision(ctx context.Context, groups, perGroup int) ([]endpoint, error)
	// Pids are the server processes whose CPU and memory are measured.
	Pids() []int
	// Encode appends the frame that publishes body to dst.
	Encode(dst []byte, body, clientID string) []byte
	// Parse calls fn for each message of this run in a received frame, in frame order.
	// seq is the server's per-group sequence, or 0 where the lane has none.
	Parse(frame []byte, fn func(seq, t, n int64))
	// Resumes reports whether a reconnecting client gets the messages it missed.
	Resumes() bool
	Stop() error
}

// endpoint is where one connection dials and who it is.
type endpoint struct {
	URL    string // ws:// URL of the group's socket, without query
	Header http.Header
	Group  int
	Page   string // http:// URL of the group page (Hearth only)
	Cookie string // Cookie header value (Hearth only)
	Node   int    // which server node it connects to (the cluster lane has several)
}

// body formats a message body: the intended send time, the message number and the run id,
// so receivers compute latency and find duplicates, and old messages are ignored.
func body(dst []byte, t time.Time, n int64, run string) []byte {
	dst = append(dst, "t="...)
	dst = strconv.AppendInt(dst, t.UnixNano(), 10)
	dst = append(dst, " n="...)
	dst = strconv.AppendInt(dst, n, 10)
	dst = append(dst, " ~"...)
	return append(dst, run...)
}

// scanBodies finds "t=<int> n=<int> ~<run>" in frame and calls fn with its offset. It
// looks for the "~<run>" marker and parses backwards from it: searching forward for "t="
// would stop at every hx-target= and datetime= in Hearth's HTML, and a marker that began
// with a space or a letter would stop the byte search at every word.
func scanBodies(frame []byte, run string, fn func(off int, t, n int64)) {
	marker := "~" + run
	i := 0
	for {
		j := bytes.Index(frame[i:], []byte(marker))
		if j < 0 {
			return
		}
		k := i + j
		i = k + len(marker)
		if k < 1 || frame[k-1] != ' ' {
			continue
		}
		n, k, ok := digitsBack(frame, k-1)
		if !ok || k < 3 || string(frame[k-3:k]) != " n=" {
			continue
		}
		t, k, ok := digitsBack(frame, k-3)
		if !ok || k < 2 || string(frame[k-2:k]) != "t=" {
			continue
		}
		fn(k-2, t, n)
	}
}

// digitsBack parses the decimal number that ends just before b[end].
func digitsBack(b []byte, end int) (v int64, start int, ok bool) {
	start = end
	for start > 0 && b[start-1] >= '0' && b[start-1] <= '9' && end-start < 19 {
		start--
	}
	if start == end {
		return 0, end, false
	}
	v, _, _ = digits(b, start)
	return v, start, true
}

func digits(b []byte, i int) (v int64, end int, ok bool) {
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		v = v*10 + int64(b[i]-'0')
		i++
	}
	return v, i, i > start
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// checkLoopback refuses any target that is not on this machine's loopback: the tool is a
// load generator and must never be pointed at somebody else's server.
func checkLoopback(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing non-loopback target %q: hearth-load only drives servers on 127.0.0.0/8 or ::1", rawURL)
	}
	return nil
}

// waitTCP waits until addr accepts connections.
func waitTCP(ctx context.Context, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening after %s: %w", addr, limit, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// proc is a server process the tool started.
type proc struct {
	cmd  *exec.Cmd
	log  string
	done chan error
}

func startProc(bin string, args, env []string, dir, logPath string) (*proc, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group, so a signal to the tool's terminal does not hit it twice.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &proc{cmd: cmd, log: logPath, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait(); f.Close() }()
	return p, nil
}

// stop asks the process to end (SIGTERM) and kills it after a grace period.
func (p *proc) stop() error {
	if p == nil || p.cmd.Process == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return errors.New("server ignored SIGTERM for 5s; killed")
	}
}

// exited reports a process that ended early, with the tail of its log.
func (p *proc) exited() error {
	select {
	case err := <-p.done:
		p.done <- err
		b, _ := os.ReadFile(p.log)
		if len(b) > 2000 {
			b = b[len(b)-2000:]
		}
		return fmt.Errorf("%s exited early (%v); log tail:\n%s", filepath.Base(p.cmd.Path), err, b)
	default:
		return nil
	}
}

// goBuild builds a Go package into dir and returns the binary's path.
func goBuild(ctx context.Context, pkg, dir, name string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return out, nil
}
