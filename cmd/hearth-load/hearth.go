package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for making the cluster's database

	"github.com/hearth-community/hearth/store"
)

// hearthLane drives Hearth. It starts `hearth serve` on a free loopback port with a fresh
// data directory (or attaches to a running one), then makes members, sessions, groups and
// memberships directly in the server's database (on SQLite, WAL lets a second process
// write beside the server), which takes seconds for 10,000 members where sign-up through
// the web would take minutes of password hashing.
//
// The cluster lane is the same with several nodes: a fresh PostgreSQL database made from
// -database-url (an administrator's URL), a NATS server (-nats-url, or one the tool starts)
// and -nodes `hearth serve` processes on both. Connection i goes to node i mod nodes, so
// every group has members on every node and each message crosses the broker.
type hearthLane struct {
	cfg     config
	name    string // "hearth" or "cluster"
	work    string
	run     string
	nodes   []*hearthNode
	data    string // SQLite: the data directory of the (one) node
	dbURL   string // PostgreSQL: the database the nodes share
	dropDB  func() error
	nats    *proc
	natsURL string
}

// hearthNode is one Hearth process.
type hearthNode struct {
	base *url.URL
	pid  int
	proc *proc
	dbg  string // pprof base URL when the tool started the server with -profile
}

const (
	hearthPkg = "github.com/hearth-community/hearth/cmd/hearth"
	natsPkg   = "github.com/nats-io/nats-server/v2"
)

func newHearthLane(cfg config, name, work, run string) lane {
	return &hearthLane{cfg: cfg, name: name, work: work, run: run}
}

func (l *hearthLane) Name() string { return l.name }

func (l *hearthLane) cluster() bool { return l.name == "cluster" }

func (l *hearthLane) Start(ctx context.Context) error {
	if len(l.cfg.HearthURLs) > 0 {
		for i, raw := range l.cfg.HearthURLs {
			u, err := url.Parse(raw)
			if err != nil {
				return err
			}
			l.nodes = append(l.nodes, &hearthNode{base: u, pid: l.cfg.HearthPIDs[i]})
		}
		l.data, l.dbURL = l.cfg.HearthData, l.cfg.DatabaseURL
		for _, n := range l.nodes {
			if err := l.waitHealthy(ctx, n, 10*time.Second); err != nil {
				return err
			}
		}
		return nil
	}
	bin := l.cfg.HearthBin
	if bin == "" {
		var err error
		if bin, err = goBuild(ctx, hearthPkg, l.work, "hearth"); err != nil {
			return err
		}
	}
	count := 1
	var shared []string
	if l.cluster() {
		count = l.cfg.Nodes
		if err := l.startShared(ctx); err != nil {
			return err
		}
		shared = []string{"HEARTH_DATABASE_URL=" + l.dbURL, "HEARTH_NATS_URL=" + l.natsURL}
	}
	for i := range count {
		port, err := freePort()
		if err != nil {
			return err
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		n := &hearthNode{base: &url.URL{Scheme: "http", Host: addr}}
		data := filepath.Join(l.work, fmt.Sprintf("data-%d", i))
		if !l.cluster() {
			data = filepath.Join(l.work, "data")
			l.data = data
		}
		env := []string{"HEARTH_ADDR=" + addr, "HEARTH_DATA=" + data, "HEARTH_BASE_URL=" + n.base.String()}
		// The benchmark layout has each member send 2 msg/s, over the default limit of 1/s;
		// the limiter still runs and costs what it costs. -hearth-env can set it back.
		// Every member of the load connects from 127.0.0.1: lift the per-IP socket cap.
		env = append(env, "HEARTH_CHAT_SEND_RATE=1000", "HEARTH_CHAT_SEND_BURST=1000", "HEARTH_CHAT_SOCKETS_PER_IP=0")
		env = append(env, shared...)
		if l.cfg.HearthSync != "" {
			env = append(env, "HEARTH_SYNCHRONOUS="+l.cfg.HearthSync)
		}
		if l.cfg.Profile != "" && i == 0 { // the first node's profile
			dport, err := freePort()
			if err != nil {
				return err
			}
			daddr := "127.0.0.1:" + strconv.Itoa(dport)
			env = append(env, "HEARTH_DEBUG_ADDR="+daddr)
			n.dbg = "http://" + daddr
		}
		env = append(env, l.cfg.HearthEnv...)
		p, err := startProc(bin, []string{"serve"}, env, l.work, filepath.Join(l.work, fmt.Sprintf("hearth-%d.log", i)))
		if err != nil {
			return err
		}
		n.proc, n.pid = p, p.cmd.Process.Pid
		l.nodes = append(l.nodes, n)
	}
	// The nodes start together (on PostgreSQL they migrate once, under a lock).
	for _, n := range l.nodes {
		if err := l.waitHealthy(ctx, n, 30*time.Second); err != nil {
			if e := n.proc.exited(); e != nil {
				return e
			}
			return err
		}
	}
	return nil
}

// startShared makes the cluster's fresh database and starts (or finds) its NATS server.
func (l *hearthLane) startShared(ctx context.Context) error {
	dbURL, drop, err := createDatabase(ctx, l.cfg.DatabaseURL, "load_"+l.run)
	if err != nil {
		return err
	}
	l.dbURL, l.dropDB = dbURL, drop
	if l.cfg.NATSURL != "" {
		l.natsURL = l.cfg.NATSURL
		return nil
	}
	bin := l.cfg.NATSBin
	if bin == "" {
		if bin, err = goBuild(ctx, natsPkg, l.work, "nats-server"); err != nil {
			return err
		}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if l.nats, err = startProc(bin, []string{"-a", "127.0.0.1", "-p", strconv.Itoa(port)}, nil, l.work, filepath.Join(l.work, "nats.log")); err != nil {
		return err
	}
	l.natsURL = "nats://" + addr
	return waitTCP(ctx, addr, 10*time.Second)
}

// createDatabase makes database name on the PostgreSQL server of adminURL and returns its
// URL and a func that drops it.
func createDatabase(ctx context.Context, adminURL, name string) (string, func() error, error) {
	u, err := url.Parse(adminURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("-database-url %q: want postgres://... (an administrator's URL)", adminURL)
	}
	if err := checkLoopback("http://" + u.Host); err != nil {
		return "", nil, err
	}
	db, err := sql.Open("pgx", adminURL)
	if err != nil {
		return "", nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	return u.String(), func() error {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		return nil
	}, nil
}

// waitHealthy polls /healthz, which answers once the server has migrated and listens.
func (l *hearthLane) waitHealthy(ctx context.Context, n *hearthNode, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	hc := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.base.String()+"/healthz", nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("hearth at %s not healthy after %s (%v)", n.base, limit, err)
		}
		if n.proc != nil {
			if e := n.proc.exited(); e != nil {
				return e
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (l *hearthLane) Provision(ctx context.Context, groups, perGroup int) ([]endpoint, error) {
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(l.data, "hearth.db"), DatabaseURL: l.dbURL})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	eps := make([]endpoint, 0, groups*perGroup)
	for g := 0; g < groups; g++ {
		slug := fmt.Sprintf("load-%s-%d", l.run, g)
		var groupID int64
		for i := 0; i < perGroup; i++ {
			name := fmt.Sprintf("load-%s-%d-%d", l.run, g, i)
			u, err := st.CreateUser(ctx, store.NewUser{Username: name, DisplayName: name})
			if err != nil {
				return nil, fmt.Errorf("create member %s: %w", name, err)
			}
			tok := make([]byte, 32)
			_, _ = rand.Read(tok)
			token := base64.RawURLEncoding.EncodeToString(tok)
			sum := sha256.Sum256([]byte(token))
			if _, err := st.CreateSession(ctx, u.ID, sum[:], 24*time.Hour, "hearth-load", "127.0.0.1"); err != nil {
				return nil, fmt.Errorf("create session: %w", err)
			}
			if i == 0 {
				grp, err := st.CreateGroup(ctx, store.GroupInput{Slug: slug, Name: "Load " + slug,
					Description: "hearth-load test group", Visibility: store.Public}, u.ID)
				if err != nil {
					return nil, fmt.Errorf("create group %s: %w", slug, err)
				}
				groupID = grp.ID
			} else if err := st.Join(ctx, groupID, u.ID); err != nil {
				return nil, fmt.Errorf("join %s: %w", slug, err)
			}
			cookie := "hearth_session=" + token
			node := len(eps) % len(l.nodes) // round robin over the nodes
			base := l.nodes[node].base
			ws := *base
			ws.Scheme = strings.Replace(ws.Scheme, "http", "ws", 1)
			eps = append(eps, endpoint{
				URL:    ws.String() + "/groups/" + slug + "/ws",
				Header: http.Header{"Origin": {base.String()}, "Cookie": {cookie}},
				Group:  g,
				Page:   base.String() + "/groups/" + slug,
				Cookie: cookie,
				Node:   node,
			})
		}
	}
	return eps, nil
}

// DebugURL is where the (first) server serves pprof, if it does.
func (l *hearthLane) DebugURL() string { return l.nodes[0].dbg }

// Pids are the Hearth nodes and the NATS server the tool started: the cluster's cost. The
// database server's is apart (DatabaseCPU).
func (l *hearthLane) Pids() []int {
	var pids []int
	for _, n := range l.nodes {
		pids = append(pids, n.pid)
	}
	if l.nats != nil {
		pids = append(pids, l.nats.cmd.Process.Pid)
	}
	return pids
}

// DatabaseCPU is the CPU time of every PostgreSQL process on the machine so far, or false
// on SQLite (whose work is inside the Hearth process).
func (l *hearthLane) DatabaseCPU() (float64, bool) {
	if l.dbURL == "" {
		return 0, false
	}
	return commandCPU("postgres"), true
}

// Encode builds the JSON frame the htmx ws extension sends for the chat form.
func (l *hearthLane) Encode(dst []byte, body, clientID string) []byte {
	b, _ := json.Marshal(struct {
		Body     string `json:"body"`
		ClientID string `json:"client_id"`
	}{body, clientID})
	return append(dst, b...)
}

// Parse finds each message element (data-seq="N") and the body text after it. Frames are
// HTML fragments; several messages may be coalesced in one frame.
func (l *hearthLane) Parse(frame []byte, fn func(seq, t, n int64)) {
	var seq int64
	prev := 0
	scanBodies(frame, l.run, func(off int, t, n int64) {
		// The message's data-seq is the last one between the previous body and this one.
		for {
			i := bytes.Index(frame[prev:off], dataSeq)
			if i < 0 {
				break
			}
			prev += i + len(dataSeq)
			seq, _, _ = digits(frame, prev)
		}
		prev = off
		fn(seq, t, n)
	})
}

var dataSeq = []byte(`data-seq="`)

func (l *hearthLane) Resumes() bool { return true }

// Stop ends the nodes, then NATS, then drops the cluster's database.
func (l *hearthLane) Stop() error {
	var errs []error
	for _, n := range l.nodes {
		if n.proc != nil {
			errs = append(errs, n.proc.stop())
		}
	}
	errs = append(errs, l.nats.stop())
	if l.dropDB != nil {
		errs = append(errs, l.dropDB())
	}
	return errors.Join(errs...)
}
