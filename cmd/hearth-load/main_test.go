package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs the tool end to end for a few seconds with small numbers against real
// servers it builds and starts on loopback, so the tool cannot rot: every message must
// arrive exactly once.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts servers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	args := []string{"-lane", smokeLanes, "-groups", "2", "-per-group", "5", "-rate", "100",
		"-duration", "2s", "-warmup", "500ms", "-settle", "200ms", "-drain", "5s", "-json", "-work", t.TempDir()}
	if err := run(ctx, args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("decode -json output: %v\n%s", err, out.String())
	}
	for _, lane := range rep.Config.Lanes {
		rs := rep.Runs[lane]
		if len(rs) != 1 || rs[0].Fanout == nil {
			t.Fatalf("%s: want one fan-out result, got %+v", lane, rs)
		}
		ph := rs[0].Fanout
		if ph.Sent != 200 {
			t.Errorf("%s: sent %d messages, want 200 (100/s for 2s)", lane, ph.Sent)
		}
		if ph.Lost != 0 || ph.Dups != 0 || ph.Unsent != 0 || !ph.Drained {
			t.Errorf("%s: lost %d, duplicated %d, unsent %d, drained %v; want 0, 0, 0, true", lane, ph.Lost, ph.Dups, ph.Unsent, ph.Drained)
		}
		if ph.DeliveriesPerSec <= 0 || ph.Latency.Count == 0 {
			t.Errorf("%s: %.0f deliveries/s and %d latency samples; want some", lane, ph.DeliveriesPerSec, ph.Latency.Count)
		}
		if ph.CPUSeconds < 0 || rs[0].RSSAfter <= 0 {
			t.Errorf("%s: server CPU %.2fs, RSS %d: /proc readings missing", lane, ph.CPUSeconds, rs[0].RSSAfter)
		}
	}
	t.Logf("table:\n%s", errOut.String())
}

// TestSmokeCluster is TestSmoke for the cluster lane: two nodes on a fresh PostgreSQL
// database of HEARTH_TEST_DATABASE_URL's server and a NATS server the tool starts, the
// connections spread over both, beside one node on SQLite. Every message arrives exactly
// once on both lanes.
func TestSmokeCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts servers")
	}
	admin := os.Getenv("HEARTH_TEST_DATABASE_URL")
	if admin == "" {
		if os.Getenv("HEARTH_REQUIRE_POSTGRES") == "1" {
			t.Fatal("HEARTH_REQUIRE_POSTGRES=1 but HEARTH_TEST_DATABASE_URL is not set")
		}
		t.Skip("HEARTH_TEST_DATABASE_URL is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	args := []string{"-lane", "hearth,cluster", "-database-url", admin, "-nodes", "2", "-groups", "2", "-per-group", "6", "-rate", "100",
		"-duration", "2s", "-warmup", "500ms", "-settle", "200ms", "-drain", "5s", "-json", "-work", t.TempDir()}
	if err := run(ctx, args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("decode -json output: %v\n%s", err, out.String())
	}
	for _, lane := range []string{"hearth", "cluster"} {
		rs := rep.Runs[lane]
		if len(rs) != 1 || rs[0].Fanout == nil {
			t.Fatalf("%s: want one fan-out result, got %+v", lane, rs)
		}
		ph := rs[0].Fanout
		if ph.Sent != 200 || ph.Lost != 0 || ph.Dups != 0 || ph.Unsent != 0 || !ph.Drained || rs[0].ForeignGroup != 0 {
			t.Errorf("%s: sent %d, lost %d, duplicated %d, unsent %d, drained %v, foreign %d; want 200, 0, 0, 0, true, 0",
				lane, ph.Sent, ph.Lost, ph.Dups, ph.Unsent, ph.Drained, rs[0].ForeignGroup)
		}
		if lane == "cluster" && !ph.DBMeasured {
			t.Errorf("cluster: PostgreSQL's CPU not measured")
		}
		if lane == "cluster" && (ph.LatencySameNode == nil || ph.LatencyOtherNode == nil ||
			ph.LatencySameNode.Count == 0 || ph.LatencyOtherNode.Count == 0 ||
			ph.LatencySameNode.Count+ph.LatencyOtherNode.Count != ph.Latency.Count) {
			t.Errorf("cluster: latency not split by node: same %+v, other %+v, all %d", ph.LatencySameNode, ph.LatencyOtherNode, ph.Latency.Count)
		}
		if lane == "hearth" && ph.LatencySameNode != nil {
			t.Errorf("hearth: one node, yet a split latency")
		}
	}
	if !strings.Contains(errOut.String(), "cluster/hearth") {
		t.Errorf("table without the cluster/hearth column:\n%s", errOut.String())
	}
}

// smokeLanes are the lanes the smoke test drives.
const smokeLanes = "both"

func TestScanBodies(t *testing.T) {
	run := "abcd1234"
	frame := []byte("t=10 n=3 ~abcd1234\nt=11 n=x ~abcd1234\nt=12 n=4 ~other\nxt=13 n=5 ~abcd1234")
	var got [][2]int64
	scanBodies(frame, run, func(_ int, t, n int64) { got = append(got, [2]int64{t, n}) })
	want := [][2]int64{{10, 3}, {13, 5}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("scanBodies = %v, want %v", got, want)
	}
}

func TestHearthParse(t *testing.T) {
	l := &hearthLane{run: "abcd1234"}
	frame := []byte(`<div hx-swap-oob="beforeend:#messages"><article id="msg-7" class="msg" data-seq="41" data-author="3">
<header class="msg-meta"><span class="msg-author">x</span></header>
<div class="msg-body">t=100 n=6 ~abcd1234</div></article></div>
<input type="hidden" id="chat-client-id" name="client_id" value="zz" hx-swap-oob="true">
<div hx-swap-oob="beforeend:#messages"><article id="msg-9" class="msg" data-seq="42" data-author="3">
<div class="msg-body">t=200 n=8 ~abcd1234</div></article></div>`)
	var got [][3]int64
	l.Parse(frame, func(seq, t, n int64) { got = append(got, [3]int64{seq, t, n}) })
	want := [][3]int64{{41, 100, 6}, {42, 200, 8}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("Parse = %v, want %v", got, want)
	}
}

func TestPagePathFlag(t *testing.T) {
	var errOut bytes.Buffer
	c, err := parseFlags([]string{"-mode", "page", "-page-path", "/resources"}, &errOut)
	if err != nil || c.PagePath != "/resources" {
		t.Fatalf("-page-path /resources: %+v, %v", c.PagePath, err)
	}
	for _, args := range [][]string{{"-mode", "page", "-page-path", "resources"}, {"-mode", "fanout", "-page-path", "/resources"}} {
		if _, err := parseFlags(args, &errOut); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestClusterFlags(t *testing.T) {
	var errOut bytes.Buffer
	c, err := parseFlags([]string{"-lane", "cluster,hearth", "-database-url", "postgres://127.0.0.1/x", "-nodes", "3"}, &errOut)
	if err != nil || len(c.Lanes) != 2 || c.Lanes[0] != "cluster" || c.Nodes != 3 {
		t.Fatalf("cluster flags: %+v, %v", c, err)
	}
	c, err = parseFlags([]string{"-lane", "cluster", "-hearth-url", "http://127.0.0.1:1", "-hearth-url", "http://127.0.0.1:2",
		"-hearth-pid", "10", "-hearth-pid", "11", "-database-url", "postgres://127.0.0.1/x"}, &errOut)
	if err != nil || len(c.HearthURLs) != 2 || c.HearthPIDs[1] != 11 {
		t.Fatalf("attach to two nodes: %+v, %v", c, err)
	}
	for _, args := range [][]string{
		{"-lane", "cluster"}, // no database
		{"-lane", "cluster", "-hearth-url", "http://127.0.0.1:1", "-hearth-pid", "1"},                                                          // attached, no database
		{"-lane", "hearth", "-hearth-url", "http://127.0.0.1:1", "-hearth-url", "http://127.0.0.1:2", "-hearth-pid", "1", "-hearth-data", "d"}, // a pid short
		{"-lane", "cluster", "-hearth-url", "http://10.0.0.1:1", "-hearth-pid", "1", "-database-url", "postgres://x"},                          // not loopback
		{"-lane", "nodes"},
	} {
		if _, err := parseFlags(args, &errOut); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
