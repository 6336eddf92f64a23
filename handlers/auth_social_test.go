package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/hearth-community/hearth/handlers"
	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// oidcFixture is a Hearth with one OpenID Connect provider: a mockoidc server started
// inside the test. Switches make the provider misbehave the ways an attacker could.
type oidcFixture struct {
	t   *testing.T
	m   *mockoidc.MockOIDC
	app *handlerstest.App
	log *syncBuffer
	// wrongNonce makes the provider put another nonce into the ID token.
	wrongNonce atomic.Bool
	// forge, when set, rewrites the ID token's claims at the token endpoint and names the
	// key that signs the result.
	forge atomic.Pointer[func(jwt.MapClaims) *mockoidc.Keypair]
	other *mockoidc.Keypair
	// secrets are every state, nonce, PKCE challenge and code of the test's flows: none
	// may reach the log (checked at cleanup).
	mu      sync.Mutex
	secrets []string
}

func (f *oidcFixture) remember(vals ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, v := range vals {
		if len(v) >= 8 {
			f.secrets = append(f.secrets, v)
		}
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newOIDCFixture(t *testing.T) *oidcFixture {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &oidcFixture{t: t, m: m, log: &syncBuffer{}}
	if f.other, err = mockoidc.RandomKeypair(2048); err != nil {
		t.Fatal(err)
	}
	f.other.Kid, _ = m.Keypair.KeyID() // another key under the issuer's key id
	if err := m.AddMiddleware(f.tamper); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	logger := slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		log := f.log.String()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, v := range f.secrets {
			if strings.Contains(log, v) {
				t.Errorf("the log holds a flow secret %q", v)
			}
		}
		if !strings.Contains(log, "request") {
			t.Error("nothing was logged: the log check checks nothing")
		}
	})
	f.app = handlerstest.NewWithLogger(t, logger, func(c *handlers.Config) {
		c.Social = []handlers.SocialProvider{{Name: "oidc", ClientID: m.ClientID, ClientSecret: m.ClientSecret, Issuer: m.Issuer(), Label: "Test SSO"}}
	})
	return f
}

// tamper is the provider's middleware for the misbehaving switches.
func (f *oidcFixture) tamper(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == mockoidc.AuthorizationEndpoint && f.wrongNonce.Load():
			q := r.URL.Query()
			q.Set("nonce", "a-nonce-hearth-never-made")
			r.URL.RawQuery = q.Encode()
		case r.URL.Path == mockoidc.TokenEndpoint && f.forge.Load() != nil:
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			claims := jwt.MapClaims{}
			if _, _, err := jwt.NewParser().ParseUnverified(body["id_token"].(string), claims); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			signed, err := (*f.forge.Load())(claims).SignJWT(claims)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			body["id_token"] = signed
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(body)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// queue makes the provider's next login the account with this subject (and an e-mail and
// name Hearth must never store).
func (f *oidcFixture) queue(subject string) {
	f.m.QueueUser(&mockoidc.MockUser{Subject: subject, Email: subject + "@mail.example", EmailVerified: true,
		PreferredUsername: "Real Name " + subject})
}

// start presses a provider button ("login" or "link") and returns where Hearth sends the
// browser.
func (f *oidcFixture) start(c *handlerstest.Client, purpose, next string) *url.URL {
	f.t.Helper()
	r := c.PostForm("/auth/oidc/"+purpose, url.Values{"next": {next}})
	if r.Status != http.StatusSeeOther {
		f.t.Fatalf("start %s: status %d, body %.300s", purpose, r.Status, r.Body)
	}
	u, err := url.Parse(r.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(u.String(), f.m.AuthorizationEndpoint()) {
		f.t.Fatalf("start %s sent the browser to %q", purpose, r.Header.Get("Location"))
	}
	q := u.Query()
	f.remember(q.Get("state"), q.Get("nonce"), q.Get("code_challenge"))
	return u
}

// authorize visits the provider, which logs the queued account in at once, and returns the
// callback path (with its query) the provider sends the browser back to.
func (f *oidcFixture) authorize(c *handlerstest.Client, auth *url.URL) string {
	f.t.Helper()
	res, err := c.HTTP.Get(auth.String())
	if err != nil {
		f.t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), f.app.URL+"/auth/oidc/callback") {
		f.t.Fatalf("provider answered %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	f.remember(loc.Query().Get("code"))
	return loc.RequestURI()
}

// login runs a whole provider login for subject and returns the callback's answer.
func (f *oidcFixture) login(c *handlerstest.Client, subject, purpose, next string) *handlerstest.Response {
	f.t.Helper()
	f.queue(subject)
	return c.Get(f.authorize(c, f.start(c, purpose, next)))
}

// count runs a counting query on the database file.
func (f *oidcFixture) count(q string) int {
	f.t.Helper()
	var n int
	if err := sqlCount(f.app, &n, q); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// written is what a refused callback must leave as it was.
func (f *oidcFixture) written() [4]int {
	return [4]int{f.count(`SELECT count(*) FROM users`), f.count(`SELECT count(*) FROM user_identities`),
		f.count(`SELECT count(*) FROM sessions`), f.count(`SELECT count(*) FROM pending_identities`)}
}

func TestSocialOIDCJoinLoginAndConfirm(t *testing.T) {
	f := newOIDCFixture(t)
	c := f.app.Client()

	// The pages offer exactly the configured provider, and the CSP lets the button's
	// redirect reach it.
	login := c.Get("/login")
	if btn := login.Doc(t).Find("#social-oidc"); btn.Length() != 1 || !strings.Contains(btn.Text(), "Test SSO") {
		t.Fatalf("login page buttons: %q", login.Doc(t).Find(".social-login").Text())
	}
	if n := login.Doc(t).Find(".social-login button").Length(); n != 1 {
		t.Fatalf("%d provider buttons, want 1", n)
	}
	if csp := login.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+f.m.Addr()) {
		t.Fatalf("CSP %q does not allow the provider in form-action", csp)
	}
	if reg := c.Get("/register"); !strings.Contains(reg.Doc(t).Find("#social-oidc").Text(), "Join with Test SSO") ||
		reg.Doc(t).Find("#register-form").Length() != 1 {
		t.Fatalf("register page: %.500s", reg.Doc(t).Find("main").Text())
	}

	// First login: the provider URL carries Hearth's state, a PKCE challenge and a nonce.
	f.queue("alice-sub")
	auth := f.start(c, "login", "/groups")
	q := auth.Query()
	if q.Get("state") == "" || q.Get("nonce") == "" || q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" {
		t.Fatalf("authorization URL lacks state, nonce or PKCE: %s", auth.RawQuery)
	}
	callback := f.authorize(c, auth)
	r := c.Get(callback)
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/auth/join" {
		t.Fatalf("first callback: %d %q", r.Status, r.Header.Get("Location"))
	}
	if w := f.written(); w != [4]int{0, 0, 0, 1} {
		t.Fatalf("before a name is chosen: users, identities, sessions, pending = %v", w)
	}
	page := c.Get("/auth/join")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Test SSO") {
		t.Fatalf("join page: %d %.300s", page.Status, page.Body)
	}
	// Without the guidelines, or with a name that looks like nobody's yet but breaks the
	// rules, nothing is created.
	if r := c.PostForm("/auth/join", url.Values{"display_name": {"Fern"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("join without the guidelines: %d", r.Status)
	}
	if r := c.PostForm("/auth/join", url.Values{"display_name": {"two words"}, "accept_guidelines": {"yes"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("join with a bad name: %d", r.Status)
	}
	if n := f.count(`SELECT count(*) FROM users`); n != 0 {
		t.Fatalf("%d accounts after refused joins", n)
	}
	r = c.PostForm("/auth/join", url.Values{"display_name": {"Fern"}, "accept_guidelines": {"yes"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/groups" {
		t.Fatalf("join: %d %q %.300s", r.Status, r.Header.Get("Location"), r.Body)
	}
	u, err := f.app.Store.UserByDisplayName(context.Background(), "Fern")
	if err != nil {
		t.Fatal(err)
	}
	if u.PasswordHash != "" || u.Email != "" || !strings.HasPrefix(u.Username, "social-") {
		t.Fatalf("social account: %+v", u)
	}
	if w := f.written(); w != [4]int{1, 1, 1, 0} {
		t.Fatalf("after joining: users, identities, sessions, pending = %v", w)
	}
	if f.count(`SELECT count(*) FROM user_identities WHERE provider = 'oidc' AND subject = 'alice-sub'`) != 1 {
		t.Fatal("identity not stored as provider and subject")
	}
	// Nothing of the provider's profile reached the database.
	f.app.Store.Close()
	for _, suffix := range []string{"", "-wal"} {
		raw, err := os.ReadFile(f.app.DBPath + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, secret := range []string{"alice-sub@mail.example", "Real Name alice-sub"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Fatalf("the database file%s holds %q from the provider's profile", suffix, secret)
			}
		}
	}
	f.app.Restart()

	acct := c.Get("/account")
	logins := acct.Doc(t).Find("#logins").Text()
	if !strings.Contains(logins, "Test SSO") || !strings.Contains(logins, "only way to log in") || acct.Doc(t).Find("#change-password").Length() != 0 {
		t.Fatalf("account page, ways to log in: %q", logins)
	}

	// Second login, on another device: the same account, a session of its own.
	c2 := f.app.Client()
	r = f.login(c2, "alice-sub", "login", "/groups/welcome")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/groups/welcome" {
		t.Fatalf("second login: %d %q", r.Status, r.Header.Get("Location"))
	}
	if got := c2.Get("/account").Doc(t).Find(".account-menu a[href=\"/account\"]").Text(); got != "Fern" {
		t.Fatalf("second device is logged in as %q", got)
	}
	if n := f.count(`SELECT count(*) FROM users`); n != 1 {
		t.Fatalf("%d accounts after the second login", n)
	}

	// A logged-in member confirms who they are: a fresh session replaces the old one.
	old := c2.Cookie("hearth_session")
	r = f.login(c2, "alice-sub", "login", "/account")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
		t.Fatalf("confirming login: %d %q", r.Status, r.Header.Get("Location"))
	}
	if fresh := c2.Cookie("hearth_session"); fresh == "" || fresh == old {
		t.Fatal("confirming login kept the session id")
	}
	stale := f.app.Client()
	req := stale.NewRequest(http.MethodGet, "/account", nil)
	req.AddCookie(&http.Cookie{Name: "hearth_session", Value: old})
	if r := stale.Do(req); r.Status != http.StatusSeeOther {
		t.Fatalf("the replaced session still works: %d", r.Status)
	}

	// The last way to log in cannot be removed, whatever the page shows.
	id := f.count(`SELECT id FROM user_identities`)
	if r := c2.PostForm("/account/logins/"+strconv.Itoa(id)+"/unlink", nil); r.Status != http.StatusConflict || !strings.Contains(r.Body, "only way to log in") {
		t.Fatalf("unlink the last way: %d", r.Status)
	}
	if n := f.count(`SELECT count(*) FROM user_identities`); n != 1 {
		t.Fatal("the last identity was removed")
	}

}

func TestSocialOIDCLinkAndUnlink(t *testing.T) {
	f := newOIDCFixture(t)
	ctx := context.Background()
	f.app.Member("admin") // the first account is the admin; the rest are plain members
	m := f.app.Member("maple")
	acct := m.Get("/account")
	if acct.Doc(t).Find("#link-oidc").Length() != 1 || !strings.Contains(acct.Doc(t).Find("#logins").Text(), "Username and password") {
		t.Fatalf("account page offers no link: %q", acct.Doc(t).Find("#logins").Text())
	}
	// Linking needs a login.
	if r := f.app.Client().PostForm("/auth/oidc/link", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("link while logged out: %d", r.Status)
	}
	r := f.login(m, "maple-sub", "link", "")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account?saved=linked#logins" {
		t.Fatalf("link: %d %q %.300s", r.Status, r.Header.Get("Location"), r.Body)
	}
	maple, _ := f.app.Store.UserByUsername(ctx, "maple")
	ids, _ := f.app.Store.Identities(ctx, maple.ID)
	if len(ids) != 1 || ids[0].Subject != "maple-sub" {
		t.Fatalf("identities after linking: %+v", ids)
	}
	if m.Get("/account").Doc(t).Find("#link-oidc").Length() != 0 {
		t.Fatal("the account page still offers to link the linked provider")
	}
	// Linking a second account of the same provider is refused before leaving Hearth.
	if r := m.PostForm("/auth/oidc/link", nil); r.Status != http.StatusConflict {
		t.Fatalf("link the provider twice: %d", r.Status)
	}

	// Logging in with the provider now reaches the local account.
	c := f.app.Client()
	if r := f.login(c, "maple-sub", "login", ""); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/groups" {
		t.Fatalf("login with the linked provider: %d %q", r.Status, r.Header.Get("Location"))
	}
	if got := c.Get("/groups").Doc(t).Find(".account-menu a[href=\"/account\"]").Text(); got != "peer_maple" {
		t.Fatalf("logged in as %q", got)
	}

	// Another member cannot take the same provider account.
	n := f.app.Member("nettle")
	before := f.written()
	if r := f.login(n, "maple-sub", "link", ""); r.Status != http.StatusConflict || !strings.Contains(r.Body, "another Hearth account") {
		t.Fatalf("link someone else's provider account: %d", r.Status)
	}
	// Nor log in with it while logged in as themselves, nor with an unknown one.
	if r := f.login(n, "maple-sub", "login", ""); r.Status != http.StatusConflict {
		t.Fatalf("login as someone else while logged in: %d", r.Status)
	}
	if r := f.login(n, "stranger-sub", "login", ""); r.Status != http.StatusConflict {
		t.Fatalf("login with an unlinked account while logged in: %d", r.Status)
	}
	if after := f.written(); after != before {
		t.Fatalf("refused links wrote: %v -> %v", before, after)
	}

	// With a password left, the provider may go.
	if r := m.PostForm("/account/logins/"+strconv.FormatInt(ids[0].ID, 10)+"/unlink", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("unlink: %d", r.Status)
	}
	if ids, _ := f.app.Store.Identities(ctx, maple.ID); len(ids) != 0 {
		t.Fatalf("identities after unlinking: %+v", ids)
	}
	// Someone else's identity id is not found.
	if r := n.PostForm("/account/logins/"+strconv.FormatInt(ids[0].ID, 10)+"/unlink", nil); r.Status != http.StatusNotFound {
		t.Fatalf("unlink a stranger's identity: %d", r.Status)
	}

	// A suspended member is told so, and gets no session.
	if r := f.login(n, "nettle-sub", "link", ""); r.Status != http.StatusSeeOther {
		t.Fatalf("nettle links: %d", r.Status)
	}
	nettle, _ := f.app.Store.UserByUsername(ctx, "nettle")
	admin, _ := f.app.Store.UserByUsername(ctx, "admin")
	if err := f.app.Store.Suspend(ctx, store.Action{ModeratorID: admin.ID, Reason: "cooling off"}, nettle.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	before = f.written()
	if r := f.login(f.app.Client(), "nettle-sub", "login", ""); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "suspended") {
		t.Fatalf("suspended member's provider login: %d", r.Status)
	}
	if after := f.written(); after != before {
		t.Fatalf("a suspended member's login wrote %v -> %v", before, after)
	}
}

// With no provider configured, nothing about social login shows, and the admin cannot close
// local registration.
func TestSocialLoginAbsentWithoutProviders(t *testing.T) {
	app := handlerstest.New(t)
	admin := app.Member("admin")
	c := app.Client()
	for _, path := range []string{"/login", "/register"} {
		r := c.Get(path)
		if d := r.Doc(t); d.Find(".social-login").Length() != 0 || strings.Contains(r.Body, "/auth/") {
			t.Errorf("%s mentions social login without a provider", path)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self';") {
			t.Errorf("%s: CSP form-action widened without a provider: %q", path, csp)
		}
	}
	if r := admin.Get("/account"); r.Doc(t).Find("#logins").Length() != 0 {
		t.Error("account page shows ways to log in without a provider")
	}
	if r := c.PostForm("/auth/github/login", nil); r.Status != http.StatusNotFound {
		t.Errorf("start an unconfigured provider: %d", r.Status)
	}
	if r := admin.PostForm("/admin/login", url.Values{"local_registration": {"closed"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("close registration without a provider: %d", r.Status)
	}
	if r := c.Get("/register"); r.Doc(t).Find("#register-form").Length() != 1 {
		t.Error("registration closed without a provider")
	}
}

// An admin closes local registration once a provider is configured: the register page
// offers only the providers, a local sign-up is refused, and existing members still log in
// with their password.
func TestSocialLocalRegistrationOff(t *testing.T) {
	f := newOIDCFixture(t)
	admin := f.app.Member("admin")
	f.app.Member("maple")
	if r := admin.Get("/admin/login"); !strings.Contains(r.Body, "Test SSO") {
		t.Fatalf("admin page does not list the provider: %d", r.Status)
	}
	if r := admin.PostForm("/admin/login", url.Values{"local_registration": {"closed"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("close registration: %d", r.Status)
	}
	c := f.app.Client()
	reg := c.Get("/register")
	if reg.Doc(t).Find("#register-form").Length() != 0 || reg.Doc(t).Find("#social-oidc").Length() != 1 {
		t.Fatalf("register page with local registration off: %q", reg.Doc(t).Find("main").Text())
	}
	r := c.PostForm("/register", url.Values{"username": {"newbie"}, "display_name": {"Newbie"}, "password": {handlerstest.Password}})
	if r.Status != http.StatusForbidden {
		t.Fatalf("local sign-up while closed: %d", r.Status)
	}
	if r := c.Login("maple", handlerstest.Password); r.Status != http.StatusSeeOther {
		t.Fatalf("password login while registration is closed: %d", r.Status)
	}
	// Joining through the provider still works.
	j := f.app.Client()
	if r := f.login(j, "new-sub", "login", ""); r.Header.Get("Location") != "/auth/join" {
		t.Fatalf("provider sign-up while local registration is closed: %d %q", r.Status, r.Header.Get("Location"))
	}
	if r := j.PostForm("/auth/join", url.Values{"display_name": {"Sprout"}, "accept_guidelines": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("join: %d", r.Status)
	}
	// A non-admin cannot change it.
	if r := c.PostForm("/admin/login", url.Values{"local_registration": {"open"}}); r.Status != http.StatusForbidden {
		t.Fatalf("non-admin: %d", r.Status)
	}
}

// An OpenID Connect provider whose login page is on another origin than its issuer: the
// first browser without htmx gets a link to follow (its page's form-action predates
// discovery); from then on the CSP allows the redirect.
func TestSocialOIDCLoginPageOnAnotherOrigin(t *testing.T) {
	var issuer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": issuer,
			"authorization_endpoint": strings.Replace(issuer, "127.0.0.1", "localhost", 1) + "/authorize",
			"token_endpoint":         issuer + "/token", "jwks_uri": issuer + "/jwks", "response_types_supported": []string{"code"}})
	}))
	t.Cleanup(srv.Close)
	issuer = srv.URL
	app := handlerstest.New(t, func(c *handlers.Config) {
		c.Social = []handlers.SocialProvider{{Name: "oidc", ClientID: "id", ClientSecret: "secret", Issuer: issuer}}
	})
	c := app.Client()
	login := strings.Replace(issuer, "127.0.0.1", "localhost", 1)
	if csp := c.Get("/login").Header.Get("Content-Security-Policy"); strings.Contains(csp, login) {
		t.Fatalf("CSP allows the login page's origin before discovery: %q", csp)
	}
	r := c.PostForm("/auth/oidc/login", nil)
	link, ok := r.Doc(t).Find("#social-continue").Attr("href")
	if r.Status != http.StatusOK || !ok || !strings.HasPrefix(link, login+"/authorize?") {
		t.Fatalf("first start: %d, link %q", r.Status, link)
	}
	if csp := c.Get("/login").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+issuer+" "+login+";") {
		t.Fatalf("CSP after discovery: %q", csp)
	}
	if r := c.PostForm("/auth/oidc/login", nil); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), login+"/authorize?") {
		t.Fatalf("second start: %d %q", r.Status, r.Header.Get("Location"))
	}
}

// A member who logs in only with a provider confirms deleting their account by logging in
// with it again: the delete page offers their provider, brings them back, and then takes
// the deletion; an old session (more than five minutes) is refused.
func TestSocialOnlyAccountDeleteConfirmsWithAFreshLogin(t *testing.T) {
	f := newOIDCFixture(t)
	f.app.Member("firstadmin") // the first account is the admin, who may not leave the site without one
	c := f.app.Client()
	f.queue("del-sub")
	if r := c.Get(f.authorize(c, f.start(c, "login", "/groups"))); r.Header.Get("Location") != "/auth/join" {
		t.Fatalf("first callback: %d %q", r.Status, r.Header.Get("Location"))
	}
	if r := c.PostForm("/auth/join", url.Values{"display_name": {"Willow"}, "accept_guidelines": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("join: %d", r.Status)
	}
	f.app.Clock.Advance(6 * time.Minute) // past the five minutes, within the provider's token lifetime

	page := c.Get("/account/delete")
	if page.Doc(t).Find("form[action=\"/account/delete\"]").Length() != 0 {
		t.Fatal("an old session may delete without confirming")
	}
	btn := page.Doc(t).Find("form[action=\"/auth/oidc/login\"]")
	if btn.Length() != 1 || btn.Find("input[name=next]").AttrOr("value", "") != "/account/delete" {
		t.Fatalf("the delete page does not offer the member's provider to confirm: %.600s", page.Doc(t).Find("main").Text())
	}
	if r := c.PostForm("/account/delete", url.Values{"confirm": {"yes"}}); r.Status == http.StatusSeeOther || r.Status == http.StatusOK {
		t.Fatalf("deleting with an old session: %d", r.Status)
	}
	if n := f.count(`SELECT count(*) FROM users WHERE display_name = 'Willow'`); n != 1 {
		t.Fatal("the account went without a fresh login")
	}

	r := f.login(c, "del-sub", "login", "/account/delete")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account/delete" {
		t.Fatalf("confirming login: %d %q", r.Status, r.Header.Get("Location"))
	}
	if c.Get("/account/delete").Doc(t).Find("form[action=\"/account/delete\"]").Length() != 1 {
		t.Fatal("after a fresh login the delete form is not offered")
	}
	if r := c.PostForm("/account/delete", url.Values{"confirm": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete after a fresh login: %d %.300s", r.Status, r.Body)
	}
	if n := f.count(`SELECT count(*) FROM users WHERE display_name = 'Willow'`); n != 0 {
		t.Fatal("the account is still there")
	}
	if n := f.count(`SELECT count(*) FROM user_identities`); n != 0 {
		t.Fatal("the provider link outlived the account")
	}
}

// TestSocialLoginsChangeOnlyOnARecentLogin: a session older than five minutes (left open,
// or stolen) may neither link a provider nor remove one; logging in again allows it.
func TestSocialLoginsChangeOnlyOnARecentLogin(t *testing.T) {
	f := newOIDCFixture(t)
	ctx := context.Background()
	f.app.Member("admin")
	m := f.app.Member("rowan")
	if r := f.login(m, "rowan-sub", "link", ""); r.Status != http.StatusSeeOther {
		t.Fatalf("link on a fresh login: %d", r.Status)
	}
	rowan, _ := f.app.Store.UserByUsername(ctx, "rowan")
	ids, _ := f.app.Store.Identities(ctx, rowan.ID)
	if len(ids) != 1 {
		t.Fatalf("identities: %+v", ids)
	}
	f.app.Clock.Advance(6 * time.Minute)
	unlink := "/account/logins/" + strconv.FormatInt(ids[0].ID, 10) + "/unlink"
	if r := m.PostForm(unlink, nil); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "log in again") {
		t.Fatalf("unlink on an old session: %d", r.Status)
	}
	if r := m.PostForm("/auth/oidc/link", nil); r.Status != http.StatusForbidden {
		t.Fatalf("link on an old session: %d", r.Status)
	}
	if ids, _ := f.app.Store.Identities(ctx, rowan.ID); len(ids) != 1 {
		t.Fatalf("identities changed on an old session: %+v", ids)
	}
	m.Login("rowan", handlerstest.Password)
	if r := m.PostForm(unlink, nil); r.Status != http.StatusSeeOther {
		t.Fatalf("unlink after logging in again: %d", r.Status)
	}
	if ids, _ := f.app.Store.Identities(ctx, rowan.ID); len(ids) != 0 {
		t.Fatalf("identities after unlinking: %+v", ids)
	}
}
