#!/usr/bin/env bash
# Lighthouse (mobile, simulated slow 4G, the tool's defaults) on the demo's home
# pages. Measurement only: it installs Lighthouse from npm into a temporary
# directory; building and running Piazza never need npm.
#   bench/lighthouse.sh            # three runs per home page, scores and timings
set -euo pipefail
export GOTOOLCHAIN=local
cd "$(dirname "$0")/.."
PORT=${PORT:-18300}
RUNS=${RUNS:-3}
CHROME=${CHROME_PATH:-$(command -v chromium || command -v chromium-browser || command -v google-chrome)}
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
(cd "$tmp" && npm install --silent --no-audit --no-fund lighthouse@12 >/dev/null)
go build -o "$tmp/piazza" ./cmd/piazza
"$tmp/piazza" serve --demo --data "$tmp/data" --addr "127.0.0.1:$PORT" --log-level error >/dev/null 2>&1 &
pid=$!
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "## Lighthouse $(date -u +%Y-%m-%d) on $(nproc) cores, $("$CHROME" --version)"
for host in borgofiorito marinadiponente; do
  for run in $(seq "$RUNS"); do
    CHROME_PATH=$CHROME "$tmp/node_modules/.bin/lighthouse" "http://$host.localhost:$PORT/" --quiet \
      --only-categories=performance,accessibility,best-practices,seo --output=json --output-path="$tmp/r.json" \
      --chrome-flags="--headless=new --no-sandbox --host-resolver-rules='MAP *.localhost 127.0.0.1'"
    python3 - "$tmp/r.json" "$host" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); a = d["audits"]
scores = " ".join(f"{k} {round(v['score'] * 100)}" for k, v in d["categories"].items())
timing = ", ".join(f"{k} {a[k]['displayValue']}" for k in ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift"])
print(f"{sys.argv[2]}: {scores} | {timing}")
PY
  done
done
