// Command hearth-load drives a running Hearth the way members do and measures it beside a
// baseline: gorilla/websocket's chat example, an in-memory hub with no persistence and no
// auth. It only ever targets loopback.
//
// Modes:
//
//	fanout    N members in G groups publish at a constant arrival rate (open loop);
//	          reports deliveries/s, publish→receive latency, lost and duplicated messages,
//	          server CPU per delivery and server memory per connection.
//	saturate  the same layout at a rising rate until two steps in a row have p99 > -sat-p99
//	          (or a loss); the result is the highest step that passed.
//	idle      opens -conns idle websockets and reports server memory per connection.
//	page      requests the group page (with -history messages) as a logged-in member.
//	          With -page-path it requests that path instead (e.g. /resources), as the same member.
//
// By default the tool builds and starts its own servers on free loopback ports with fresh
// data directories; -hearth-url/-hearth-pid/-hearth-data attach to a running Hearth instead.
//
// The cluster lane (-lane cluster, or -lane hearth,cluster beside one node on SQLite) starts
// -nodes Hearth processes on a fresh database of the PostgreSQL server at -database-url and
// a NATS server (or uses -nats-url), and spreads the connections round robin over the nodes;
// -hearth-url repeated with -hearth-pid and -database-url attaches to running nodes.
// Raise the file limit for big runs (`ulimit -n 65536`): every connection is a file
// descriptor in the tool and one in the server; the tool lifts its soft limit to the hard
// one and servers it starts inherit that.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config is every flag, parsed once.
type config struct {
	Mode     string
	Lanes    []string
	Runs     int
	Groups   int
	PerGroup int
	Conns    int // idle mode: total connections
	SrcIPs   int

	Rate     float64
	Duration time.Duration
	Warmup   time.Duration
	Drain    time.Duration

	SatStart    float64
	SatFactor   float64
	SatStep     time.Duration
	SatMaxSteps int
	SatP99      time.Duration

	Settle time.Duration

	PageConns    int
	PageDuration time.Duration
	History      int

	HearthBin  string
	HearthURLs []string
	HearthPIDs []int
	HearthData string
	// The cluster lane: Nodes Hearth processes on the PostgreSQL server of DatabaseURL (a
	// fresh database per run) and NATSURL's NATS server (or one the tool starts from NATSBin).
	// With -hearth-url, DatabaseURL is the running nodes' database.
	Nodes       int
	DatabaseURL string
	NATSURL     string
	NATSBin     string
	HearthSync  string
	HearthEnv   []string
	BaselineBin string
	Work        string
	JSON        bool
	Quiet       bool
	Profile     string
	ToolProfile string
	// PagePath: page mode fetches this path (as the same logged-in member) instead of the
	// group page, e.g. /resources; "" for the group page with its history.
	PagePath string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("hearth-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lanes := fs.String("lane", "both", "systems under test, comma-separated: hearth (one node on SQLite), baseline, cluster (-nodes on PostgreSQL and NATS); both is hearth,baseline")
	env := fs.String("hearth-env", "", "extra KEY=VALUE,... environment for a Hearth the tool starts")
	fs.StringVar(&c.Mode, "mode", "fanout", "fanout, saturate, idle or page")
	fs.IntVar(&c.Runs, "runs", 1, "repeat each lane this many times (fresh servers) and report medians")
	fs.IntVar(&c.Groups, "groups", 20, "groups (the baseline runs one chat process per group)")
	fs.IntVar(&c.PerGroup, "per-group", 50, "connections (members) per group")
	fs.IntVar(&c.Conns, "conns", 10000, "idle mode: total connections, spread over -groups")
	fs.IntVar(&c.SrcIPs, "src-ips", 1, "spread connections over 127.0.0.1..127.0.0.N source addresses (more than ~28k connections need 2+)")
	fs.Float64Var(&c.Rate, "rate", 2000, "fanout: messages published per second, all groups together")
	fs.DurationVar(&c.Duration, "duration", 20*time.Second, "fanout: publishing time, warm-up included")
	fs.DurationVar(&c.Warmup, "warmup", 3*time.Second, "fanout: first part of -duration left out of the figures")
	fs.DurationVar(&c.Drain, "drain", 10*time.Second, "longest wait for outstanding deliveries after publishing stops")
	// Steps of 15%: at 40% a lane's result jumped a whole step between runs.
	fs.Float64Var(&c.SatStart, "sat-start", 3000, "saturate: first rate, messages/s")
	fs.Float64Var(&c.SatFactor, "sat-factor", 1.15, "saturate: rate multiplier per step")
	fs.DurationVar(&c.SatStep, "sat-step", 6*time.Second, "saturate: time per rate step")
	fs.IntVar(&c.SatMaxSteps, "sat-max-steps", 12, "saturate: most steps")
	fs.DurationVar(&c.SatP99, "sat-p99", 250*time.Millisecond, "saturate: a step passes when its p99 is at most this")
	fs.DurationVar(&c.Settle, "settle", 3*time.Second, "wait after connecting before reading server memory")
	fs.IntVar(&c.PageConns, "page-conns", 16, "page: concurrent keep-alive connections")
	fs.DurationVar(&c.PageDuration, "page-duration", 10*time.Second, "page: test time")
	fs.IntVar(&c.History, "history", 50, "page: messages of history in the group")
	fs.StringVar(&c.PagePath, "page-path", "", "page: fetch this path as the logged-in member instead of the group page (e.g. /resources)")
	fs.StringVar(&c.HearthBin, "hearth-bin", "", "Hearth binary to start (default: go build ./cmd/hearth)")
	fs.Func("hearth-url", "attach to a running Hearth at this base URL instead of starting one; repeat for the nodes of a cluster (connections go round robin)", func(v string) error {
		c.HearthURLs = append(c.HearthURLs, v)
		return nil
	})
	fs.Func("hearth-pid", "with -hearth-url: the server's pid, for CPU and memory; repeat, one per -hearth-url", func(v string) error {
		pid, err := strconv.Atoi(v)
		c.HearthPIDs = append(c.HearthPIDs, pid)
		return err
	})
	fs.StringVar(&c.HearthData, "hearth-data", "", "with -hearth-url on SQLite: the server's HEARTH_DATA directory")
	fs.IntVar(&c.Nodes, "nodes", 2, "cluster lane: Hearth nodes to start")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "cluster lane: an administrator's postgres:// URL (the tool makes a fresh database per run and drops it); with -hearth-url: the running nodes' database")
	fs.StringVar(&c.NATSURL, "nats-url", "", "cluster lane: use this NATS server instead of starting one")
	fs.StringVar(&c.NATSBin, "nats-bin", "", "cluster lane: nats-server binary to start (default: go build "+natsPkg+")")
	fs.StringVar(&c.HearthSync, "hearth-sync", "", "HEARTH_SYNCHRONOUS for a Hearth the tool starts (NORMAL or FULL)")
	fs.StringVar(&c.BaselineBin, "baseline-bin", "", "gorilla chat example binary (default: go build "+baselinePkg+")")
	fs.StringVar(&c.Work, "work", "", "working directory for binaries, data and logs (default: a new temp dir, removed after)")
	fs.BoolVar(&c.JSON, "json", false, "print the results as JSON on stdout (the table goes to stderr)")
	fs.BoolVar(&c.Quiet, "q", false, "no progress lines")
	fs.StringVar(&c.ToolProfile, "tool-profile", "", "write the load tool's own CPU profile to this file")
	fs.StringVar(&c.Profile, "profile", "", "fanout/page with a Hearth the tool starts: write the server's CPU profile of the measured window to this file")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if *lanes == "both" {
		*lanes = "hearth,baseline"
	}
	for _, name := range strings.Split(*lanes, ",") {
		if name = strings.TrimSpace(name); name != "hearth" && name != "baseline" && name != "cluster" {
			return c, fmt.Errorf("-lane: want hearth, baseline, cluster or a comma-separated list of them, got %q", *lanes)
		}
		if !slices.Contains(c.Lanes, name) {
			c.Lanes = append(c.Lanes, name)
		}
	}
	if *env != "" {
		c.HearthEnv = strings.Split(*env, ",")
	}
	switch c.Mode {
	case "fanout", "saturate", "idle":
	case "page":
	default:
		return c, fmt.Errorf("-mode: want fanout, saturate, idle or page, got %q", c.Mode)
	}
	if c.PagePath != "" && (c.Mode != "page" || !strings.HasPrefix(c.PagePath, "/")) {
		return c, errors.New("-page-path needs -mode page and a path starting with /")
	}
	if c.Mode == "idle" {
		if c.Conns < c.Groups {
			return c, errors.New("-conns must be at least -groups")
		}
		c.PerGroup = c.Conns / c.Groups
	}
	if c.Groups < 1 || c.PerGroup < 1 || c.Runs < 1 || c.Rate <= 0 {
		return c, errors.New("-groups, -per-group, -runs and -rate must be positive")
	}
	if slices.Contains(c.Lanes, "cluster") && len(c.HearthURLs) == 0 && c.DatabaseURL == "" {
		return c, errors.New("-lane cluster needs -database-url, an administrator's postgres:// URL")
	}
	if slices.Contains(c.Lanes, "cluster") && c.Nodes < 1 {
		return c, errors.New("-nodes must be positive")
	}
	if len(c.HearthURLs) > 0 {
		for _, u := range c.HearthURLs {
			if err := checkLoopback(u); err != nil {
				return c, err
			}
		}
		if len(c.HearthPIDs) != len(c.HearthURLs) || (c.HearthData == "" && c.DatabaseURL == "") {
			return c, errors.New("-hearth-url needs one -hearth-pid per -hearth-url, and -hearth-data (SQLite) or -database-url (PostgreSQL)")
		}
		if slices.Contains(c.Lanes, "hearth") && slices.Contains(c.Lanes, "cluster") {
			return c, errors.New("-hearth-url attaches one Hearth lane: -lane hearth or -lane cluster, not both")
		}
		if c.Runs > 1 {
			return c, errors.New("-runs > 1 needs servers the tool starts itself")
		}
	}
	if c.Mode == "page" {
		c.Lanes = slices.DeleteFunc(c.Lanes, func(l string) bool { return l == "baseline" }) // the chat example has no page with history
		if len(c.Lanes) == 0 {
			c.Lanes = []string{"hearth"}
		}
	}
	return c, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "hearth-load:", err)
		}
		os.Exit(1)
	}
}

// report is the whole output: every run of every lane and the medians.
type report struct {
	Mode    string                        `json:"mode"`
	Config  config                        `json:"config"`
	Runs    map[string][]Result           `json:"runs"`
	Medians map[string]map[string]float64 `json:"medians"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if lim, err := raiseFileLimit(); err == nil && uint64(cfg.Groups*cfg.PerGroup)+256 > lim {
		fmt.Fprintf(stderr, "warning: file limit %d is low for %d connections; run `ulimit -n 65536` first\n", lim, cfg.Groups*cfg.PerGroup)
	}
	if cfg.Work == "" {
		dir, err := os.MkdirTemp("", "hearth-load-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.Work = dir
	}
	if cfg.ToolProfile != "" {
		f, err := os.Create(cfg.ToolProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	progress := stderr
	if cfg.Quiet {
		progress = io.Discard
	}
	rep := report{Mode: cfg.Mode, Config: cfg, Runs: map[string][]Result{}}
	for i := 0; i < cfg.Runs; i++ {
		for _, name := range cfg.Lanes {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			res, err := runLane(ctx, cfg, name, i, progress)
			if err != nil {
				return fmt.Errorf("%s run %d: %w", name, i+1, err)
			}
			rep.Runs[name] = append(rep.Runs[name], res)
		}
	}
	rep.Medians = medians(cfg.Mode, rep.Runs)
	table := stdout
	if cfg.JSON {
		table = stderr
	}
	printTable(table, cfg, rep)
	if cfg.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return nil
}

// Result is one lane's run.
type Result struct {
	Lane          string      `json:"lane"`
	Conns         int         `json:"conns"`
	Groups        int         `json:"groups"`
	SetupSeconds  float64     `json:"setup_s"`
	RSSBefore     int64       `json:"server_rss_before_bytes"`
	RSSAfter      int64       `json:"server_rss_after_bytes"`
	RSSPerConn    float64     `json:"server_rss_per_conn_bytes"`
	Fanout        *phase      `json:"fanout,omitempty"`
	Steps         []phase     `json:"steps,omitempty"`
	SatRate       float64     `json:"saturation_msgs_per_s,omitempty"`
	SatDeliveries float64     `json:"saturation_deliveries_per_s,omitempty"`
	Page          *pageResult `json:"page,omitempty"`
	Reconnects    int64       `json:"reconnects"`
	DialErrors    int64       `json:"dial_errors"`
	ForeignGroup  int64       `json:"foreign_group_messages"`
	LastConnError string      `json:"last_conn_error,omitempty"`
}

func newRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func makeLane(cfg config, name, work, run string) lane {
	if name == "baseline" {
		return &baselineLane{bin: cfg.BaselineBin, work: work, run: run, n: cfg.Groups}
	}
	return newHearthLane(cfg, name, work, run)
}

// runLane starts one lane's servers, connects, runs the mode and stops the servers.
func runLane(ctx context.Context, cfg config, name string, i int, progress io.Writer) (res Result, err error) {
	t0 := time.Now()
	work := filepath.Join(cfg.Work, fmt.Sprintf("%s-%d", name, i+1))
	if err := os.MkdirAll(work, 0o755); err != nil {
		return res, err
	}
	run := newRunID()
	l := makeLane(cfg, name, work, run)
	if err := l.Start(ctx); err != nil {
		return res, err
	}
	defer func() {
		if e := l.Stop(); e != nil && err == nil {
			err = e
		}
	}()
	groups, perGroup := cfg.Groups, cfg.PerGroup
	if cfg.Mode == "page" {
		// One group; its history comes from 50 members posting one message each, so no
		// member trips the per-member send rate limit.
		groups, perGroup = 1, cfg.History
	}
	eps, err := l.Provision(ctx, groups, perGroup)
	if err != nil {
		return res, fmt.Errorf("provision: %w", err)
	}
	res = Result{Lane: name, Conns: len(eps), Groups: groups}
	r := newRunner(l, run, groups, perGroup, cfg.SrcIPs, progress)
	pids := l.Pids()
	time.Sleep(300 * time.Millisecond)
	if res.RSSBefore, err = sumRSS(pids); err != nil {
		return res, fmt.Errorf("server memory before connecting: %w", err)
	}
	if err := r.connect(ctx, eps); err != nil {
		return res, err
	}
	defer r.close()
	res.SetupSeconds = time.Since(t0).Seconds()
	fmt.Fprintf(progress, "[%-8s] %d connections in %d groups up after %.1fs\n", name, len(eps), groups, res.SetupSeconds)
	time.Sleep(cfg.Settle)
	if res.RSSAfter, err = sumRSS(pids); err != nil {
		return res, fmt.Errorf("server memory after connecting (did a server exit?): %w", err)
	}
	res.RSSPerConn = float64(res.RSSAfter-res.RSSBefore) / float64(len(eps))

	switch cfg.Mode {
	case "fanout":
		prof := startProfile(ctx, l, cfg.Profile, cfg.Warmup, cfg.Duration-cfg.Warmup, progress)
		ph, _ := r.publish(ctx, cfg.Rate, cfg.Duration, cfg.Warmup, cfg.Drain, 0)
		res.Fanout = &ph
		prof()
	case "saturate":
		// The machine is shared, so one step can miss by a stray stall: the run goes on
		// until two steps in a row miss, and the result is the highest step that passed.
		var n int64
		rate, misses := cfg.SatStart, 0
		for step := 0; step < cfg.SatMaxSteps && misses < 2 && ctx.Err() == nil; step++ {
			var ph phase
			ph, n = r.publish(ctx, rate, cfg.SatStep, cfg.SatStep/4, 5*time.Second, n)
			res.Steps = append(res.Steps, ph)
			ok := ph.Latency.P99 <= float64(cfg.SatP99.Milliseconds()) && ph.Lost == 0 && ph.Unsent == 0 && ph.Drained
			fmt.Fprintf(progress, "[%-8s] step %d: %.0f msg/s in → %.0f deliveries/s, p99 %.1fms, lost %d, unsent %d: %s\n",
				name, step+1, rate, ph.DeliveriesPerSec, ph.Latency.P99, ph.Lost, ph.Unsent, map[bool]string{true: "ok", false: "saturated"}[ok])
			if ok {
				misses = 0
				res.SatRate, res.SatDeliveries = rate, ph.DeliveriesPerSec
			} else {
				misses++
			}
			rate *= cfg.SatFactor
		}
	case "idle":
		// Memory was read above, after -settle; idle mode measures nothing else.
	case "page":
		ph, _ := r.publish(ctx, 25, time.Duration(cfg.History)*40*time.Millisecond, 0, 10*time.Second, 0)
		if ph.Lost != 0 || !ph.Drained {
			return res, fmt.Errorf("seeding %d messages of history: lost %d, drained %v", cfg.History, ph.Lost, ph.Drained)
		}
		prof := startProfile(ctx, l, cfg.Profile, time.Second, cfg.PageDuration-2*time.Second, progress)
		ep, want := eps[0], cfg.History
		if cfg.PagePath != "" {
			u, err := url.Parse(ep.Page)
			if err != nil {
				return res, fmt.Errorf("page address: %w", err)
			}
			u.Path, u.RawQuery = cfg.PagePath, ""
			if i := strings.IndexByte(cfg.PagePath, '?'); i >= 0 {
				u.Path, u.RawQuery = cfg.PagePath[:i], cfg.PagePath[i+1:]
			}
			ep.Page, want = u.String(), 0 // another page: no group history to check
		}
		pr, err := pageLoad(ctx, ep, pids, cfg.PageConns, cfg.PageDuration, want)
		prof()
		if err != nil {
			return res, err
		}
		res.Page = &pr
	}
	res.Reconnects, res.DialErrors, res.ForeignGroup = r.reconnects.Load(), r.dialErrs.Load(), r.foreign.Load()
	if r.lastErr != nil {
		res.LastConnError = r.lastErr.Error()
	}
	return res, nil
}
