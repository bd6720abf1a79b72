#!/usr/bin/env bash
# Posting through `rostra serve` on a fresh SQLite file: posts per second and the server's CPU
# per post, read from /proc for the whole process group (issue 4, docs/performance.md).
#
#   bench/serve_post_cpu.sh [WORKERS]      (default 1; needs wrk and .venv from `make install`)
#
# Alternate it with a change stashed and applied to compare the two on a noisy machine.
set -euo pipefail
cd "$(dirname "$0")/.."
WORKERS=${1:-1}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
export ROSTRA_RATE_LIMITS=off ROSTRA_SECRET_KEY=serve-post-cpu-secret-key-long-enough-for-rostra
DB="sqlite:///$DIR/rostra.db"
.venv/bin/rostra site add bench --origin https://bench.example --database "$DB" >/dev/null
PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
setsid .venv/bin/rostra serve --host 127.0.0.1 --port "$PORT" --workers "$WORKERS" \
  --database "$DB" >"$DIR/server.log" 2>&1 &
SERVER=$!
trap 'kill -- -$SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.2
done
ticks() {  # user + system clock ticks of every process in the server's group
  local total=0 fields
  for pid in $(pgrep -g "$SERVER"); do
    read -ra fields < <(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}
URL="http://127.0.0.1:$PORT/api/v1/comments"
export WRK_FLAVOR=rostra WRK_SITE=bench WRK_PAGE=/p
wrk -t1 -c10 -d2s -s bench/wrk/post_comment.lua "$URL" >/dev/null  # warm up
before=$(ticks)
OUT=$(wrk -t2 -c50 -d10s -s bench/wrk/post_comment.lua "$URL")
after=$(ticks)
POSTS=$(echo "$OUT" | grep -oP '\d+(?= requests in)')
echo "$OUT" | grep -E "Requests/sec|Non-2xx" || true
.venv/bin/python -c "
import os
cpu = ($after - $before) / os.sysconf('SC_CLK_TCK')
print(f'server CPU {cpu:.2f} s for $POSTS posts: {cpu / $POSTS * 1000:.2f} ms per post ($WORKERS worker(s))')"
