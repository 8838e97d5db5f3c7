#!/usr/bin/env bash
# Measures one tenant's protocol registrations per second against the raw durable
# INSERT rate of the same database, in the same run: SQLite with synchronous=NORMAL
# (WAL; survives a killed process) and synchronous=FULL (survives power loss), and
# PostgreSQL with synchronous_commit=on when PIAZZA_BENCH_POSTGRES_URL is set.
#
#   bench/protocol/run.sh
#   N=50000 CONC=128 PIAZZA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable bench/protocol/run.sh
set -euo pipefail
export GOTOOLCHAIN=local
cd "$(dirname "$0")/../.."

N=${N:-20000}
CONC=${CONC:-64}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/protocol" ./bench/protocol

echo "### Protocol register, one tenant ($(date -u +%Y-%m-%d), $(uname -m), $(nproc) cores, Go $(go env GOVERSION))"
echo '```'
"$tmp/protocol" -n "$N" -c "$CONC" -sync normal
echo
"$tmp/protocol" -n "$N" -c "$CONC" -sync full
if [ -n "${PIAZZA_BENCH_POSTGRES_URL:-}" ]; then
  echo
  "$tmp/protocol" -n "$N" -c "$CONC" -pg "$PIAZZA_BENCH_POSTGRES_URL"
fi
echo '```'
