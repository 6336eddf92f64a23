package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-community/hearth/store"
)

// hearthLane drives Hearth. It starts `hearth serve` on a free loopback port with a fresh
// data directory (or attaches to a running one), then makes members, sessions, groups and
// memberships directly in the server's SQLite file (WAL lets a second process write
// beside the server), which takes seconds for 10,000 members where sign-up through the web
// would take minutes of password hashing.
type hearthLane struct {
	cfg  config
	work string
	run  string
	base *url.URL
	data string
	pid  int
	proc *proc
	dbg  string // pprof base URL when the tool started the server with -profile
}

const hearthPkg = "github.com/hearth-community/hearth/cmd/hearth"

func newHearthLane(cfg config, work, run string) lane {
	return &hearthLane{cfg: cfg, work: work, run: run}
}

func (l *hearthLane) Name() string { return "hearth" }

func (l *hearthLane) Start(ctx context.Context) error {
	if l.cfg.HearthURL != "" {
		u, err := url.Parse(l.cfg.HearthURL)
		if err != nil {
			return err
		}
		l.base, l.data, l.pid = u, l.cfg.HearthData, l.cfg.HearthPID
		return l.waitHealthy(ctx, 10*time.Second)
	}
	bin := l.cfg.HearthBin
	if bin == "" {
		var err error
		if bin, err = goBuild(ctx, hearthPkg, l.work, "hearth"); err != nil {
			return err
		}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	l.base = &url.URL{Scheme: "http", Host: addr}
	l.data = filepath.Join(l.work, "data")
	env := []string{"HEARTH_ADDR=" + addr, "HEARTH_DATA=" + l.data, "HEARTH_BASE_URL=" + l.base.String()}
	// The benchmark layout has each member send 2 msg/s, over the default limit of 1/s;
	// the limiter still runs and costs what it costs. -hearth-env can set it back.
	// Every member of the load connects from 127.0.0.1: lift the per-IP socket cap.
	env = append(env, "HEARTH_CHAT_SEND_RATE=1000", "HEARTH_CHAT_SEND_BURST=1000", "HEARTH_CHAT_SOCKETS_PER_IP=0")
	if l.cfg.HearthSync != "" {
		env = append(env, "HEARTH_SYNCHRONOUS="+l.cfg.HearthSync)
	}
	if l.cfg.Profile != "" {
		dport, err := freePort()
		if err != nil {
			return err
		}
		daddr := "127.0.0.1:" + strconv.Itoa(dport)
		env = append(env, "HEARTH_DEBUG_ADDR="+daddr)
		l.dbg = "http://" + daddr
	}
	env = append(env, l.cfg.HearthEnv...)
	p, err := startProc(bin, []string{"serve"}, env, l.work, filepath.Join(l.work, "hearth.log"))
	if err != nil {
		return err
	}
	l.proc, l.pid = p, p.cmd.Process.Pid
	if err := l.waitHealthy(ctx, 30*time.Second); err != nil {
		if e := p.exited(); e != nil {
			return e
		}
		return err
	}
	return nil
}

// waitHealthy polls /healthz, which answers once the server has migrated and listens.
func (l *hearthLane) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	hc := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, l.base.String()+"/healthz", nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("hearth at %s not healthy after %s (%v)", l.base, limit, err)
		}
		if l.proc != nil {
			if e := l.proc.exited(); e != nil {
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
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(l.data, "hearth.db")})
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
			ws := *l.base
			ws.Scheme = strings.Replace(ws.Scheme, "http", "ws", 1)
			eps = append(eps, endpoint{
				URL:    ws.String() + "/groups/" + slug + "/ws",
				Header: http.Header{"Origin": {l.base.String()}, "Cookie": {cookie}},
				Group:  g,
				Page:   l.base.String() + "/groups/" + slug,
				Cookie: cookie,
			})
		}
	}
	return eps, nil
}

// DebugURL is where the server serves pprof, if it does.
func (l *hearthLane) DebugURL() string { return l.dbg }

func (l *hearthLane) Pids() []int { return []int{l.pid} }

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

func (l *hearthLane) Stop() error { return l.proc.stop() }
