package main

import (
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// BenchmarkLoopbackWrite measures what one websocket delivery costs this machine's kernel at
// the least: one write(2) of a message-sized frame to a loopback TCP socket and the read(2)
// that takes it on the other end, with nothing else around them (no framing, no Go
// websocket code). It reports the process CPU (user + system) per write. BENCHMARKS.md uses
// it to show how much of the fan-out budget the kernel alone takes on a given machine.
func BenchmarkLoopbackWrite(b *testing.B) {
	const sockets, size = 50, 1400
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	conns := make([]net.Conn, sockets)
	for i := range conns {
		if conns[i], err = net.Dial("tcp", ln.Addr().String()); err != nil {
			b.Fatal(err)
		}
		defer conns[i].Close()
	}
	msg := make([]byte, size)
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ResetTimer()
	c0 := cpu()
	for i := range b.N {
		if _, err := conns[i%sockets].Write(msg); err != nil {
			b.Fatal(err)
		}
		if i%sockets == sockets-1 {
			time.Sleep(200 * time.Microsecond) // let the readers drain, as between messages
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpu()-c0).Microseconds())/float64(b.N), "cpu-us/write")
}
