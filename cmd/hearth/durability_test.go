package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/store"
)

// A message the sender saw acknowledged survives kill -9 of the server: the ack is sent
// only after the group commit, and WAL with synchronous=NORMAL survives a process crash.
func TestAcknowledgedMessagesSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := hearthBinary(t)
	data := filepath.Join(dir, "data")
	dbPath := filepath.Join(data, "hearth.db")

	// A member with a session, already in the Welcome Circle.
	st, err := store.Open(ctx, store.Options{Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Username: "durable", DisplayName: "durable"})
	if err != nil {
		t.Fatal(err)
	}
	token := "durability-test-token-0123456789abcdef"
	sum := sha256.Sum256([]byte(token))
	if _, err := st.CreateSession(ctx, u.ID, sum[:], time.Hour, "test", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	g, err := st.GroupBySlug(ctx, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Join(ctx, g.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	st.Close()

	addr := freeAddr(t)
	base := "http://" + addr
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "HEARTH_ADDR="+addr, "HEARTH_DATA="+data, "HEARTH_BASE_URL="+base, "HEARTH_LOG_LEVEL=warn")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); !strings.Contains(line, "Hearth is running") {
		t.Fatalf("start-up line: %q", line)
	}

	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/groups/welcome/ws?after=0",
		http.Header{"Origin": {base}, "Cookie": {"hearth_session=" + token}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer ws.Close()
	const n = 50
	go func() {
		for i := range n {
			b, _ := json.Marshal(map[string]string{"body": fmt.Sprint("durable ", i), "client_id": fmt.Sprintf("durable-%04d", i)})
			if ws.WriteMessage(websocket.TextMessage, b) != nil {
				return
			}
		}
	}()
	// Count acknowledgements (each names the client id it acknowledges); refusals would
	// show as #chat-error text instead.
	acked := 0
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for acked < 5 { // the default per-member burst; later ones are refused as too fast
		_, frame, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("after %d acks: %v", acked, err)
		}
		acked += strings.Count(string(frame), `data-ack="durable-`)
	}
	// Kill without any chance to flush or shut down.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	killed = true

	st, err = store.Open(ctx, store.Options{Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	msgs, err := st.MessagesAfter(ctx, g.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) < acked {
		t.Fatalf("%d messages acknowledged, %d in the database after kill -9", acked, len(msgs))
	}
	for i, m := range msgs[:acked] {
		if m.Seq != int64(i+1) || m.ClientID != fmt.Sprintf("durable-%04d", i) || m.Body != fmt.Sprint("durable ", i) {
			t.Fatalf("row %d = seq %d client %q body %q", i, m.Seq, m.ClientID, m.Body)
		}
	}
	if err := store.CheckIntegrity(ctx, dbPath); err != nil {
		t.Fatal(err)
	}
}
