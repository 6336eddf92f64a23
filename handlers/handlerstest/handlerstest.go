// Package handlerstest starts a real Hearth over httptest for tests: a fresh SQLite file in
// t.TempDir(), the full router, real HTTP. Clients keep cookies like a browser and fill in
// the CSRF token the way Hearth's pages do.
package handlerstest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-community/hearth/cluster"
	"github.com/hearth-community/hearth/handlers"
	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/static"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// App is a running Hearth.
type App struct {
	t       testing.TB
	URL     string
	Server  *httptest.Server
	Store   *store.Store
	Handler *handlers.Handler
	DBPath  string
	// Clock is the store's clock: real time plus whatever the test has advanced it by, so a
	// test moves past an expiry without sleeping.
	Clock *Clock

	// What Start needs to serve the same database again.
	cfg    handlers.Config
	views  *views.Renderer
	assets *static.Assets
	logger *slog.Logger
}

// Clock reads real time shifted by an offset that only grows.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the shifted time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Option adjusts the configuration before the app starts.
type Option func(*handlers.Config)

// WithAuthRate sets the login/registration limit per minute.
func WithAuthRate(n int) Option { return func(c *handlers.Config) { c.AuthPerMinute = n } }

// WithChat tunes the live chat hub, e.g. shorter timers.
func WithChat(f func(*chat.Options)) Option { return func(c *handlers.Config) { f(&c.Chat) } }

// WithCluster joins the app to a cluster through the NATS server at the options' URL
// (package cluster); tests shorten its timers here.
func WithCluster(o cluster.Options) Option { return func(c *handlers.Config) { c.Cluster = o } }

// Quiet is the logger tests use: it discards everything, so test output shows only failures.
// HEARTH_TEST_LOG=1 sends errors to stderr instead, to find what a failing test hit.
func Quiet() *slog.Logger {
	if os.Getenv("HEARTH_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// New starts Hearth on a loopback port with a fresh database. Everything stops at test end.
func New(t testing.TB, opts ...Option) *App {
	t.Helper()
	return NewWithLogger(t, Quiet(), opts...)
}

// NewWithLogger is New with the logger Hearth writes to, for tests of what reaches the log.
func NewWithLogger(t testing.TB, logger *slog.Logger, opts ...Option) *App {
	t.Helper()
	return newApp(t, logger, filepath.Join(t.TempDir(), "hearth.db"), &Clock{}, opts...)
}

// Peer starts another Hearth node on the same database file and clock, as a second node
// of a cluster would be (give both WithCluster to link their live chat). Its options are
// its own: a's are not copied.
func (a *App) Peer(opts ...Option) *App {
	a.t.Helper()
	return newApp(a.t, a.logger, a.DBPath, a.Clock, opts...)
}

func newApp(t testing.TB, logger *slog.Logger, dbPath string, clock *Clock, opts ...Option) *App {
	t.Helper()
	assets, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	v, err := views.New(assets.URL)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base, _ := url.Parse("http://" + srv.Listener.Addr().String())
	cfg := handlers.Config{BaseURL: base, BaseURLExplicit: true, SessionTTL: 24 * time.Hour, AuthPerMinute: 1000, RegisterPerMinute: 1000}
	for _, o := range opts {
		o(&cfg)
	}
	a := &App{t: t, URL: base.String(), DBPath: dbPath, Clock: clock,
		cfg: cfg, views: v, assets: assets, logger: logger}
	a.start(srv)
	t.Cleanup(a.Stop)
	return a
}

// start opens the database and serves a new Hearth on srv (unstarted, its listener bound).
func (a *App) start(srv *httptest.Server) {
	a.t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: a.DBPath, DatabaseURL: storetest.URL(a.t, a.DBPath), Now: a.Clock.Now})
	if err != nil {
		a.t.Fatalf("open store: %v", err)
	}
	if err := st.Migrate(ctx); err != nil {
		a.t.Fatalf("migrate: %v", err)
	}
	h, err := handlers.New(handlers.Deps{Config: a.cfg, Store: st, Views: a.views, Assets: a.assets, Logger: a.logger})
	if err != nil {
		a.t.Fatal(err)
	}
	srv.Config.Handler = h.Router()
	srv.Start()
	a.Server, a.Store, a.Handler = srv, st, h
}

// Stop takes Hearth down as a deploy or a crash would: the listener closes, the chat hub
// closes its sockets (1012, "server restarting") and the database is closed. The database
// file stays; Start serves it again. Stop is safe to call twice.
func (a *App) Stop() {
	if a.Server == nil {
		return
	}
	a.Handler.StopStreams() // a notification stream would hold Server.Close up
	a.Server.Close()
	a.Handler.Close()
	a.Store.Close()
	a.Server = nil
}

// Start brings a new Hearth (new hub, new caches, the same database) up on the address the
// app had, after Stop. Browsers and clients reconnect to the same URL.
func (a *App) Start() {
	a.t.Helper()
	u, _ := url.Parse(a.URL)
	var l net.Listener
	var err error
	for range 50 { // the old listener's port may take a moment to be free again
		if l, err = net.Listen("tcp", u.Host); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		a.t.Fatalf("listen again on %s: %v", u.Host, err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{}}
	a.start(srv)
}

// Restart is Stop then Start.
func (a *App) Restart() {
	a.t.Helper()
	a.Stop()
	a.Start()
}

// Client is a browser-like HTTP client: it keeps cookies and does not follow redirects, so
// tests can assert on them.
type Client struct {
	app  *App
	HTTP *http.Client
}

// Client returns a new client with an empty cookie jar.
func (a *App) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{app: a, HTTP: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Response is a fully read response.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Doc parses the body as HTML.
func (r *Response) Doc(t testing.TB) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return d
}

// Do sends a request to a path of the app and reads the whole response.
func (c *Client) Do(req *http.Request) *Response {
	c.app.t.Helper()
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.app.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.app.t.Fatalf("read body of %s %s: %v", req.Method, req.URL, err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// NewRequest builds a request to a path of the app.
func (c *Client) NewRequest(method, path string, body io.Reader) *http.Request {
	req, err := http.NewRequest(method, c.app.URL+path, body)
	if err != nil {
		c.app.t.Fatal(err)
	}
	return req
}

// Get fetches a path.
func (c *Client) Get(path string) *Response {
	return c.Do(c.NewRequest(http.MethodGet, path, nil))
}

// CSRF returns this client's current CSRF token (Hearth replaces it at login and logout),
// fetching a page first if it has none yet.
func (c *Client) CSRF() string {
	u, _ := url.Parse(c.app.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "hearth_csrf" || ck.Name == "__Host-hearth_csrf" {
			return ck.Value
		}
	}
	c.Get("/")
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "hearth_csrf" || ck.Name == "__Host-hearth_csrf" {
			return ck.Value
		}
	}
	c.app.t.Fatal("no CSRF cookie after GET /")
	return ""
}

// PostForm posts a form with the CSRF token filled in, as Hearth's pages do.
func (c *Client) PostForm(path string, form url.Values) *Response {
	if form == nil {
		form = url.Values{}
	}
	if _, set := form["_csrf"]; !set {
		form.Set("_csrf", c.CSRF())
	}
	return c.PostRaw(path, form, nil)
}

// PostRaw posts a form exactly as given, with extra headers.
func (c *Client) PostRaw(path string, form url.Values, header http.Header) *Response {
	req := c.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return c.Do(req)
}

// Register creates an account through the real form and leaves the client logged in.
func (c *Client) Register(username, displayName, password string) *Response {
	c.app.t.Helper()
	r := c.PostForm("/register", url.Values{"username": {username}, "display_name": {displayName}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		c.app.t.Fatalf("register %s: status %d, body: %.500s", username, r.Status, r.Body)
	}
	return r
}

// Login logs in through the real form.
func (c *Client) Login(username, password string) *Response {
	c.app.t.Helper()
	return c.PostForm("/login", url.Values{"username": {username}, "password": {password}})
}

// Cookie returns the value of a cookie the client holds for the app, or "".
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.app.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// Member registers a new member with a fresh client and returns the logged-in client.
func (a *App) Member(username string) *Client {
	a.t.Helper()
	c := a.Client()
	c.Register(username, "peer_"+username, Password)
	return c
}

// Password is a password that passes Hearth's rules, for tests.
const Password = "Tq7-lantern-moss-harbor"
