package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
)

// baselineLane runs gorilla/websocket's chat example, the reference for "an in-memory hub
// with no persistence and no auth". The example has one global room, so each Hearth group
// maps to its own chat process on its own port (20 groups → 20 processes); CPU and memory
// are summed over all of them. Each process then does what one Hearth group hub does:
// read a message, hand it to every connection's send queue, write it out.
//
// Its wire format: a text frame is the message; the server broadcasts it to every client of
// the room, the sender included, and coalesces queued messages into one frame separated by
// newlines. Max message size is 512 bytes; a client whose 256-message send buffer is full
// is dropped (its messages are then lost: there is no resync).
type baselineLane struct {
	bin   string // prebuilt chat binary; built into work when empty
	work  string
	run   string
	procs []*proc
	ports []int
	n     int // processes to start, set by Provision's groups before Start
}

const baselinePkg = "github.com/gorilla/websocket/examples/chat"

func (l *baselineLane) Name() string { return "baseline" }

func (l *baselineLane) Start(ctx context.Context) error {
	if l.bin == "" {
		bin, err := goBuild(ctx, baselinePkg, l.work, "gorilla-chat")
		if err != nil {
			return err
		}
		l.bin = bin
	}
	// The example serves home.html from its working directory at "/"; give it one so
	// "/" answers, though the load only uses /ws.
	if err := os.WriteFile(filepath.Join(l.work, "home.html"), []byte("<!doctype html><title>chat</title>\n"), 0o644); err != nil {
		return err
	}
	for i := 0; i < l.n; i++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		p, err := startProc(l.bin, []string{"-addr", "127.0.0.1:" + strconv.Itoa(port)}, nil, l.work,
			filepath.Join(l.work, fmt.Sprintf("chat-%d.log", i)))
		if err != nil {
			return err
		}
		l.procs = append(l.procs, p)
		l.ports = append(l.ports, port)
	}
	for i, port := range l.ports {
		if err := waitTCP(ctx, "127.0.0.1:"+strconv.Itoa(port), 10e9); err != nil {
			if e := l.procs[i].exited(); e != nil {
				return e
			}
			return err
		}
	}
	return nil
}

func (l *baselineLane) Provision(_ context.Context, groups, perGroup int) ([]endpoint, error) {
	if groups > len(l.ports) {
		return nil, fmt.Errorf("baseline: %d groups but %d chat processes", groups, len(l.ports))
	}
	eps := make([]endpoint, 0, groups*perGroup)
	for g := 0; g < groups; g++ {
		origin := "http://127.0.0.1:" + strconv.Itoa(l.ports[g])
		h := http.Header{"Origin": {origin}}
		for i := 0; i < perGroup; i++ {
			eps = append(eps, endpoint{URL: "ws://127.0.0.1:" + strconv.Itoa(l.ports[g]) + "/ws", Header: h, Group: g})
		}
	}
	return eps, nil
}

func (l *baselineLane) Pids() []int {
	pids := make([]int, len(l.procs))
	for i, p := range l.procs {
		pids[i] = p.cmd.Process.Pid
	}
	return pids
}

func (l *baselineLane) Encode(dst []byte, body, _ string) []byte { return append(dst, body...) }

func (l *baselineLane) Parse(frame []byte, fn func(seq, t, n int64)) {
	scanBodies(frame, l.run, func(_ int, t, n int64) { fn(0, t, n) })
}

func (l *baselineLane) Resumes() bool { return false }

func (l *baselineLane) Stop() error {
	var first error
	for _, p := range l.procs {
		if err := p.stop(); err != nil && first == nil {
			first = err
		}
	}
	l.procs, l.ports = nil, nil
	return first
}
