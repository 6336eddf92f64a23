package handlers_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// benchMember creates a member with a session straight in the store (no password hashing)
// and returns its session cookie value.
func benchMember(b *testing.B, app *handlerstest.App, name string, groupID int64) string {
	b.Helper()
	ctx := context.Background()
	u, err := app.Store.CreateUser(ctx, store.NewUser{Username: name, DisplayName: name})
	if err != nil {
		b.Fatal(err)
	}
	token := "bench-token-" + name + "-0123456789abcdef0123456789"
	sum := sha256.Sum256([]byte(token))
	if _, err := app.Store.CreateSession(ctx, u.ID, sum[:], time.Hour, "bench", "127.0.0.1"); err != nil {
		b.Fatal(err)
	}
	if err := app.Store.Join(ctx, groupID, u.ID); err != nil {
		b.Fatal(err)
	}
	return token
}

func benchDial(b *testing.B, app *handlerstest.App, token string) *websocket.Conn {
	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(app.URL, "http://", "ws://", 1)+"/groups/welcome/ws?after=0",
		http.Header{"Origin": {app.URL}, "Cookie": {"hearth_session=" + token}})
	if err != nil {
		b.Fatal(err)
	}
	return ws
}

// BenchmarkChatFanout measures one message from a sender's socket through validation,
// group commit, a single render and delivery to 50 receiving sockets. ns/op is per
// message, fully received by all 50; the p50/p99 are publish→last-receiver latencies.
func BenchmarkChatFanout(b *testing.B) {
	const receivers = 50
	// On two cores the 100 reader/writer goroutines can starve the sender's own drain for a
	// moment; deep queues keep the benchmark from measuring slow-client drops instead.
	app := handlerstest.New(b, handlerstest.WithChat(func(o *chat.Options) { o.SendRate, o.SendBurst, o.QueueLen = 1e6, 1e6, 1<<14 }))
	g, _ := app.Store.GroupBySlug(context.Background(), "welcome")
	sender := benchDial(b, app, benchMember(b, app, "sender", g.ID))
	defer sender.Close()
	go func() { // the sender drains its own copies and acks
		for {
			if _, _, err := sender.ReadMessage(); err != nil {
				return
			}
		}
	}()
	var got sync.WaitGroup
	counts := make(chan int, receivers)
	conns := make([]*websocket.Conn, receivers)
	for i := range conns {
		conns[i] = benchDial(b, app, benchMember(b, app, fmt.Sprint("r", i), g.ID))
	}
	b.ResetTimer()
	start := time.Now()
	for _, ws := range conns {
		got.Add(1)
		go func() {
			defer got.Done()
			n := 0
			for n < b.N {
				_ = ws.SetReadDeadline(time.Now().Add(20 * time.Second))
				_, data, err := ws.ReadMessage()
				if err != nil {
					break
				}
				n += strings.Count(string(data), ` data-seq="`)
			}
			counts <- n
		}()
	}
	for i := range b.N {
		msg, _ := json.Marshal(map[string]string{"body": "a message of ordinary length, about sixty characters long", "client_id": fmt.Sprint("client-f", i)})
		_ = sender.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := sender.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
	}
	got.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(counts)
	for n := range counts {
		if n != b.N {
			b.Fatalf("a receiver got %d of %d messages", n, b.N)
		}
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(b.N*receivers)/elapsed.Seconds(), "deliveries/s")
	for _, ws := range conns {
		ws.Close()
	}
}

// BenchmarkChatAckBesideStalledRoom measures how long a member in one room waits for the
// acknowledgement of a message (socket write → ack frame read, one at a time, 5 ms apart)
// while another member floods a second room with 4,000-character messages as fast as the
// server takes them; in the stalled variant 50 of that room's sockets belong to clients
// that never read (tiny receive buffers, as behind a stalled phone). Loopback TCP buffers
// take a few MB per socket before a write blocks, so the flood runs for warmup before the
// acks are timed. Issue 8 asks that the stalled room move the ack p99 by no more than a
// few ms. Run it with a fixed count, e.g. -benchtime 300x.
func BenchmarkChatAckBesideStalledRoom(b *testing.B) {
	for _, stalled := range []int{0, 50} {
		b.Run(fmt.Sprintf("stalled=%d", stalled), func(b *testing.B) { benchAckBesideStalled(b, stalled) })
	}
}

// warmup is how long the flood runs before acks are timed.
const warmup = 2 * time.Second

func benchAckBesideStalled(b *testing.B, stalled int) {
	app := handlerstest.New(b, handlerstest.WithChat(func(o *chat.Options) { o.SendRate, o.SendBurst = 1e6, 1e6 }))
	ctx := context.Background()
	roomA, err := app.Store.GroupBySlug(ctx, "welcome")
	if err != nil {
		b.Fatal(err)
	}
	roomB, err := app.Store.GroupBySlug(ctx, "one-day-at-a-time")
	if err != nil {
		b.Fatal(err)
	}
	dial := func(token, slug string, rcvbuf int) *websocket.Conn {
		d := websocket.Dialer{}
		if rcvbuf > 0 {
			d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				nd := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
					return rc.Control(func(fd uintptr) {
						_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
					})
				}}
				return nd.DialContext(ctx, network, addr)
			}
		}
		ws, _, err := d.Dial(strings.Replace(app.URL, "http://", "ws://", 1)+"/groups/"+slug+"/ws?after=0",
			http.Header{"Origin": {app.URL}, "Cookie": {"hearth_session=" + token}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { ws.Close() })
		return ws
	}
	for i := range stalled {
		dial(benchMember(b, app, fmt.Sprint("stalled", i), roomA.ID), "welcome", 4096) // never read
	}
	flood := dial(benchMember(b, app, "flood", roomA.ID), "welcome", 0)
	sender := dial(benchMember(b, app, "sender", roomB.ID), "one-day-at-a-time", 0)
	go func() { // the flooder reads its own copies and acks
		for {
			if _, _, err := flood.ReadMessage(); err != nil {
				return
			}
		}
	}()
	stop := make(chan struct{})
	flooded := make(chan struct{})
	go func() {
		defer close(flooded)
		big := strings.Repeat("x", chat.MaxBodyChars)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			msg, _ := json.Marshal(map[string]string{"body": big, "client_id": fmt.Sprint("client-f", i)})
			_ = flood.SetWriteDeadline(time.Now().Add(time.Minute))
			if err := flood.WriteMessage(websocket.TextMessage, msg); err != nil {
				return
			}
		}
	}()
	defer func() { close(stop); flood.Close(); <-flooded }()
	time.Sleep(warmup)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		time.Sleep(5 * time.Millisecond)
		msg, _ := json.Marshal(map[string]string{"body": "hello", "client_id": fmt.Sprint("client-s", i)})
		start := time.Now()
		if err := sender.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
		for {
			_ = sender.SetReadDeadline(time.Now().Add(time.Minute))
			_, data, err := sender.ReadMessage()
			if err != nil {
				b.Fatalf("ack %d: %v", i, err)
			}
			if strings.Contains(string(data), `data-ack=`) {
				break
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "ack-p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "ack-p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "ack-max-ms")
}
