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

// BenchmarkGoalBoard renders a group's goal board with 200 shared goals (each with 5
// steps, 2 done) and its feed for a logged-in member through the full router, without the
// network. The target is 3,000 boards/s on 2 cores; it reports boards/s.
func BenchmarkGoalBoard(b *testing.B) {
	ctx := context.Background()
	app := handlerstest.New(b)
	viewer := app.Member("viewer")
	vu, err := app.Store.UserByUsername(ctx, "viewer")
	if err != nil {
		b.Fatal(err)
	}
	g, err := app.Store.CreateGroup(ctx, store.GroupInput{Slug: "bench-goals", Name: "Bench goals", Guidelines: "Be kind.",
		Visibility: store.Public}, vu.ID)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("owner%d", i)
		u, err := app.Store.CreateUser(ctx, store.NewUser{Username: name, DisplayName: "peer_" + name, PasswordHash: "x"})
		if err != nil {
			b.Fatal(err)
		}
		if err := app.Store.Join(ctx, g.ID, u.ID); err != nil {
			b.Fatal(err)
		}
		for j := 0; j < 10; j++ {
			goal, err := app.Store.CreateGoal(ctx, u.ID, store.GoalInput{Title: fmt.Sprintf("Goal %d of %s", j, name), Visibility: store.GoalGroup,
				GroupID: g.ID}, []string{"First small step", "Second step", "Third step", "Fourth step", "Fifth step"})
			if err != nil {
				b.Fatal(err)
			}
			ms, _ := app.Store.Milestones(ctx, goal.ID)
			for _, m := range ms[:2] {
				if err := app.Store.RecordProgress(ctx, goal, store.GoalProgress{MilestoneID: m.ID, Note: "Went well"}); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	cookie := "hearth_session=" + viewer.Cookie("hearth_session")
	router := app.Server.Config.Handler
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, app.URL+"/groups/bench-goals/goals", nil)
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, req)
		return rec
	}
	first := get()
	if first.Code != http.StatusOK {
		b.Fatalf("GET board: status %d: %.300s", first.Code, first.Body.String())
	}
	if n := bytes.Count(first.Body.Bytes(), []byte(`class="card goal-card"`)); n != 200 {
		b.Fatalf("board shows %d goals, want 200", n)
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
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "boards/s")
}
