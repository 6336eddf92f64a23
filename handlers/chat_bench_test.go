package handlers_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
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
		msg, _ := json.Marshal(map[string]string{"body": "a message of ordinary length, about sixty characters long", "client_id": fmt.Sprint("f", i)})
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
