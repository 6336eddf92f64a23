package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for making the test's database

	"github.com/hearth-community/hearth/store"
)

// TestClusterKill9UnderLoad runs the real binaries: three `hearth serve` processes on one
// PostgreSQL database and one NATS server. Members on every node post to one group at
// once; one node is killed with SIGKILL mid-load. Its members reconnect to a survivor (with
// ?after=their last sequence) and send again every message they saw no acknowledgement
// for, with its client_id. In the end every acknowledged message is in the database
// exactly once, sequences are 1..N, and every member saw every message once, in order.
func TestClusterKill9UnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binaries")
	}
	admin := os.Getenv("HEARTH_TEST_DATABASE_URL")
	if admin == "" {
		if os.Getenv("HEARTH_REQUIRE_POSTGRES") == "1" {
			t.Fatal("HEARTH_REQUIRE_POSTGRES=1 but HEARTH_TEST_DATABASE_URL is not set")
		}
		t.Skip("HEARTH_TEST_DATABASE_URL is not set: no PostgreSQL server for the cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bin := hearthBinary(t)
	dir := t.TempDir()
	natsBin := filepath.Join(dir, "nats-server")
	if out, err := exec.Command("go", "build", "-o", natsBin, "github.com/nats-io/nats-server/v2").CombinedOutput(); err != nil {
		t.Fatalf("build nats-server: %v\n%s", err, out)
	}
	dbURL := e2eDatabase(t, admin)

	// Members with sessions in one group.
	const clients, perClient = 9, 120
	st, err := store.Open(ctx, store.Options{DatabaseURL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tokens := make([]string, clients)
	var groupID int64
	for i := range tokens {
		u, err := st.CreateUser(ctx, store.NewUser{Username: fmt.Sprint("e2e", i), DisplayName: fmt.Sprint("e2e", i)})
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = fmt.Sprintf("cluster-e2e-token-%02d-0123456789abcdef", i)
		sum := sha256.Sum256([]byte(tokens[i]))
		if _, err := st.CreateSession(ctx, u.ID, sum[:], time.Hour, "test", "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			g, err := st.CreateGroup(ctx, store.GroupInput{Slug: "e2e", Name: "E2E", Description: "cluster test", Visibility: store.Public}, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			groupID = g.ID
		} else if err := st.Join(ctx, groupID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	natsAddr := freeAddr(t)
	e2eStart(t, natsBin, filepath.Join(dir, "nats.log"), nil, "-a", "127.0.0.1", "-p", natsAddr[strings.LastIndexByte(natsAddr, ':')+1:])
	nodes := make([]*e2eNode, 3)
	for i := range nodes {
		addr := freeAddr(t)
		n := &e2eNode{base: "http://" + addr}
		n.cmd = e2eStart(t, bin, filepath.Join(dir, fmt.Sprintf("hearth-%d.log", i)), []string{
			"HEARTH_ADDR=" + addr, "HEARTH_DATA=" + filepath.Join(dir, fmt.Sprint("data-", i)), "HEARTH_BASE_URL=" + n.base,
			"HEARTH_DATABASE_URL=" + dbURL, "HEARTH_NATS_URL=nats://" + natsAddr, "HEARTH_LOG_LEVEL=warn",
			"HEARTH_CHAT_SEND_RATE=1000", "HEARTH_CHAT_SEND_BURST=1000", "HEARTH_CHAT_SOCKETS_PER_IP=0",
		}, "serve")
		nodes[i] = n
	}
	for _, n := range nodes {
		e2eHealthy(t, ctx, n.base)
	}

	// Clients 0, 3, 6 on node 0; 1, 4, 7 on node 1; 2, 5, 8 on node 2, the one killed.
	const total = clients * perClient
	var acked atomic.Int64
	cs := make([]*e2eClient, clients)
	for i := range cs {
		cs[i] = &e2eClient{id: i, node: i % len(nodes), token: tokens[i], acked: map[string]bool{}, seen: map[string]int{}}
	}
	killedAt := make(chan int64, 1)
	go func() { // kill -9 node 2 once 40% of the messages are acknowledged
		for ctx.Err() == nil {
			if a := acked.Load(); a >= total*4/10 {
				_ = nodes[2].cmd.Process.Kill()
				killedAt <- a
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.run(ctx, nodes, perClient, total, &acked)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	var at int64
	select {
	case at = <-killedAt:
	default:
		t.Fatal("node 2 was never killed")
	}
	if at >= total {
		t.Fatalf("node 2 was killed after all %d messages were acknowledged, not under load", total)
	}
	if t.Failed() {
		return
	}
	for _, c := range cs {
		if c.id%len(nodes) == 2 && c.reconnects == 0 {
			t.Errorf("client %d of the killed node never reconnected", c.id)
		}
	}

	// The database: every message once, sequences 1..N.
	st, err = store.Open(ctx, store.Options{DatabaseURL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	msgs, err := st.MessagesAfter(ctx, groupID, 0, 2*total)
	if err != nil {
		t.Fatal(err)
	}
	inDB := map[string]int{}
	for i, m := range msgs {
		if m.Seq != int64(i+1) {
			t.Fatalf("row %d has seq %d: sequences are not 1..N", i, m.Seq)
		}
		inDB[m.ClientID]++
	}
	for _, c := range cs {
		for i := range perClient {
			if id := e2eClientID(c.id, i); inDB[id] != 1 {
				t.Errorf("message %s (acknowledged) is in the database %d times", id, inDB[id])
			}
		}
	}
	if len(msgs) != total {
		t.Errorf("%d messages in the database, want %d", len(msgs), total)
	}
	// Every client: sequences 1..N in order, each message once.
	for _, c := range cs {
		for i, seq := range c.seqs {
			if seq != int64(i+1) {
				t.Errorf("client %d: message %d of its stream has seq %d (stream not 1..N in order)", c.id, i, seq)
				break
			}
		}
		if len(c.seqs) != total || len(c.seen) != total {
			t.Errorf("client %d saw %d messages (%d distinct), want %d", c.id, len(c.seqs), len(c.seen), total)
		}
	}
	t.Logf("node 2 killed at %d of %d acknowledged; reconnects per client: %v", at, total, func() []int {
		var r []int
		for _, c := range cs {
			r = append(r, c.reconnects)
		}
		return r
	}())
}

type e2eNode struct {
	base string
	cmd  *exec.Cmd
}

// e2eClient is one member's socket: it sends its messages at a steady pace, keeps those
// not yet acknowledged, and on a lost connection dials the next node that answers, resumes
// after the last sequence it saw and sends the unacknowledged ones again, in order.
type e2eClient struct {
	id, node   int
	token      string
	reconnects int

	mu      sync.Mutex
	acked   map[string]bool
	pending []string // sent, not yet acknowledged, in order
	seqs    []int64  // every message received, in arrival order
	seen    map[string]int
	refused string
}

func e2eClientID(client, i int) string { return fmt.Sprintf("e2e-%02d-%04d", client, i) }

var (
	e2eMessage = regexp.MustCompile(`(?s)data-seq="(\d+)".*?e2e:(e2e-\d+-\d+)\.`)
	e2eAck     = regexp.MustCompile(`data-ack="([^"]+)"`)
	e2eRefused = regexp.MustCompile(`data-refused="([^"]*)"[^>]*>([^<]*)`)
)

func (c *e2eClient) run(ctx context.Context, nodes []*e2eNode, n, total int, acked *atomic.Int64) error {
	next := 0
	for first := true; ; first = false {
		if ctx.Err() != nil {
			c.mu.Lock()
			defer c.mu.Unlock()
			return fmt.Errorf("client %d: out of time with %d of %d sent, %d unacknowledged, %d of %d received (refused: %q)",
				c.id, next, n, len(c.pending), len(c.seqs), total, c.refused)
		}
		if !first {
			c.reconnects++
		}
		ws, err := c.dial(ctx, nodes)
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		done := make(chan struct{})
		go func() { defer close(done); c.read(ws, acked) }()
		lost := func() bool {
			select {
			case <-done:
				return true
			default:
				return false
			}
		}
		c.mu.Lock()
		resend := append([]string(nil), c.pending...)
		c.mu.Unlock()
		ok := true
		for _, id := range resend {
			if ok = c.send(ws, id) == nil; !ok {
				break
			}
		}
		tick := time.NewTicker(15 * time.Millisecond)
		for ok && next < n && !lost() {
			<-tick.C
			id := e2eClientID(c.id, next)
			c.mu.Lock()
			c.pending = append(c.pending, id)
			c.mu.Unlock()
			next++
			ok = c.send(ws, id) == nil
		}
		tick.Stop()
		// Sent everything: wait for the acknowledgements and the whole stream.
		for ok && !lost() && ctx.Err() == nil {
			c.mu.Lock()
			complete := len(c.pending) == 0 && len(c.seqs) >= total
			c.mu.Unlock()
			if complete && next == n {
				ws.Close()
				<-done
				return nil
			}
			time.Sleep(20 * time.Millisecond)
		}
		ws.Close()
		<-done
	}
}

// dial connects to the client's node, or to the next one when it does not answer.
func (c *e2eClient) dial(ctx context.Context, nodes []*e2eNode) (*websocket.Conn, error) {
	c.mu.Lock()
	after := int64(len(c.seqs)) // the stream is 1..N in order, checked at the end
	c.mu.Unlock()
	base := nodes[c.node].base
	u := strings.Replace(base, "http", "ws", 1) + "/groups/e2e/ws?after=" + strconv.FormatInt(after, 10)
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ws, _, err := websocket.DefaultDialer.DialContext(dctx, u, http.Header{"Origin": {base}, "Cookie": {"hearth_session=" + c.token}})
	if err != nil {
		c.node = (c.node + 1) % len(nodes)
		return nil, err
	}
	return ws, nil
}

func (c *e2eClient) send(ws *websocket.Conn, id string) error {
	b, _ := json.Marshal(map[string]string{"body": "e2e:" + id + ".", "client_id": id})
	_ = ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return ws.WriteMessage(websocket.TextMessage, b)
}

func (c *e2eClient) read(ws *websocket.Conn, acked *atomic.Int64) {
	for {
		_, frame, err := ws.ReadMessage()
		if err != nil {
			return
		}
		c.mu.Lock()
		for _, m := range e2eMessage.FindAllSubmatch(frame, -1) {
			seq, _ := strconv.ParseInt(string(m[1]), 10, 64)
			c.seqs = append(c.seqs, seq)
			c.seen[string(m[2])]++
		}
		for _, m := range e2eAck.FindAllSubmatch(frame, -1) {
			id := string(m[1])
			if !c.acked[id] {
				c.acked[id] = true
				acked.Add(1)
			}
			for i, p := range c.pending {
				if p == id {
					c.pending = append(c.pending[:i], c.pending[i+1:]...)
					break
				}
			}
		}
		if m := e2eRefused.FindSubmatch(frame); m != nil {
			c.refused = string(m[1]) + ": " + string(m[2])
		}
		c.mu.Unlock()
	}
}

// e2eDatabase makes a fresh database on the server of admin and drops it after the test.
func e2eDatabase(t *testing.T, admin string) string {
	t.Helper()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "hearth_e2e_" + hex.EncodeToString(b[:])
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		db.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// e2eStart starts a process with its output in logPath; the test kills it at the end.
func e2eStart(t *testing.T, bin, logPath string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		f.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil && len(b) > 0 {
				if len(b) > 3000 {
					b = b[len(b)-3000:]
				}
				t.Logf("%s:\n%s", filepath.Base(logPath), b)
			}
		}
	})
	return cmd
}

// e2eHealthy waits for a node's /healthz.
func e2eHealthy(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s not healthy: %v", base, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
