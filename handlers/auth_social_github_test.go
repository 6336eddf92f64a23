package handlers_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/markbates/goth/providers/github"

	"github.com/hearth-community/hearth/handlers"
	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// fakeGitHub is GitHub's token endpoint and user API, enough for Hearth's GitHub login: it
// checks the PKCE verifier against the challenge the authorization URL carried.
type fakeGitHub struct {
	mu        sync.Mutex
	challenge string
	exchanged int
}

func (g *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/login/oauth/access_token":
		_ = r.ParseForm()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		g.mu.Lock()
		ok := r.PostForm.Get("code") == "gh-code" && r.PostForm.Get("code_verifier") != "" &&
			base64.RawURLEncoding.EncodeToString(sum[:]) == g.challenge
		g.exchanged++
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"gh-access-token-value","token_type":"bearer","scope":""}`))
	case "/user":
		if r.Header.Get("Authorization") != "Bearer gh-access-token-value" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":4242,"login":"octo-handle","name":"Mona Realname","email":"mona@real.example","avatar_url":"https://avatars.example/mona"}`))
	default:
		http.NotFound(w, r)
	}
}

// GitHub through goth's provider, with PKCE (which goth's own GitHub session cannot send):
// the account id is all that is kept.
func TestSocialGitHubLoginWithPKCE(t *testing.T) {
	gh := &fakeGitHub{}
	srv := httptest.NewServer(gh)
	t.Cleanup(srv.Close)
	saved := [3]string{github.AuthURL, github.TokenURL, github.ProfileURL}
	github.AuthURL, github.TokenURL, github.ProfileURL = srv.URL+"/login/oauth/authorize", srv.URL+"/login/oauth/access_token", srv.URL+"/user"
	t.Cleanup(func() { github.AuthURL, github.TokenURL, github.ProfileURL = saved[0], saved[1], saved[2] })
	app := handlerstest.New(t, func(c *handlers.Config) {
		c.Social = []handlers.SocialProvider{{Name: "github", ClientID: "gh-client", ClientSecret: "gh-secret"}}
	})
	c := app.Client()
	if csp := c.Get("/login").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://github.com;") {
		t.Fatalf("CSP %q", csp)
	}
	r := c.PostForm("/auth/github/login", nil)
	auth, err := url.Parse(r.Header.Get("Location"))
	if r.Status != http.StatusSeeOther || err != nil || !strings.HasPrefix(auth.String(), srv.URL+"/login/oauth/authorize") {
		t.Fatalf("start: %d %q", r.Status, r.Header.Get("Location"))
	}
	q := auth.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("client_id") != "gh-client" || q.Get("scope") != "" ||
		q.Get("redirect_uri") != app.URL+"/auth/github/callback" {
		t.Fatalf("authorization URL: %s", auth.RawQuery)
	}
	gh.mu.Lock()
	gh.challenge = q.Get("code_challenge")
	gh.mu.Unlock()
	r = c.Get("/auth/github/callback?" + url.Values{"code": {"gh-code"}, "state": {q.Get("state")}}.Encode())
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/auth/join" {
		t.Fatalf("callback: %d %q %.300s", r.Status, r.Header.Get("Location"), r.Body)
	}
	if r := c.PostForm("/auth/join", url.Values{"display_name": {"Octo"}, "accept_guidelines": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("join: %d", r.Status)
	}
	u, err := app.Store.UserByIdentity(t.Context(), "github", "4242")
	if err != nil || u.DisplayName != "Octo" || u.Email != "" {
		t.Fatalf("GitHub account: %+v, %v", u, err)
	}
	app.Store.Close()
	for _, suffix := range []string{"", "-wal"} {
		raw, err := os.ReadFile(app.DBPath + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, s := range []string{"octo-handle", "Mona Realname", "mona@real.example", "avatars.example", "gh-access-token-value"} {
			if bytes.Contains(raw, []byte(s)) {
				t.Fatalf("the database%s holds %q", suffix, s)
			}
		}
	}
	app.Restart()

	// A code whose flow's verifier does not match its challenge is refused by GitHub, and
	// Hearth says so without writing anything.
	c2 := app.Client()
	r = c2.PostForm("/auth/github/login", nil)
	auth, _ = url.Parse(r.Header.Get("Location"))
	gh.mu.Lock()
	gh.challenge = "not-the-challenge"
	gh.mu.Unlock()
	r = c2.Get("/auth/github/callback?" + url.Values{"code": {"gh-code"}, "state": {auth.Query().Get("state")}}.Encode())
	if r.Status != http.StatusBadGateway {
		t.Fatalf("refused exchange: %d", r.Status)
	}
	if n, _ := app.Store.CountUsers(t.Context()); n != 1 {
		t.Fatalf("%d accounts", n)
	}
}
