package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/markbates/goth"
	"github.com/markbates/goth/providers/discord"
	"github.com/markbates/goth/providers/github"
	"github.com/markbates/goth/providers/openidConnect"
	"golang.org/x/oauth2"
)

// SocialProvider configures one way to log in with an account elsewhere. cmd/hearth builds
// these from HEARTH_GITHUB_*, HEARTH_GOOGLE_*, HEARTH_GITLAB_*, HEARTH_DISCORD_* and
// HEARTH_OIDC_*; a provider that is not configured does not exist for Hearth.
type SocialProvider struct {
	// Name is the provider's name in URLs and the database: github, google, gitlab,
	// discord or oidc.
	Name         string
	ClientID     string
	ClientSecret string
	// Issuer is the OpenID Connect issuer URL: required for oidc; for gitlab the address of
	// a self-hosted GitLab (default https://gitlab.com). Unused otherwise.
	Issuer string
	// Label is what the button says after "Log in with" (oidc; default "single sign-on").
	Label string
}

// socialProviderNames are the providers Hearth knows, in the order their buttons appear.
var socialProviderNames = []string{"github", "google", "gitlab", "discord", "oidc"}

// Errors of a provider exchange. errProviderUnverified is an answer that came back but
// does not prove who the person is (a bad signature, issuer, audience, expiry or nonce):
// someone may be tampering. errProviderUnavailable is the provider not answering.
var (
	errProviderUnverified  = errors.New("identity not verified")
	errProviderUnavailable = errors.New("provider unavailable")
)

// socialProvider drives one configured provider. goth builds the authorization URL and,
// for GitHub and Discord, fetches the account id; Hearth keeps the state, the PKCE verifier
// and the nonce itself (auth_social.go), and never uses gothic or its cookie store.
//
// Google, GitLab and generic OpenID Connect go through goth's openidConnect provider, and
// the ID token it returns is verified here with go-oidc (signature against the issuer's
// keys, issuer, audience, expiry) and its nonce compared: goth alone checks none of that.
// GitHub and Discord have no ID token; the account id comes from their API over TLS with
// the access token Hearth just obtained from the token endpoint.
//
// goth's GitHub and Discord sessions cannot send a PKCE verifier with the code, so for them
// Hearth exchanges the code itself with golang.org/x/oauth2 (the library goth uses)
// and hands the access token to goth's FetchUser.
type socialProvider struct {
	name, label string
	client      *http.Client
	now         func() time.Time
	callback    string

	// OAuth 2 providers (GitHub, Discord).
	plain       goth.Provider
	exchange    *oauth2.Config
	newSession  func(accessToken string) goth.Session
	plainOrigin string

	// OpenID Connect providers (Google, GitLab, generic), discovered on first use.
	issuer, clientID, secret string
	mu                       sync.Mutex
	oidc                     *oidcState
}

// oidcState is what discovery found.
type oidcState struct {
	goth     *openidConnect.Provider
	verifier *oidc.IDTokenVerifier
	pkce     bool
	origin   string // of the authorization endpoint
}

// pkce reports whether the provider takes a PKCE challenge (S256). GitHub and Discord do
// (Discord's authorization server metadata lists S256); an OpenID Connect provider does
// unless its discovery document lists methods without S256.
func (p *socialProvider) pkce() bool {
	if p.issuer == "" {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.oidc != nil && p.oidc.pkce
}

// socialProviders are the configured providers, by name, and the origins their login
// pages are on (for the CSP's form-action).
type socialProviders struct {
	byName  map[string]*socialProvider
	ordered []*socialProvider
	// formAction is " origin1 origin2…", added to the CSP's form-action: a login button
	// posts to Hearth, which redirects to the provider, and browsers check that redirect
	// against form-action.
	formAction atomic.Pointer[string]
}

// newSocialProviders checks the configuration and builds the providers. Nothing is
// fetched yet: OpenID Connect discovery happens at the first login, so Hearth starts even
// when a provider is down.
func newSocialProviders(cfgs []SocialProvider, base *url.URL, client *http.Client, now func() time.Time) (*socialProviders, error) {
	sp := &socialProviders{byName: map[string]*socialProvider{}}
	empty := ""
	sp.formAction.Store(&empty)
	for _, c := range cfgs {
		if !slices.Contains(socialProviderNames, c.Name) {
			return nil, fmt.Errorf("social login: unknown provider %q (want one of %s)", c.Name, strings.Join(socialProviderNames, ", "))
		}
		if sp.byName[c.Name] != nil {
			return nil, fmt.Errorf("social login: provider %q configured twice", c.Name)
		}
		if c.ClientID == "" || c.ClientSecret == "" {
			return nil, fmt.Errorf("social login: %s needs both a client id and a client secret", c.Name)
		}
		p := &socialProvider{name: c.Name, client: client, now: now, clientID: c.ClientID, secret: c.ClientSecret,
			callback: base.Scheme + "://" + base.Host + "/auth/" + c.Name + "/callback"}
		switch c.Name {
		case "github":
			p.label, p.plainOrigin = "GitHub", "https://github.com"
			gp := github.New(c.ClientID, c.ClientSecret, p.callback) // no scope: the public profile's id only
			gp.HTTPClient = client
			p.plain = gp
			p.exchange = &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: p.callback,
				Endpoint: oauth2.Endpoint{AuthURL: github.AuthURL, TokenURL: github.TokenURL}}
			p.newSession = func(tok string) goth.Session { return &github.Session{AccessToken: tok} }
		case "discord":
			p.label, p.plainOrigin = "Discord", "https://discord.com"
			dp := discord.New(c.ClientID, c.ClientSecret, p.callback, discord.ScopeIdentify) // not "email"
			dp.HTTPClient = client
			p.plain = dp
			p.exchange = &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: p.callback,
				Endpoint: oauth2.Endpoint{AuthURL: "https://discord.com/api/oauth2/authorize", TokenURL: "https://discord.com/api/oauth2/token"},
				Scopes:   []string{discord.ScopeIdentify}}
			p.newSession = func(tok string) goth.Session { return &discord.Session{AccessToken: tok} }
		case "google":
			p.label, p.issuer = "Google", "https://accounts.google.com"
		case "gitlab":
			p.label, p.issuer = "GitLab", "https://gitlab.com"
			if c.Issuer != "" {
				p.issuer = strings.TrimSuffix(c.Issuer, "/")
			}
		case "oidc":
			p.label, p.issuer = "single sign-on", c.Issuer
			if c.Label != "" {
				p.label = c.Label
			}
			if p.issuer == "" {
				return nil, errors.New("social login: oidc needs an issuer URL")
			}
		}
		if p.issuer != "" {
			if err := checkProviderURL(p.issuer); err != nil {
				return nil, fmt.Errorf("social login: %s issuer: %w", c.Name, err)
			}
		}
		sp.byName[c.Name] = p
	}
	for _, n := range socialProviderNames {
		if p := sp.byName[n]; p != nil {
			sp.ordered = append(sp.ordered, p)
			sp.allowFormAction(p.plainOrigin)
			if p.issuer != "" {
				sp.allowFormAction(originOf(p.issuer))
			}
		}
	}
	return sp, nil
}

// checkProviderURL accepts https URLs, and http only on a loopback host (a provider
// started beside Hearth for development or tests).
func checkProviderURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URL", raw)
	}
	if u.Scheme == "https" {
		return nil
	}
	if h := u.Hostname(); u.Scheme == "http" && (h == "localhost" || h == "127.0.0.1" || h == "::1") {
		return nil
	}
	return fmt.Errorf("%q: want https", raw)
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// allowFormAction adds origin to the CSP's form-action sources.
func (sp *socialProviders) allowFormAction(origin string) {
	if origin == "" {
		return
	}
	for {
		old := sp.formAction.Load()
		if strings.Contains(*old+" ", " "+origin+" ") {
			return
		}
		next := *old + " " + origin
		if sp.formAction.CompareAndSwap(old, &next) {
			return
		}
	}
}

// formActionAllows reports whether the CSP's form-action lists origin already.
func (sp *socialProviders) formActionAllows(origin string) bool {
	return strings.Contains(*sp.formAction.Load()+" ", " "+origin+" ")
}

func (sp *socialProviders) get(name string) *socialProvider {
	if sp == nil {
		return nil
	}
	return sp.byName[name]
}

// any reports whether at least one provider is configured.
func (sp *socialProviders) any() bool { return sp != nil && len(sp.ordered) > 0 }

// discover fetches the OpenID Connect configuration the first time it is needed (and again
// after a failure), checking that the issuer it names is the configured one (go-oidc).
func (p *socialProvider) discover(ctx context.Context) (*oidcState, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oidc != nil {
		return p.oidc, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, p.client), p.issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: discover %s: %v", errProviderUnavailable, p.name, err)
	}
	// NewProvider keeps the client for fetching keys later; ctx only bounds discovery.
	var meta struct {
		Methods []string `json:"code_challenge_methods_supported"`
	}
	_ = op.Claims(&meta)
	ep := op.Endpoint()
	if err := checkProviderURL(ep.AuthURL); err != nil {
		return nil, fmt.Errorf("discover %s: authorization endpoint: %w", p.name, err)
	}
	gp, err := openidConnect.NewCustomisedURL(p.clientID, p.secret, p.callback, ep.AuthURL, ep.TokenURL,
		p.issuer, op.UserInfoEndpoint(), "", oidc.ScopeOpenID) // "openid" only: the subject, no profile or e-mail
	if err != nil {
		return nil, fmt.Errorf("set up %s: %w", p.name, err)
	}
	gp.SetName(p.name)
	gp.HTTPClient = p.client
	p.oidc = &oidcState{
		goth:     gp,
		verifier: op.Verifier(&oidc.Config{ClientID: p.clientID, Now: p.now}),
		pkce:     len(meta.Methods) == 0 || slices.Contains(meta.Methods, "S256"),
		origin:   originOf(ep.AuthURL),
	}
	return p.oidc, nil
}

// authURL is where the member is sent to log in: goth's authorization URL with the state,
// plus the PKCE challenge and, for OpenID Connect, the nonce. It also returns the origin of
// that URL.
func (p *socialProvider) authURL(ctx context.Context, state, verifier, nonce string) (string, string, error) {
	gp, origin := p.plain, p.plainOrigin
	if p.issuer != "" {
		st, err := p.discover(ctx)
		if err != nil {
			return "", "", err
		}
		gp, origin = st.goth, st.origin
	}
	sess, err := gp.BeginAuth(state)
	if err != nil {
		return "", "", fmt.Errorf("begin %s login: %w", p.name, err)
	}
	raw, err := sess.GetAuthURL()
	if err != nil {
		return "", "", fmt.Errorf("begin %s login: %w", p.name, err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("begin %s login: %w", p.name, err)
	}
	q := u.Query()
	if p.pkce() {
		q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
		q.Set("code_challenge_method", "S256")
	}
	if p.issuer != "" {
		q.Set("nonce", nonce)
	}
	u.RawQuery = q.Encode()
	return u.String(), origin, nil
}

// subject exchanges the code for tokens and returns the provider's stable id of the
// account, proven as described on socialProvider.
func (p *socialProvider) subject(ctx context.Context, code, verifier, nonce string) (string, error) {
	if p.issuer != "" {
		return p.oidcSubject(ctx, code, verifier, nonce)
	}
	var opts []oauth2.AuthCodeOption
	if p.pkce() {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	tok, err := p.exchange.Exchange(context.WithValue(ctx, oauth2.HTTPClient, p.client), code, opts...)
	if err != nil {
		return "", fmt.Errorf("%w: %s token exchange: %v", errProviderUnavailable, p.name, oauthErrorCode(err))
	}
	u, err := p.plain.FetchUser(p.newSession(tok.AccessToken))
	if err != nil || u.UserID == "" || u.UserID == "0" {
		return "", fmt.Errorf("%w: fetch %s account id", errProviderUnavailable, p.name)
	}
	return u.UserID, nil
}

func (p *socialProvider) oidcSubject(ctx context.Context, code, verifier, nonce string) (string, error) {
	st, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	params := url.Values{"code": {code}}
	if st.pkce {
		params.Set("code_verifier", verifier)
	}
	sess := &openidConnect.Session{}
	if _, err := sess.Authorize(st.goth, params); err != nil {
		return "", fmt.Errorf("%w: %s token exchange: %v", errProviderUnavailable, p.name, oauthErrorCode(err))
	}
	if sess.IDToken == "" {
		return "", fmt.Errorf("%w: %s sent no ID token", errProviderUnverified, p.name)
	}
	tok, err := st.verifier.Verify(ctx, sess.IDToken)
	if err != nil {
		return "", fmt.Errorf("%w: %s ID token: %s", errProviderUnverified, p.name, verifyFailure(err))
	}
	if subtle.ConstantTimeCompare([]byte(tok.Nonce), []byte(nonce)) != 1 {
		return "", fmt.Errorf("%w: %s ID token: nonce does not match", errProviderUnverified, p.name)
	}
	if tok.Subject == "" {
		return "", fmt.Errorf("%w: %s ID token has no subject", errProviderUnverified, p.name)
	}
	return tok.Subject, nil
}

// oauthErrorCode reduces a token endpoint failure to what may be logged: the OAuth error
// code and the HTTP status, never the response body (it may echo the code).
func oauthErrorCode(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if code == "" || len(code) > 40 || strings.IndexFunc(code, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z') }) >= 0 {
			code = "unknown"
		}
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return fmt.Sprintf("error %s, status %d", code, status)
	}
	return "request failed"
}

// verifyFailure names which check an ID token failed, without its content.
func verifyFailure(err error) string {
	var exp *oidc.TokenExpiredError
	switch msg := err.Error(); {
	case errors.As(err, &exp):
		return "expired"
	case strings.Contains(msg, "signature"):
		return "bad signature"
	case strings.Contains(msg, "issuer"):
		return "wrong issuer"
	case strings.Contains(msg, "audience"):
		return "wrong audience"
	case strings.Contains(msg, "malformed"):
		return "malformed"
	}
	return "invalid"
}

// flowSecrets derives the PKCE verifier and the OIDC nonce of one flow from the browser's
// flow cookie and the state: the database holds neither, so its rows alone cannot finish
// a login, and nothing but the browser that started the flow can.
func flowSecrets(cookie, state string) (verifier, nonce string) {
	v := sha256.Sum256([]byte("hearth pkce\x00" + cookie + "\x00" + state))
	n := sha256.Sum256([]byte("hearth nonce\x00" + cookie + "\x00" + state))
	return base64.RawURLEncoding.EncodeToString(v[:]), base64.RawURLEncoding.EncodeToString(n[:])
}
