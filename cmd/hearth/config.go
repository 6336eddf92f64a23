package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/hearth-community/hearth/cluster"
	"github.com/hearth-community/hearth/handlers"
	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/store"
)

// Config is Hearth's whole configuration, parsed once from flags and HEARTH_* environment
// variables (a flag wins over its variable) and validated before anything starts.
type Config struct {
	Addr           string
	DataDir        string
	BaseURL        *url.URL
	BaseURLSet     bool
	Synchronous    string
	SessionTTL     time.Duration
	TrustedProxies []netip.Prefix
	AuthPerMinute  int
	RegisterRate   int // registrations per minute across the whole site
	MaxBodyBytes   int64
	LogLevel       slog.Level
	LogJSON        bool
	DebugAddr      string        // loopback address for pprof; empty: off
	ChatSendRate   float64       // messages per second per member, sustained
	ChatSendBurst  int           // messages a member may send at once before the rate applies
	ChatSocketsIP  int           // open chat sockets per client IP; 0: no cap
	CareWait       time.Duration // how long a care concern waits unclaimed before admins are alerted
	ModBreakAfter  int           // handled reports in a day after which the queue suggests a break
	NATSURL        string        // NATS server(s) shared by the nodes of a cluster; empty: one node
	// DatabaseURL is the PostgreSQL database (postgres://...) shared by the nodes of a
	// cluster; empty: the SQLite file in DataDir. It may hold a password: log Database().
	DatabaseURL string
	// Social are the login providers switched on by their HEARTH_<PROVIDER>_* variables.
	Social []handlers.SocialProvider
}

// DBPath is the SQLite file inside the data directory.
func (c Config) DBPath() string { return filepath.Join(c.DataDir, "hearth.db") }

// StoreOptions opens the store the configuration names: PostgreSQL when a database URL is
// set, else the SQLite file in the data directory.
func (c Config) StoreOptions() store.Options {
	return store.Options{Path: c.DBPath(), DatabaseURL: c.DatabaseURL, Synchronous: c.Synchronous}
}

// Database names the database for logs and messages: the SQLite file, or the PostgreSQL
// server and database without the user or password.
func (c Config) Database() string {
	if c.DatabaseURL == "" {
		return c.DBPath()
	}
	return describeDatabaseURL(c.DatabaseURL)
}

// describeDatabaseURL is "PostgreSQL database NAME on HOST:PORT", with no credentials.
func describeDatabaseURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "PostgreSQL"
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		name = "(the user's default)"
	}
	return fmt.Sprintf("PostgreSQL database %s on %s", name, u.Host)
}

// Handlers returns the HTTP layer's part of the configuration.
func (c Config) Handlers() handlers.Config {
	return handlers.Config{
		BaseURL: c.BaseURL, BaseURLExplicit: c.BaseURLSet, SessionTTL: c.SessionTTL,
		TrustedProxies: c.TrustedProxies, AuthPerMinute: c.AuthPerMinute, MaxBodyBytes: c.MaxBodyBytes, RegisterPerMinute: c.RegisterRate,
		Chat:            chat.Options{SendRate: rate.Limit(c.ChatSendRate), SendBurst: c.ChatSendBurst, MaxPerIP: chatCap(c.ChatSocketsIP)},
		CareConcernWait: c.CareWait, ModBreakAfter: c.ModBreakAfter, Social: c.Social,
		Cluster: cluster.Options{URL: c.NATSURL},
	}
}

// chatCap turns "0 means no cap" into the hub's negative value.
func chatCap(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// option is one setting: its flag name, variable, default and help.
type option struct{ flag, env, def, help string }

var options = []option{
	{"addr", "HEARTH_ADDR", ":8080", "address to listen on"},
	{"data", "HEARTH_DATA", "./data", "directory for the database (hearth.db)"},
	{"base-url", "HEARTH_BASE_URL", "", "public URL members use, e.g. https://hearth.example.org (default http://localhost:PORT)"},
	{"database-url", "HEARTH_DATABASE_URL", "", "PostgreSQL database shared by the Hearth nodes of a cluster, e.g. postgres://hearth:PASSWORD@db:5432/hearth (prefer the variable: flags show in the process list); empty: SQLite in the data directory"},
	{"synchronous", "HEARTH_SYNCHRONOUS", "NORMAL", "SQLite synchronous mode: NORMAL (survives crashes) or FULL (also survives power loss)"},
	{"session-ttl", "HEARTH_SESSION_TTL", "720h", "how long an unused login session lasts"},
	{"trusted-proxies", "HEARTH_TRUSTED_PROXIES", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is trusted"},
	{"auth-rate", "HEARTH_AUTH_RATE", "10", "login and registration attempts allowed per client IP (IPv6: per /64) per minute"},
	{"register-rate", "HEARTH_REGISTER_RATE", "30", "registration attempts allowed per minute across the whole site"},
	{"max-body", "HEARTH_MAX_BODY", "1048576", "largest request body in bytes"},
	{"log-level", "HEARTH_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-format", "HEARTH_LOG_FORMAT", "text", "text or json"},
	{"chat-send-rate", "HEARTH_CHAT_SEND_RATE", "1", "chat messages per second each member may send, sustained"},
	{"chat-send-burst", "HEARTH_CHAT_SEND_BURST", "5", "chat messages a member may send in a quick burst"},
	{"chat-sockets-per-ip", "HEARTH_CHAT_SOCKETS_PER_IP", "100", "open chat sockets allowed per client IP; 0: no cap"},
	{"care-concern-wait", "HEARTH_CARE_CONCERN_WAIT", "15m", "how long a care concern may wait unclaimed before every admin is alerted"},
	{"mod-break-after", "HEARTH_MOD_BREAK_AFTER", "20", "reports a moderator handles in a day before the queue suggests a break"},
	{"nats-url", "HEARTH_NATS_URL", "", "NATS server(s) linking the Hearth nodes of a cluster, e.g. nats://nats:4222 (comma-separated); empty: one node"},
	{"debug-addr", "HEARTH_DEBUG_ADDR", "", "loopback address (e.g. 127.0.0.1:6060) serving Go's pprof profiles; empty: off"},
	// Social login: a provider is on when its client id and secret are set (README, "Social login").
	{"github-client-id", "HEARTH_GITHUB_CLIENT_ID", "", "GitHub OAuth app client id: turns on logging in with GitHub"},
	{"github-client-secret", "HEARTH_GITHUB_CLIENT_SECRET", "", "GitHub OAuth app client secret (prefer the variable: flags show in the process list)"},
	{"google-client-id", "HEARTH_GOOGLE_CLIENT_ID", "", "Google OAuth client id: turns on logging in with Google"},
	{"google-client-secret", "HEARTH_GOOGLE_CLIENT_SECRET", "", "Google OAuth client secret"},
	{"gitlab-client-id", "HEARTH_GITLAB_CLIENT_ID", "", "GitLab application id: turns on logging in with GitLab"},
	{"gitlab-client-secret", "HEARTH_GITLAB_CLIENT_SECRET", "", "GitLab application secret"},
	{"gitlab-url", "HEARTH_GITLAB_URL", "https://gitlab.com", "address of the GitLab to log in with (a self-hosted one)"},
	{"discord-client-id", "HEARTH_DISCORD_CLIENT_ID", "", "Discord application client id: turns on logging in with Discord"},
	{"discord-client-secret", "HEARTH_DISCORD_CLIENT_SECRET", "", "Discord application client secret"},
	{"oidc-issuer", "HEARTH_OIDC_ISSUER", "", "OpenID Connect issuer URL (Keycloak, Authentik, Zitadel…): turns on single sign-on with it"},
	{"oidc-client-id", "HEARTH_OIDC_CLIENT_ID", "", "OpenID Connect client id"},
	{"oidc-client-secret", "HEARTH_OIDC_CLIENT_SECRET", "", "OpenID Connect client secret"},
	{"oidc-name", "HEARTH_OIDC_NAME", "", "what the single sign-on button names the provider, e.g. \"Riverside SSO\""},
}

// isSecret reports whether an option holds a secret (a client secret, or the database or
// NATS URL with its password or token).
func isSecret(o option) bool {
	return strings.HasSuffix(o.env, "_SECRET") || o.env == "HEARTH_DATABASE_URL" || o.env == "HEARTH_NATS_URL"
}

// usage is what `hearth -h` prints before the flags: every command, one line each.
const usage = `Hearth: a self-hosted community portal for peer support groups.

Usage:
  hearth [serve] [flags]          run the server (the default); applies migrations first
  hearth migrate [flags]          apply database migrations and exit
  hearth backup PATH [flags]      write a consistent, checked copy of the database to PATH (owner-only, mode 0600);
                                  on PostgreSQL with pg_dump (custom format), when pg_dump is installed
  hearth user role NAME ROLE      set the role of the account with username NAME: admin, moderator or member
  hearth user password NAME       print a one-time link (valid for an hour) with which NAME sets a new password
  hearth healthcheck [flags]      exit 0 if the local server answers /healthz (for containers)
  hearth migrate-to-postgres -database-url URL [-data DIR]
                                  copy the SQLite community in DIR into an empty PostgreSQL database

Flags come after a command's own arguments. Each flag is also a HEARTH_* environment
variable; a flag wins over its variable.

`

// printUsage writes the commands and, given the flag set, its flags.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, usage)
	if fs != nil {
		fmt.Fprintln(w, "Flags:")
		fs.PrintDefaults()
	}
}

// parseConfig reads flags from args (after the subcommand) and the environment. Usage and
// flag errors go to out.
func parseConfig(cmd string, args []string, getenv func(string) string, out io.Writer) (Config, []string, error) {
	fs := flag.NewFlagSet("hearth "+cmd, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { printUsage(out, fs) }
	vals := map[string]*string{}
	for _, o := range options {
		def := o.def
		if v := getenv(o.env); v != "" && !isSecret(o) {
			def = v
		}
		vals[o.flag] = fs.String(o.flag, def, o.help+" ($"+o.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, err
	}
	for _, o := range options {
		if isSecret(o) && *vals[o.flag] == "" {
			*vals[o.flag] = getenv(o.env) // not a flag default, so `hearth -h` never prints it
		}
	}
	v := func(name string) string { return strings.TrimSpace(*vals[name]) }

	var c Config
	var errs []error
	c.Addr = v("addr")
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		errs = append(errs, fmt.Errorf("HEARTH_ADDR %q: want host:port such as :8080", c.Addr))
	}
	c.DataDir = v("data")
	if c.DataDir == "" {
		errs = append(errs, errors.New("HEARTH_DATA must not be empty"))
	}
	if raw := v("base-url"); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			errs = append(errs, fmt.Errorf("HEARTH_BASE_URL %q: want an http(s) origin such as https://hearth.example.org, without a path", raw))
		} else {
			c.BaseURL, c.BaseURLSet = &url.URL{Scheme: u.Scheme, Host: u.Host}, true
		}
	} else if err == nil {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.BaseURL = &url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}
	}
	c.Synchronous = strings.ToUpper(v("synchronous"))
	if c.Synchronous != "NORMAL" && c.Synchronous != "FULL" {
		errs = append(errs, fmt.Errorf("HEARTH_SYNCHRONOUS %q: want NORMAL or FULL", v("synchronous")))
	}
	if c.SessionTTL, err = time.ParseDuration(v("session-ttl")); err != nil || c.SessionTTL < time.Minute {
		errs = append(errs, fmt.Errorf("HEARTH_SESSION_TTL %q: want a duration of at least 1m, such as 720h", v("session-ttl")))
	}
	for _, part := range strings.Split(v("trusted-proxies"), ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			errs = append(errs, fmt.Errorf("HEARTH_TRUSTED_PROXIES %q: want CIDRs such as 10.0.0.0/8", part))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	if c.AuthPerMinute, err = strconv.Atoi(v("auth-rate")); err != nil || c.AuthPerMinute < 1 || c.AuthPerMinute > 10000 {
		errs = append(errs, fmt.Errorf("HEARTH_AUTH_RATE %q: want a whole number from 1 to 10000", v("auth-rate")))
	}
	if c.RegisterRate, err = strconv.Atoi(v("register-rate")); err != nil || c.RegisterRate < 1 || c.RegisterRate > 100000 {
		errs = append(errs, fmt.Errorf("HEARTH_REGISTER_RATE %q: want a whole number from 1 to 100000", v("register-rate")))
	}
	if c.MaxBodyBytes, err = strconv.ParseInt(v("max-body"), 10, 64); err != nil || c.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("HEARTH_MAX_BODY %q: want a number of bytes, at least 1024", v("max-body")))
	}
	if err := c.LogLevel.UnmarshalText([]byte(v("log-level"))); err != nil {
		errs = append(errs, fmt.Errorf("HEARTH_LOG_LEVEL %q: want debug, info, warn or error", v("log-level")))
	}
	switch v("log-format") {
	case "text":
	case "json":
		c.LogJSON = true
	default:
		errs = append(errs, fmt.Errorf("HEARTH_LOG_FORMAT %q: want text or json", v("log-format")))
	}
	if c.ChatSendRate, err = strconv.ParseFloat(v("chat-send-rate"), 64); err != nil || c.ChatSendRate <= 0 || c.ChatSendRate > 1000 {
		errs = append(errs, fmt.Errorf("HEARTH_CHAT_SEND_RATE %q: want messages per second, above 0 and at most 1000", v("chat-send-rate")))
	}
	if c.ChatSendBurst, err = strconv.Atoi(v("chat-send-burst")); err != nil || c.ChatSendBurst < 1 || c.ChatSendBurst > 10000 {
		errs = append(errs, fmt.Errorf("HEARTH_CHAT_SEND_BURST %q: want a whole number from 1 to 10000", v("chat-send-burst")))
	}
	if c.ChatSocketsIP, err = strconv.Atoi(v("chat-sockets-per-ip")); err != nil || c.ChatSocketsIP < 0 {
		errs = append(errs, fmt.Errorf("HEARTH_CHAT_SOCKETS_PER_IP %q: want a whole number, 0 for no cap", v("chat-sockets-per-ip")))
	}
	if c.CareWait, err = time.ParseDuration(v("care-concern-wait")); err != nil || c.CareWait < time.Minute {
		errs = append(errs, fmt.Errorf("HEARTH_CARE_CONCERN_WAIT %q: want a duration of at least 1m, such as 15m", v("care-concern-wait")))
	}
	if c.ModBreakAfter, err = strconv.Atoi(v("mod-break-after")); err != nil || c.ModBreakAfter < 1 {
		errs = append(errs, fmt.Errorf("HEARTH_MOD_BREAK_AFTER %q: want a whole number, at least 1", v("mod-break-after")))
	}
	if c.NATSURL = strings.TrimSpace(v("nats-url")); c.NATSURL != "" {
		for _, s := range strings.Split(c.NATSURL, ",") {
			if u, err := url.Parse(strings.TrimSpace(s)); err != nil || u.Host == "" || (u.Scheme != "nats" && u.Scheme != "tls") {
				// Not quoted: the URL may hold a password or token.
				errs = append(errs, errors.New("HEARTH_NATS_URL: want nats://host:port (or tls://), comma-separated"))
				break
			}
		}
	}
	if c.DatabaseURL = v("database-url"); c.DatabaseURL != "" {
		if err := checkDatabaseURL(c.DatabaseURL); err != nil {
			errs = append(errs, err)
		}
	}
	if c.DebugAddr = v("debug-addr"); c.DebugAddr != "" {
		if err := checkDebugAddr(c.DebugAddr); err != nil {
			errs = append(errs, err)
		}
	}
	social, err := parseSocial(v)
	if err != nil {
		errs = append(errs, err)
	}
	c.Social = social
	if len(errs) > 0 {
		return Config{}, nil, errs[0]
	}
	return c, fs.Args(), nil
}

// checkDatabaseURL accepts a postgres:// URL. Its error never repeats the value, which may
// hold a password.
func checkDatabaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return errors.New("HEARTH_DATABASE_URL: want a PostgreSQL URL such as postgres://hearth:PASSWORD@db.example.org:5432/hearth " +
			"(the value given is not repeated here: it may hold a password)")
	}
	return nil
}

// parseSocial turns the HEARTH_<PROVIDER>_* settings into login providers: a provider is on
// when its client id is set, and then needs its secret (and OpenID Connect its issuer).
func parseSocial(v func(string) string) ([]handlers.SocialProvider, error) {
	var out []handlers.SocialProvider
	for _, name := range []string{"github", "google", "gitlab", "discord", "oidc"} {
		env := "HEARTH_" + strings.ToUpper(name)
		id, secret := v(name+"-client-id"), v(name+"-client-secret")
		if id == "" && secret == "" && (name != "oidc" || v("oidc-issuer") == "") {
			continue
		}
		if id == "" || secret == "" {
			return nil, fmt.Errorf("%s_CLIENT_ID and %s_CLIENT_SECRET: set both to log in with %s, or neither", env, env, name)
		}
		p := handlers.SocialProvider{Name: name, ClientID: id, ClientSecret: secret}
		switch name {
		case "gitlab":
			p.Issuer = v("gitlab-url")
		case "oidc":
			p.Issuer, p.Label = v("oidc-issuer"), v("oidc-name")
			if p.Issuer == "" {
				return nil, errors.New("HEARTH_OIDC_ISSUER: set the issuer URL of your OpenID Connect provider, such as https://sso.example.org/realms/hearth")
			}
			if utf8.RuneCountInString(p.Label) > 40 {
				return nil, fmt.Errorf("HEARTH_OIDC_NAME %q: at most 40 characters", p.Label)
			}
		}
		if p.Issuer != "" {
			u, err := url.Parse(p.Issuer)
			loopback := err == nil && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1")
			if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopback)) {
				return nil, fmt.Errorf("%s %q: want an https URL such as https://sso.example.org", map[string]string{"gitlab": "HEARTH_GITLAB_URL", "oidc": "HEARTH_OIDC_ISSUER"}[name], p.Issuer)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func newLogger(c Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogJSON {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
