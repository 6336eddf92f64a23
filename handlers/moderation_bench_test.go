package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// hiddenID returns the id of the message a changed-message frame hides, or 0: a cheap
// scan, so the 500 receiving goroutines cost the benchmark little.
func hiddenID(data []byte) int64 {
	if !bytes.Contains(data, []byte("hidden by a moderator")) {
		return 0
	}
	i := bytes.Index(data, []byte(`id="msg-`))
	if i < 0 {
		return 0
	}
	rest := data[i+len(`id="msg-`):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return 0
	}
	id, _ := strconv.ParseInt(string(rest[:j]), 10, 64)
	return id
}

// BenchmarkModerationHideFanout measures a moderator hiding a message in a room of 500
// connected members: from the HTTP POST to the last of the 500 sockets receiving the
// placeholder. ns/op is per hide; hide-p50/p99-ms are POST→last-receiver latencies. Run
// with a fixed count, e.g. -benchtime 50x (each hide needs a message posted beforehand).
func BenchmarkModerationHideFanout(b *testing.B) {
	const members = 500
	// Every socket comes from loopback: no per-IP cap.
	app := handlerstest.New(b, handlerstest.WithChat(func(o *chat.Options) { o.SendRate, o.SendBurst, o.QueueLen, o.MaxPerIP = 1e6, 1e6, 1<<14, -1 }))
	ctx := context.Background()
	g, _ := app.Store.GroupBySlug(ctx, "welcome")
	app.Member("admin")
	mod := app.Member("moderator")
	u, _ := app.Store.UserByUsername(ctx, "moderator")
	if err := app.Store.SetRole(ctx, u.ID, store.RoleModerator); err != nil {
		b.Fatal(err)
	}
	benchMember(b, app, "author", g.ID)
	au, _ := app.Store.UserByUsername(ctx, "author")
	post, err := app.Store.NewCommitter(ctx, store.CommitterOptions{Logger: handlerstest.Quiet()})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, b.N)
	for i := range ids {
		p, err := post.Post(ctx, store.NewMessage{GroupID: g.ID, AuthorID: au.ID, AuthorName: "author", ClientID: fmt.Sprintf("hide-bench-%d", i), Body: "a message to hide"})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = p.ID
	}
	post.Close()
	last, _ := app.Store.LastSeq(ctx, g.ID)

	var mu sync.Mutex
	seen := map[int64]int{}
	done := map[int64]chan time.Time{}
	for _, id := range ids {
		done[id] = make(chan time.Time, 1)
	}
	var wg sync.WaitGroup
	for i := range members {
		tok := benchMember(b, app, fmt.Sprint("m", i), g.ID)
		ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(app.URL, "http://", "ws://", 1)+"/groups/welcome/ws?after="+strconv.FormatInt(last, 10),
			http.Header{"Origin": {app.URL}, "Cookie": {"hearth_session=" + tok}})
		if err != nil {
			b.Fatal(err)
		}
		defer ws.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, data, err := ws.ReadMessage()
				if err != nil {
					return
				}
				if id := hiddenID(data); id != 0 {
					mu.Lock()
					seen[id]++
					if seen[id] == members {
						done[id] <- time.Now()
					}
					mu.Unlock()
				}
			}
		}()
	}
	lat := make([]time.Duration, 0, b.N)
	posts := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for _, id := range ids {
		start := time.Now()
		r := mod.PostForm("/mod/messages/"+strconv.FormatInt(id, 10)+"/hide", url.Values{"reason": {"benchmark"}})
		if r.Status != http.StatusSeeOther {
			b.Fatalf("hide: %d %.200s", r.Status, r.Body)
		}
		posts = append(posts, time.Since(start))
		select {
		case at := <-done[id]:
			lat = append(lat, at.Sub(start))
		case <-time.After(30 * time.Second):
			b.Fatalf("message %d reached %d of %d members", id, seen[id], members)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "hide-p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "hide-p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "hide-max-ms")
	slices.Sort(posts)
	b.ReportMetric(ms(posts[len(posts)/2]), "post-p50-ms")
}

// BenchmarkModerationQueue1000 renders /mod for a site moderator with 1,000 open reports
// (each on its own message, a tenth of them care concerns): ns/op is one full page, over
// HTTP, with the first entries' messages and context.
func BenchmarkModerationQueue1000(b *testing.B) {
	app := handlerstest.New(b)
	ctx := context.Background()
	g, _ := app.Store.GroupBySlug(ctx, "welcome")
	app.Member("admin")
	mod := app.Member("moderator")
	u, _ := app.Store.UserByUsername(ctx, "moderator")
	if err := app.Store.SetRole(ctx, u.ID, store.RoleModerator); err != nil {
		b.Fatal(err)
	}
	benchMember(b, app, "author", g.ID)
	au, _ := app.Store.UserByUsername(ctx, "author")
	reporters := make([]int64, 10)
	for i := range reporters {
		benchMember(b, app, fmt.Sprint("reporter", i), g.ID)
		ru, _ := app.Store.UserByUsername(ctx, fmt.Sprint("reporter", i))
		reporters[i] = ru.ID
	}
	post, err := app.Store.NewCommitter(ctx, store.CommitterOptions{Logger: handlerstest.Quiet()})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		p, err := post.Post(ctx, store.NewMessage{GroupID: g.ID, AuthorID: au.ID, AuthorName: "author", ClientID: fmt.Sprintf("queue-bench-%d", i), Body: "a reported message of ordinary length, about sixty characters"})
		if err != nil {
			b.Fatal(err)
		}
		reason := store.ReasonSpam
		if i%10 == 0 {
			reason = store.ReasonCare
		}
		if _, err := app.Store.CreateReport(ctx, store.NewReport{ReporterID: reporters[i%10], SubjectID: au.ID, GroupID: g.ID, MessageID: p.ID,
			Reason: reason, Note: "a short note"}); err != nil {
			b.Fatal(err)
		}
	}
	post.Close()
	if r := mod.Get("/mod"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Open reports (1000)") {
		b.Fatalf("queue: %d %.300s", r.Status, r.Body)
	}
	b.ResetTimer()
	for range b.N {
		if r := mod.Get("/mod"); r.Status != http.StatusOK {
			b.Fatal(r.Status)
		}
	}
}
