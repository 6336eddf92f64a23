package e2e

import (
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// requestLog records every network request a tab makes: HTTP(S) requests, with their
// redirects, and websockets.
type requestLog struct {
	mu   sync.Mutex
	urls []string
}

func (l *requestLog) add(u string) {
	l.mu.Lock()
	l.urls = append(l.urls, u)
	l.mu.Unlock()
}

// foreign returns the requests to any host but own (host:port), data: and blob: URLs aside
// (they reach no network), and how many requests there were in all.
func (l *requestLog) foreign(own string) ([]string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, raw := range l.urls {
		u, err := url.Parse(raw)
		if err != nil {
			out = append(out, raw+" (unparsable)")
			continue
		}
		switch u.Scheme {
		case "data", "blob", "about":
			continue
		}
		if u.Host != own {
			out = append(out, raw)
		}
	}
	sort.Strings(out)
	return out, len(l.urls)
}

// TestNoThirdPartyRequests opens the main pages, logged out and logged in, in a real
// Chromium that records every request, and fails on any request to a host other than
// Hearth's own test server: no fonts, scripts, analytics or images from anywhere else.
func TestNoThirdPartyRequests(t *testing.T) {
	app := handlerstest.New(t)
	tab := newPerson(t)
	var log requestLog
	chromedp.ListenTarget(tab, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			log.add(e.Request.URL)
		case *network.EventWebSocketCreated:
			log.add(e.URL)
		}
	})
	run(t, tab, "record the network", network.Enable())

	visit := func(path, ready string) {
		t.Helper()
		run(t, tab, "open "+path, chromedp.Navigate(app.URL+path), chromedp.WaitReady(ready, chromedp.ByQuery),
			chromedp.WaitReady(`footer a[href="/privacy"]`, chromedp.ByQuery))
	}
	for _, p := range []string{"/", "/login", "/register", "/privacy", "/resources", "/resources/practising-self-care", "/help"} {
		visit(p, "main")
	}
	adminInRoom(t, app, tab) // registers through the form and opens the Welcome Circle's room
	run(t, tab, "the room's socket connects", waitJS(`document.querySelector('#chat-status') !== null`))
	for _, p := range []string{"/groups", "/groups/welcome", "/resources", "/resources/practising-self-care",
		"/goals", "/notifications", "/account", "/privacy", "/account/delete"} {
		visit(p, "main")
	}

	own := strings.TrimPrefix(app.URL, "http://")
	bad, total := log.foreign(own)
	if total < 20 {
		t.Fatalf("only %d requests recorded: the recording does not work", total)
	}
	if len(bad) > 0 {
		t.Fatalf("requests to hosts other than Hearth's own (%s):\n%s", own, strings.Join(bad, "\n"))
	}
	t.Logf("%d requests, all to %s", total, own)
}
