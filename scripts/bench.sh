#!/usr/bin/env bash
# Runs the load measurements BENCHMARKS.md reports: each mode three times per lane, fresh
# servers every run, medians printed beside the baseline. Loopback only; about 15 minutes
# on 2 cores. Results (tables and JSON) go to ${OUT:-bench-results}.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench-results}
RUNS=${RUNS:-3}
mkdir -p "$OUT/bin"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
go build -o "$OUT/bin/hearth" ./cmd/hearth
go build -o "$OUT/bin/hearth-load" ./cmd/hearth-load
go build -o "$OUT/bin/gorilla-chat" github.com/gorilla/websocket/examples/chat
L=("$OUT/bin/hearth-load" -hearth-bin "$OUT/bin/hearth" -baseline-bin "$OUT/bin/gorilla-chat" -runs "$RUNS" -q -json)

run() { # name, args...
	local name=$1; shift
	echo "== $name"
	"${L[@]}" "$@" >"$OUT/$name.json" 2>"$OUT/$name.txt"
	cat "$OUT/$name.txt"
}
run fanout -mode fanout
run fanout-full -mode fanout -lane hearth -hearth-sync FULL
run saturate -mode saturate
run idle -mode idle -conns 10000 -settle 5s
run page -mode page
