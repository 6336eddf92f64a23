// Command hearth runs the Hearth peer-support portal. `hearth -h` lists its commands and
// flags (usage in config.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hearth-community/hearth/handlers"
	"github.com/hearth-community/hearth/static"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // asked for help, and the usage is printed
		}
		fmt.Fprintln(os.Stderr, "hearth:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve", "migrate", "backup", "user", "healthcheck":
	case "help":
		printUsage(os.Stdout, nil)
		return nil
	default:
		return fmt.Errorf("unknown command %q (want serve, migrate, backup, user or healthcheck; hearth -h explains them)", cmd)
	}
	// Positional arguments come before flags: "backup PATH -data DIR".
	var pos []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, args = append(pos, args[0]), args[1:]
	}
	cfg, rest, err := parseConfig(cmd, args, os.Getenv, os.Stderr)
	if err != nil {
		return err
	}
	pos = append(pos, rest...)
	if cmd == "healthcheck" {
		return healthcheck(cfg)
	}
	log := newLogger(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	st, err := store.Open(ctx, store.Options{Path: cfg.DBPath(), DatabaseURL: cfg.DatabaseURL, Synchronous: cfg.Synchronous})
	if err != nil {
		return err
	}
	defer st.Close()

	switch cmd {
	case "migrate":
		if err := st.Migrate(ctx); err != nil {
			return err
		}
		fmt.Println("database is up to date:", cfg.DBPath())
		return nil
	case "backup":
		if len(pos) != 1 {
			return errors.New("usage: hearth backup PATH")
		}
		if err := st.Backup(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Println("backup written and checked:", pos[0])
		return nil
	case "user":
		return userCommand(ctx, st, cfg, pos, os.Stdout)
	}
	return serve(ctx, cfg, st, log)
}

// serve migrates, wires the handlers and runs the HTTP server until SIGINT/SIGTERM, then
// drains in-flight requests.
func serve(ctx context.Context, cfg Config, st *store.Store, log *slog.Logger) error {
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	assets, err := static.New()
	if err != nil {
		return err
	}
	v, err := views.New(assets.URL)
	if err != nil {
		return err
	}
	h, err := handlers.New(handlers.Deps{Config: cfg.Handlers(), Store: st, Views: v, Assets: assets, Logger: log})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           h.Router(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		// No BaseContext from the signal context: requests in flight at SIGTERM must keep
		// their context while Shutdown lets them finish.
	}
	// Shutdown waits for requests to finish; the notification streams never would.
	srv.RegisterOnShutdown(h.StopStreams)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	go sweepSessions(ctx, st, log)
	serveDebug(ctx, cfg.DebugAddr, log)
	log.Info("Hearth is running", "url", cfg.BaseURL.String(), "addr", ln.Addr().String(), "data", cfg.DBPath())
	fmt.Printf("Hearth is running at %s\n", cfg.BaseURL)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// Sockets are hijacked, so Shutdown leaves them to the hub: it closes them (clients
	// reconnect and resume) and writes every queued message before returning.
	if err := h.Close(); err != nil {
		return fmt.Errorf("shutdown chat: %w", err)
	}
	return nil
}

// sweepSessions deletes expired sessions, login flows and pending sign-ups every hour.
func sweepSessions(ctx context.Context, st *store.Store, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := st.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			log.Warn("sweep expired sessions", "err", err)
		} else if n > 0 {
			log.Info("expired sessions removed", "count", n)
		}
		// Unfinished social logins and sign-ups hold a provider's account id: not kept
		// past their expiry even when nobody logs in again.
		if _, err := st.DeleteExpiredLoginFlows(ctx); err != nil && ctx.Err() == nil {
			log.Warn("sweep expired login flows", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// userCommand handles "hearth user role NAME ROLE" and "hearth user password NAME".
func userCommand(ctx context.Context, st *store.Store, cfg Config, args []string, out io.Writer) error {
	const usage = "usage: hearth user role NAME admin|moderator|member, or hearth user password NAME"
	if len(args) < 2 {
		return errors.New(usage)
	}
	var role store.Role
	switch {
	case args[0] == "role" && len(args) == 3:
		var err error
		if role, err = store.ParseRole(args[2]); err != nil {
			return err
		}
	case args[0] == "password" && len(args) == 2:
	default:
		return errors.New(usage)
	}
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	u, err := st.UserByUsername(ctx, args[1])
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no account with username %q", args[1])
	} else if err != nil {
		return err
	}
	if args[0] == "password" {
		// The member forgot their password and Hearth sends no e-mail: the operator hands
		// the link over. It is printed, never logged.
		link, err := handlers.NewPasswordResetLink(ctx, st, cfg.BaseURL, u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "One-time link for %s to set a new password (works once, for %d minutes; earlier links stop working):\n%s\n",
			u.Username, int(handlers.ResetLinkTTL.Minutes()), link)
		if !cfg.BaseURLSet {
			fmt.Fprintln(out, "The link starts with the listen address; set HEARTH_BASE_URL (or -base-url) to the address members use.")
		}
		return nil
	}
	if err := st.SetRole(ctx, u.ID, role); err != nil {
		return fmt.Errorf("set role of %s: %w", args[1], err)
	}
	fmt.Fprintf(out, "%s is now %s\n", u.Username, role)
	return nil
}

// healthcheck asks the server on this machine for /healthz. Containers use it so the image
// needs no HTTP client of its own.
func healthcheck(cfg Config) error {
	_, port, _ := net.SplitHostPort(cfg.Addr)
	client := &http.Client{Timeout: 4 * time.Second}
	res, err := client.Get("http://" + net.JoinHostPort("127.0.0.1", port) + "/healthz")
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("health check: status %d", res.StatusCode)
	}
	return nil
}
