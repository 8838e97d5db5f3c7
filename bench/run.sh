#!/usr/bin/env bash
# Runs Piazza's benchmarks on this machine and prints the results in the format of
# docs/benchmarks.md. Needs only Go (and, for the PostgreSQL figures, a PostgreSQL URL
# in PIAZZA_BENCH_POSTGRES_URL).
#
#   bench/run.sh                # about two minutes
#   DURATION=30s bench/run.sh   # longer, steadier runs
set -euo pipefail
export GOTOOLCHAIN=local
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONC=${CONC:-16}
PORT=${PORT:-18080}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

echo "## $(date -u +%Y-%m-%d) on $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Go $(go env GOVERSION)"
echo
go build -o "$tmp/piazza" ./cmd/piazza
go build -o "$tmp/load" ./bench/load

echo "### HTTP (demo data, SQLite, $CONC concurrent clients, $DURATION each)"
echo '```'
"$tmp/piazza" serve --demo --data "$tmp/data" --addr "127.0.0.1:$PORT" --log-level error --job-workers 1 >/dev/null 2>"$tmp/serve.log" &
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
base="http://127.0.0.1:$PORT"
css=$(curl -fs -H 'Host: borgofiorito.localhost' "$base/" | grep -o '/static/[^"]*piazza.css' | head -1)
"$tmp/load" -label "baseline: static asset" -url "$base$css" -host borgofiorito.localhost -c "$CONC" -d "$DURATION"
"$tmp/load" -label "healthz (no tenant, no DB)" -url "$base/healthz" -c "$CONC" -d "$DURATION"
"$tmp/load" -label "tenant home page" -url "$base/" -host borgofiorito.localhost -c "$CONC" -d "$DURATION"
"$tmp/load" -label "offices page" -url "$base/amministrazione/uffici" -host marinadiponente.localhost -c "$CONC" -d "$DURATION"
"$tmp/load" -label "unknown host (404)" -status 404 -url "$base/" -host nessuno.example.it -c "$CONC" -d "$DURATION"
echo '```'
kill %1 2>/dev/null || true
wait 2>/dev/null || true
echo
echo "### Database writes (same run: raw INSERT is the baseline)"
echo '```'
go run ./bench/dbbench -n "${ROWS:-5000}"
if [ -n "${PIAZZA_BENCH_POSTGRES_URL:-}" ]; then
  go run ./bench/dbbench -n "${ROWS:-5000}" -pg "$PIAZZA_BENCH_POSTGRES_URL"
fi
echo '```'
