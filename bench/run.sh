#!/usr/bin/env bash
# Runs Piazza's benchmarks on this machine and prints the results in the format of
# docs/benchmarks.md. Needs only Go; the PostgreSQL figures need a PostgreSQL URL in
# PIAZZA_BENCH_POSTGRES_URL (a fresh schema is created and dropped for each run).
#
#   bench/run.sh                 # everything (about 15 minutes; search indexes 1,000,000 documents)
#   bench/run.sh site            # public pages under load against a static file (SQLite, PostgreSQL)
#   bench/run.sh clickday        # click day: submissions with kill -9 halfway (SQLite NORMAL and FULL, PostgreSQL)
#   bench/run.sh protocol        # protocol registrations of one tenant
#   bench/run.sh search          # search over DOCS documents of 171 comuni
#   bench/run.sh db              # audited writes against raw INSERTs
#   bench/run.sh booking         # 2,000 citizens book one morning at once; no slot over capacity
#   bench/run.sh reports         # the reports map's viewport and Open311 GET requests over REPORTS reports
#
# Knobs: DURATION (per measured page, default 10s), CONC (connections, default 64),
# CITIZENS (click day, default 3000), DOCS (search, default 1000000).
set -euo pipefail
export GOTOOLCHAIN=local
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONC=${CONC:-64}
PORT=${PORT:-18080}
CITIZENS=${CITIZENS:-3000}
DOCS=${DOCS:-1000000}
PG=${PIAZZA_BENCH_POSTGRES_URL:-}
sections=${*:-site clickday protocol search db booking reports}
tmp=$(mktemp -d)
server_pid=""
schemas=()
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  for s in "${schemas[@]}"; do psql "$PG" -qc "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "## $(date -u +%Y-%m-%d) on $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Go $(go env GOVERSION)"
echo
go build -o "$tmp/piazza" ./cmd/piazza
go build -o "$tmp/load" ./bench/load
go build -o "$tmp/staticserver" ./bench/static

# pg_schema_url NAME: creates a schema and prints a URL whose connections use it.
pg_schema_url() {
  local s="bench_$1_$$"
  psql "$PG" -qc "CREATE SCHEMA $s" >/dev/null
  schemas+=("$s")
  case "$PG" in *\?*) echo "$PG&search_path=$s" ;; *) echo "$PG?search_path=$s" ;; esac
}

# serve_demo [DATABASE_URL]: starts the demo on a fresh store and waits for it.
serve_demo() {
  rm -rf "$tmp/data"
  PIAZZA_DATABASE_URL="${1:-}" "$tmp/piazza" serve --demo --data "$tmp/data" --addr "127.0.0.1:$PORT" --log-level error --job-workers 1 >/dev/null 2>"$tmp/serve.log" &
  server_pid=$!
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return; sleep 0.2; done
  cat "$tmp/serve.log"; exit 1
}
stop_server() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

site() {
  local label=$1 base="http://127.0.0.1:$PORT" h=borgofiorito.localhost
  local news
  news=$(curl -fs -H "Host: $h" "$base/novita/notizie" | grep -o 'href="/novita/notizie/[^"]*"' | head -1 | cut -d'"' -f2 || true)
  echo "### Public pages, $label ($CONC connections, $DURATION each, gzip)"
  echo
  echo "Each page is measured next to its own bytes served as a static file (bench/static, precompressed like nginx's gzip_static)."
  echo '```'
  mkdir -p "$tmp/static"
  local i=0
  for page in "/" ${news:+"$news"} "/servizi/educazione-e-formazione/mensa-scolastica"; do
    i=$((i + 1))
    curl -fs -H "Host: $h" "$base$page" -o "$tmp/static/p$i"
    gzip -kf "$tmp/static/p$i"
  done
  "$tmp/staticserver" -dir "$tmp/static" -addr "127.0.0.1:$((PORT + 1))" &
  local static_pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$((PORT + 1))/p1" >/dev/null 2>&1 && break; sleep 0.2; done
  i=0
  for page in "/" ${news:+"$news"} "/servizi/educazione-e-formazione/mensa-scolastica"; do
    i=$((i + 1))
    "$tmp/load" -label "static file with the bytes of $page" -url "http://127.0.0.1:$((PORT + 1))/p$i" -c "$CONC" -d "$DURATION"
    "$tmp/load" -label "$page" -url "$base$page" -host $h -c "$CONC" -d "$DURATION"
  done
  kill $static_pid 2>/dev/null || true
  wait $static_pid 2>/dev/null || true
  "$tmp/load" -label "search (\"mensa scolastica\")" -url "$base/cerca?q=mensa+scolastica" -host $h -c "$CONC" -d "$DURATION"
  echo '```'
  echo
}

for section in $sections; do
  case $section in
  site)
    serve_demo
    site "SQLite"
    stop_server
    if [ -n "$PG" ]; then
      serve_demo "$(pg_schema_url site)"
      site "PostgreSQL"
      stop_server
    fi
    ;;
  clickday)
    echo "### Click day: one comune, $CITIZENS citizens submit at once, $CONC at a time, kill -9 halfway"
    echo '```'
    go run ./bench/clickday -bin "$tmp/piazza" -n "$CITIZENS" -c "$CONC" -sync normal
    go run ./bench/clickday -bin "$tmp/piazza" -n "$CITIZENS" -c "$CONC" -sync full
    [ -n "$PG" ] && go run ./bench/clickday -bin "$tmp/piazza" -n "$CITIZENS" -c "$CONC" -pg "$PG"
    echo '```'
    echo
    ;;
  protocol)
    bench/protocol/run.sh
    echo
    ;;
  search)
    echo "### Search: $DOCS documents over 171 comuni"
    echo '```'
    go run ./bench/search -docs "$DOCS" -tenants 171 -c 8 -d 15s
    [ -n "$PG" ] && go run ./bench/search -docs "$DOCS" -tenants 171 -c 8 -d 15s -pg "$PG"
    echo '```'
    echo
    ;;
  db)
    echo "### Database writes (same run: raw INSERT is the baseline)"
    echo '```'
    go run ./bench/dbbench -n "${ROWS:-5000}"
    [ -n "$PG" ] && go run ./bench/dbbench -n "${ROWS:-5000}" -pg "$PG"
    echo '```'
    echo
    ;;
  booking)
    echo "### Booking: ${BOOKERS:-2000} citizens chase one morning's places at once"
    echo '```'
    go run ./bench/booking -n "${BOOKERS:-2000}"
    [ -n "$PG" ] && go run ./bench/booking -n "${BOOKERS:-2000}" -pg "$PG"
    echo '```'
    echo
    ;;
  reports)
    echo "### Reports: map viewport and Open311 GET requests over ${REPORTS:-100000} reports per tenant"
    echo '```'
    go run ./bench/reports -n "${REPORTS:-100000}"
    [ -n "$PG" ] && go run ./bench/reports -n "${REPORTS:-100000}" -pg "$PG"
    echo '```'
    echo
    ;;
  *) echo "unknown section $section" >&2; exit 2 ;;
  esac
done
