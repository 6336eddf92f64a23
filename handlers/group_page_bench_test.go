package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// BenchmarkGroupPage renders a group page with 50 messages of history for a logged-in
// member through the full router (session lookup, CSRF, request log, handler, templates),
// without the network. The target is 5,000 pages/s with p99 <= 20 ms on 2 cores;
// `hearth-load -mode page` measures that end to end.
func BenchmarkGroupPage(b *testing.B) {
	ctx := context.Background()
	app := handlerstest.New(b)
	member := app.Member("bench")
	u, err := app.Store.UserByUsername(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	g, err := app.Store.CreateGroup(ctx, store.GroupInput{Slug: "bench-circle", Name: "Bench circle",
		Description: "A group for the page benchmark.", Visibility: store.Public}, u.ID)
	if err != nil {
		b.Fatal(err)
	}
	cm, err := app.Store.NewCommitter(ctx, store.CommitterOptions{Logger: handlerstest.Quiet()})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		body := fmt.Sprintf("Message %d: today was hard, but I went for a walk and called my sponsor. https://example.org/step-%d", i, i)
		if _, err := cm.Post(ctx, store.NewMessage{GroupID: g.ID, AuthorID: u.ID, AuthorName: u.DisplayName,
			ClientID: fmt.Sprintf("bench-%d", i), Body: body}); err != nil {
			b.Fatal(err)
		}
	}
	if err := cm.Close(); err != nil {
		b.Fatal(err)
	}
	cookie := "hearth_session=" + member.Cookie("hearth_session")
	router := app.Server.Config.Handler
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, app.URL+"/groups/bench-circle", nil)
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, req)
		return rec
	}
	first := get()
	if first.Code != http.StatusOK {
		b.Fatalf("GET group page: status %d: %.300s", first.Code, first.Body.String())
	}
	if n := bytes.Count(first.Body.Bytes(), []byte(`data-seq="`)); n != 50 {
		b.Fatalf("group page shows %d messages, want 50", n)
	}
	b.SetBytes(int64(first.Body.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if rec := get(); rec.Code != http.StatusOK {
				b.Errorf("status %d", rec.Code)
				return
			}
		}
	})
}
