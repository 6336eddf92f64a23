// Package handlers holds Hearth's HTTP layer: one file per feature action, thin methods on
// Handler that read the request, call the store and render a view.
package handlers

import (
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"time"

	"github.com/hearth-community/hearth/static"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// Config is the part of Hearth's configuration the HTTP layer needs. cmd/hearth parses and
// validates it once.
type Config struct {
	// BaseURL is the public URL members use; it decides cookie security and the allowed
	// websocket Origin.
	BaseURL *url.URL
	// BaseURLExplicit is false when BaseURL was derived from the listen address; then a
	// websocket Origin equal to the request's Host is accepted too, so a fresh install works
	// whether it is opened as localhost or 127.0.0.1.
	BaseURLExplicit bool
	// SessionTTL is how long a session lives without activity.
	SessionTTL time.Duration
	// TrustedProxies are the networks whose X-Forwarded-For is believed. Empty means the
	// client address is the TCP peer.
	TrustedProxies []netip.Prefix
	// AuthPerMinute limits login and registration attempts per client IP.
	AuthPerMinute int
	// MaxBodyBytes caps request bodies.
	MaxBodyBytes int64
}

// SecureCookies reports whether cookies must carry the Secure flag.
func (c Config) SecureCookies() bool { return c.BaseURL != nil && c.BaseURL.Scheme == "https" }

// Deps are what a Handler is built from. Everything is passed in; nothing is global.
type Deps struct {
	Config Config
	Store  *store.Store
	Views  *views.Renderer
	Assets *static.Assets
	Logger *slog.Logger
}

// Handler serves every route.
type Handler struct {
	cfg       Config
	store     *store.Store
	views     *views.Renderer
	assets    *static.Assets
	log       *slog.Logger
	passwords *passwordHasher
}

// requiredPages are checked at start-up so a missing template stops Hearth before serving.
var requiredPages = []string{"home", "error", "login", "register", "account", "admin_users", "help", "resources", "goals"}

// New builds a Handler and checks that every page it renders exists.
func New(d Deps) (*Handler, error) {
	if d.Config.BaseURL == nil {
		return nil, fmt.Errorf("handlers: base URL missing")
	}
	if d.Config.SessionTTL <= 0 {
		d.Config.SessionTTL = 30 * 24 * time.Hour
	}
	if d.Config.AuthPerMinute <= 0 {
		d.Config.AuthPerMinute = 10
	}
	if d.Config.MaxBodyBytes <= 0 {
		d.Config.MaxBodyBytes = 1 << 20
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	for _, p := range requiredPages {
		if !d.Views.HasPage(p) {
			return nil, fmt.Errorf("handlers: page template %q missing", p)
		}
	}
	pw, err := newPasswordHasher()
	if err != nil {
		return nil, err
	}
	return &Handler{cfg: d.Config, store: d.Store, views: d.Views, assets: d.Assets, log: d.Logger, passwords: pw}, nil
}
