package handlers_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// logBuffer collects what Hearth logs, safely from the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitLine returns the first log line holding every one of want, failing after a generous
// deadline: a request's line is written after its response has gone out.
func (b *logBuffer) waitLine(t *testing.T, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := b.String()
	lines:
		for _, l := range strings.Split(s, "\n") {
			for _, w := range want {
				if !strings.Contains(l, w) {
					continue lines
				}
			}
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line holds all of %q:\n%s", want, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newLoggedApp starts Hearth writing its log, down to debug, into the returned buffer.
func newLoggedApp(t *testing.T, opts ...handlerstest.Option) (*handlerstest.App, *logBuffer) {
	lb := &logBuffer{}
	log := slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return handlerstest.NewWithLogger(t, log, opts...), lb
}

func TestLogsHoldNoSecrets(t *testing.T) {
	app, logs := newLoggedApp(t)
	admin := app.Member("admin")
	ann := app.Member("ann")
	if r := admin.PostForm("/groups/new", url.Values{"name": {"Quiet Harbour"}, "slug": {"quiet-harbour-secret"},
		"guidelines": {"Be gentle."}, "visibility": {"private"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("create group: %d", r.Status)
	}
	const token = "Zk3v9QmT2sLx8RwN4pYc7HdJ6bGf1aEo5uKi0VtXq"
	const forged = "forged-request-id-7731"

	requests := []struct {
		name   string
		method string
		path   string
		status int
	}{
		{"unknown invite", http.MethodGet, "/invites/" + token, http.StatusNotFound},
		{"accept unknown invite", http.MethodPost, "/invites/" + token, http.StatusNotFound},
		{"private group by a non-member", http.MethodGet, "/groups/quiet-harbour-secret", http.StatusNotFound},
		{"private group history", http.MethodGet, "/groups/quiet-harbour-secret/messages?before=5", http.StatusNotFound},
	}
	for _, rq := range requests {
		var body *strings.Reader
		if rq.method == http.MethodPost {
			body = strings.NewReader(url.Values{"_csrf": {ann.CSRF()}, "accept_guidelines": {"yes"}}.Encode())
		} else {
			body = strings.NewReader("")
		}
		req := ann.NewRequest(rq.method, rq.path, body)
		if rq.method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("X-Request-ID", forged)
		r := ann.Do(req)
		if r.Status != rq.status {
			t.Fatalf("%s: status %d, want %d", rq.name, r.Status, rq.status)
		}
		id := r.Header.Get("X-Request-ID")
		if id == "" || id == forged {
			t.Fatalf("%s: X-Request-ID = %q: the client's id came back", rq.name, id)
		}
		// The request's line, under the server's id, names the route, not the path.
		line := logs.waitLine(t, "request_id="+id, "msg=request ")
		if !strings.Contains(line, "route=/invites/:token") && !strings.Contains(line, "route=/groups/:slug") {
			t.Errorf("%s: request line lacks the route pattern: %s", rq.name, line)
		}
	}
	// Every request's line has been written (waited for above).
	all := logs.String()
	for _, secret := range []string{token, "quiet-harbour-secret", forged, "127.0.0.1"} {
		if strings.Contains(all, secret) {
			t.Errorf("the log holds %q:\n%s", secret, all)
		}
	}
	// No address, even truncated, at info or above.
	for _, l := range strings.Split(all, "\n") {
		if !strings.Contains(l, "level=DEBUG") && strings.Contains(l, "127.0.0") {
			t.Errorf("an address at info or above: %s", l)
		}
	}
}

func TestClientGoneIsNotAServerError(t *testing.T) {
	app, logs := newLoggedApp(t)
	router := app.Handler.Router()
	const tok = "a-csrf-token-long-enough-to-be-accepted-000"
	form := url.Values{"_csrf": {tok}, "username": {"leaver"}, "display_name": {"GoneAway"}, "password": {handlerstest.Password}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client has gone before Hearth gets to the database
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/register", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "hearth_csrf", Value: tok})
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, req)

	if rec.Code >= 500 && rec.Code < 600 {
		t.Errorf("a client that went away got %d", rec.Code)
	}
	out := logs.String()
	if strings.Contains(out, "level=ERROR") {
		t.Errorf("a client that went away was logged as an error:\n%s", out)
	}
	if !strings.Contains(out, "client went away") {
		t.Errorf("the disconnect is not logged at debug:\n%s", out)
	}
	if _, err := app.Store.UserByUsername(t.Context(), "leaver"); err == nil {
		t.Errorf("the account was created for a client that went away")
	}
}
