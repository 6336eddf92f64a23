package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

func TestParseConfigDefaults(t *testing.T) {
	c, rest, err := parseConfig("serve", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DBPath() != "data/hearth.db" || c.BaseURL.String() != "http://localhost:8080" || c.BaseURLSet {
		t.Fatalf("defaults: %+v", c)
	}
	if c.Handlers().SecureCookies() {
		t.Fatal("plain http must not set Secure cookies")
	}
	if c.Handlers().RegisterPerMinute != 30 {
		t.Fatalf("registration budget = %d, want 30", c.Handlers().RegisterPerMinute)
	}
	if len(rest) != 0 {
		t.Fatalf("rest = %v", rest)
	}
}

func TestParseConfigPrecedenceAndHTTPS(t *testing.T) {
	env := map[string]string{"HEARTH_ADDR": ":9000", "HEARTH_BASE_URL": "https://hearth.example.org", "HEARTH_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1/32"}
	c, _, err := parseConfig("serve", []string{"-addr", "127.0.0.1:7000"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" {
		t.Errorf("flag should win over env: %s", c.Addr)
	}
	if !c.Handlers().SecureCookies() || !c.BaseURLSet || len(c.TrustedProxies) != 2 {
		t.Errorf("https base URL: %+v", c)
	}
}

func TestParseConfigRejectsBadValues(t *testing.T) {
	cases := map[string]string{
		"HEARTH_ADDR":            "8080",
		"HEARTH_BASE_URL":        "ftp://x",
		"HEARTH_SYNCHRONOUS":     "OFF",
		"HEARTH_SESSION_TTL":     "soon",
		"HEARTH_TRUSTED_PROXIES": "everyone",
		"HEARTH_AUTH_RATE":       "0",
		"HEARTH_REGISTER_RATE":   "none",
		"HEARTH_MAX_BODY":        "12",
		"HEARTH_LOG_LEVEL":       "loud",
		"HEARTH_LOG_FORMAT":      "xml",
		"HEARTH_NATS_URL":        "localhost:4222",
		"HEARTH_DATABASE_URL":    "mysql://root:hunter2@db/hearth",
	}
	for key, val := range cases {
		t.Run(key, func(t *testing.T) {
			_, _, err := parseConfig("serve", nil, func(k string) string {
				if k == key {
					return val
				}
				return ""
			}, io.Discard)
			if err == nil || !strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("want a one-line error naming %s, got %v", key, err)
			}
		})
	}
}

// `hearth -h` lists every command, one line each, before the flags.
func TestHelpListsTheCommands(t *testing.T) {
	var out bytes.Buffer
	_, _, err := parseConfig("serve", []string{"-h"}, func(string) string { return "" }, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	lines := strings.Split(out.String(), "\n")
	for _, cmd := range []string{"hearth [serve]", "hearth migrate", "hearth backup PATH", "hearth user role NAME ROLE", "hearth healthcheck", "hearth migrate-to-postgres"} {
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), cmd+" ") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d lines for %q in:\n%s", n, cmd, out.String())
		}
	}
	if !strings.Contains(out.String(), "-data") || !strings.Contains(out.String(), "HEARTH_DATA") {
		t.Errorf("the flags are missing:\n%s", out.String())
	}
}

func TestParseConfigSocialProviders(t *testing.T) {
	parse := func(env map[string]string) (Config, error) {
		c, _, err := parseConfig("serve", nil, func(k string) string { return env[k] }, io.Discard)
		return c, err
	}
	c, err := parse(nil)
	if err != nil || len(c.Handlers().Social) != 0 {
		t.Fatalf("no provider by default: %+v, %v", c.Social, err)
	}
	c, err = parse(map[string]string{
		"HEARTH_GITHUB_CLIENT_ID": "gh-id", "HEARTH_GITHUB_CLIENT_SECRET": "gh-secret",
		"HEARTH_OIDC_ISSUER": "https://sso.example.org/realms/hearth", "HEARTH_OIDC_CLIENT_ID": "o-id",
		"HEARTH_OIDC_CLIENT_SECRET": "o-secret", "HEARTH_OIDC_NAME": "Riverside SSO",
	})
	if err != nil {
		t.Fatal(err)
	}
	var help bytes.Buffer
	if _, _, err := parseConfig("serve", []string{"-h"}, func(k string) string { return map[string]string{"HEARTH_GITHUB_CLIENT_SECRET": "gh-secret"}[k] }, &help); !errors.Is(err, flag.ErrHelp) || strings.Contains(help.String(), "gh-secret") {
		t.Fatalf("hearth -h shows a client secret from the environment (err %v)", err)
	}
	got := c.Handlers().Social
	if len(got) != 2 || got[0].Name != "github" || got[0].ClientSecret != "gh-secret" ||
		got[1].Name != "oidc" || got[1].Issuer != "https://sso.example.org/realms/hearth" || got[1].Label != "Riverside SSO" {
		t.Fatalf("providers: %+v", got)
	}
	for name, env := range map[string]map[string]string{
		"id without secret":    {"HEARTH_GOOGLE_CLIENT_ID": "x"},
		"secret without id":    {"HEARTH_DISCORD_CLIENT_SECRET": "x"},
		"oidc without issuer":  {"HEARTH_OIDC_CLIENT_ID": "x", "HEARTH_OIDC_CLIENT_SECRET": "y"},
		"issuer without id":    {"HEARTH_OIDC_ISSUER": "https://sso.example.org"},
		"plain http issuer":    {"HEARTH_OIDC_ISSUER": "http://sso.example.org", "HEARTH_OIDC_CLIENT_ID": "x", "HEARTH_OIDC_CLIENT_SECRET": "y"},
		"gitlab url not a url": {"HEARTH_GITLAB_CLIENT_ID": "x", "HEARTH_GITLAB_CLIENT_SECRET": "y", "HEARTH_GITLAB_URL": "gitlab"},
	} {
		if _, err := parse(env); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// HEARTH_DATABASE_URL switches the store to PostgreSQL; its password shows nowhere: not in
// hearth -h, not in a refusal, not where the database is named for logs.
func TestParseConfigDatabaseURL(t *testing.T) {
	const raw = "postgres://hearth:hunter2@db.example.org:5432/community?sslmode=require"
	env := func(k string) string { return map[string]string{"HEARTH_DATABASE_URL": raw}[k] }
	c, _, err := parseConfig("serve", nil, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o := c.StoreOptions(); o.DatabaseURL != raw || o.Path != "data/hearth.db" {
		t.Fatalf("store options: %+v", o)
	}
	if got := c.Database(); got != "PostgreSQL database community on db.example.org:5432" {
		t.Fatalf("Database() = %q", got)
	}
	var help bytes.Buffer
	if _, _, err := parseConfig("serve", []string{"-h"}, env, &help); !errors.Is(err, flag.ErrHelp) || strings.Contains(help.String(), "hunter2") ||
		!strings.Contains(help.String(), "HEARTH_DATABASE_URL") {
		t.Fatalf("hearth -h with the database URL in the environment (err %v):\n%s", err, help.String())
	}
	_, _, err = parseConfig("serve", []string{"-database-url", "postgres//hearth:hunter2@db"}, func(string) string { return "" }, io.Discard)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "HEARTH_DATABASE_URL") {
		t.Fatalf("a malformed URL: %v", err)
	}
	// Unset, the SQLite file, as before.
	c, _, err = parseConfig("serve", nil, func(string) string { return "" }, io.Discard)
	if err != nil || c.StoreOptions().DatabaseURL != "" || c.Database() != "data/hearth.db" {
		t.Fatalf("without a database URL: %+v %v", c.StoreOptions(), err)
	}
}

// pg_dump gets the password through its environment, never on its command line.
func TestSplitPassword(t *testing.T) {
	for raw, want := range map[string][2]string{
		"postgres://hearth:hunter2@db:5432/h?sslmode=disable":          {"postgres://hearth@db:5432/h?sslmode=disable", "hunter2"},
		"postgres://hearth@db/h?password=hunter2&sslmode=require":      {"postgres://hearth@db/h?sslmode=require", "hunter2"},
		"postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable": {"postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable", ""},
	} {
		conn, pw, err := splitPassword(raw)
		if err != nil || conn != want[0] || pw != want[1] {
			t.Errorf("splitPassword(%q) = %q, %q, %v; want %q, %q", raw, conn, pw, err, want[0], want[1])
		}
	}
}
