// Package handlers holds Hearth's HTTP layer: one file per feature action, thin methods on
// Handler that read the request, call the store and render a view.
package handlers

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/cluster"
	"github.com/hearth-community/hearth/handlers/chat"
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
	// AuthPerMinute limits login and registration attempts per client IP (an IPv6 client
	// by its /64).
	AuthPerMinute int
	// RegisterPerMinute limits registration attempts across the whole site; 0 means 30.
	RegisterPerMinute int
	// MaxBodyBytes caps request bodies.
	MaxBodyBytes int64
	// CareConcernWait is how long a care concern may wait unclaimed before it is raised to
	// every admin (default 15 minutes).
	CareConcernWait time.Duration
	// ModBreakAfter is how many handled reports in a day make the queue suggest a break
	// (default 20).
	ModBreakAfter int
	// Social are the login providers (GitHub, Google, GitLab, Discord, OpenID Connect) that
	// are switched on; none means nothing about social login shows (auth_social*.go).
	Social []SocialProvider
	// RetentionEvery is how often the job that erases messages past their group's
	// retention runs (0: hourly; negative: never on its own, as tests run it by hand).
	RetentionEvery time.Duration
	// Chat tunes the live chat hub (tests shorten its timers). Store, Frames and Logger are
	// filled in by New; zero values are the hub's defaults.
	Chat chat.Options
	// Cluster joins the other Hearth nodes sharing the database through NATS when its URL
	// is set (package cluster); empty, this node is on its own.
	Cluster cluster.Options
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
	devices   deviceNames
	chat      *chat.Hub
	node      *cluster.Node // nil on a single node
	frames    *chatFrames
	upgrader  websocket.Upgrader
	backoff   backoffs
	notes     *notifier // the live bell (notify_stream.go)
	cards     *goalCards
	boards    *boardCache
	results   *resultsCache    // the rendered results of /resources (resource_list_cache.go)
	mentions  *mentions        // mention notifications (mention_notify.go)
	social    *socialProviders // login providers (auth_social_providers.go)
	retention *retentionJob    // erases messages past their group's retention (retention.go)
	exports   *exportGate      // downloads of members' data under way (account_data.go)
	// streamsDone is closed when the server stops, ending the notification streams.
	streamsDone chan struct{}
	stopStreams sync.Once
}

// requiredPages are checked at start-up so a missing template stops Hearth before serving.
var requiredPages = []string{"home", "error", "login", "register", "account", "admin_users", "help", "goals",
	"resources", "resource", "resource_form", "toolkit", "resource_review", "resource_revisions",
	"groups", "group", "group_form", "group_manage", "group_members", "invite",
	"password_reset", "password_reset_gone", "welcome", "admin_crisis", "admin_filter", "goal", "goal_form", "goal_board",
	"notifications", "mod", "mod_audit", "mod_message", "mod_group", "notices", "social_join", "social_continue", "admin_login",
	"privacy", "account_delete", "account_deleted", "group_retention"}

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
	if d.Config.RegisterPerMinute <= 0 {
		d.Config.RegisterPerMinute = 30
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
	social, err := newSocialProviders(d.Config.Social, d.Config.BaseURL, &http.Client{Timeout: 15 * time.Second}, d.Store.Now)
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: d.Config, store: d.Store, views: d.Views, assets: d.Assets, log: d.Logger, passwords: pw, exports: newExportGate(),
		social: social, streamsDone: make(chan struct{})}
	h.frames = newChatFrames(d.Views, d.Store)
	d.Store.OnChange(h.frames.follow)
	h.results = newResultsCache()
	d.Store.OnChange(h.results.follow)
	h.mentions = newMentions(h)
	d.Store.OnChange(h.mentions.follow)
	co := d.Config.Chat
	co.Store, co.Frames, co.Logger, co.Committed = d.Store, h.frames, d.Logger, h.mentions.committed
	if d.Config.Cluster.URL != "" {
		if h.node, err = cluster.New(d.Config.Cluster, d.Store, d.Logger); err != nil {
			h.mentions.close()
			return nil, err
		}
		mentioned, node := co.Committed, h.node
		co.Publisher, co.Relay = node, node.Relay
		co.Committed = func(msgs []store.Message) {
			mentioned(msgs)
			node.Committed(msgs)
		}
	}
	if h.chat, err = chat.New(co); err != nil {
		h.mentions.close()
		return nil, err
	}
	if h.node != nil {
		if err := h.node.Start(h.chat); err != nil {
			_ = h.chat.Close()
			h.mentions.close()
			return nil, err
		}
	}
	h.upgrader = newUpgrader()
	h.notes = newNotifier()
	h.cards = newGoalCards(h)
	h.boards = newBoardCache(1024)
	d.Store.OnChange(h.boards.follow)
	d.Store.OnChange(h.notes.follow)
	d.Store.OnChange(h.followGoals)
	// Nodes sharing a database share the login back-off too; one node keeps it in memory.
	if d.Store.Postgres() || h.node != nil {
		h.backoff = &sharedBackoff{st: d.Store, rule: store.BackoffRule{Free: loginFreeFailures, Base: loginBaseDelay, Max: loginMaxDelay}, log: d.Logger}
	} else {
		h.backoff = newLoginBackoff(d.Store.Now)
	}
	h.retention = newRetentionJob(d.Store, d.Logger, d.Config.RetentionEvery)
	return h, nil
}

// StopStreams ends every long-lived response (the notification streams), so a graceful
// shutdown does not wait for them: register it with http.Server.RegisterOnShutdown. Close
// calls it too.
func (h *Handler) StopStreams() { h.stopStreams.Do(func() { close(h.streamsDone) }) }

// Close stops the live chat: open sockets are told to reconnect later and queued messages
// are written before it returns. Call it after the HTTP server has shut down.
func (h *Handler) Close() error {
	h.StopStreams()
	h.retention.close()
	if h.node != nil {
		_ = h.node.Close() // the other nodes drop this node's members at once
	}
	err := h.chat.Close()
	h.mentions.close()
	return err
}
