#!/usr/bin/env bash
# The side-by-side race of issue 12: Lotse (uncached and cached) against
# PostGraphile 5 and Directus 12 on the same PostgreSQL data (Lotse's schema,
# `lotse generate --offers 20000 --partners 400 --seed 42`), with nginx as the
# static ceiling. It runs the shared harness (../shared/bench-peers, see its
# README: it installs the peers from npm under /tmp/peers, checks that every
# target returns the same ids in the same order, and prints req/s, p99, CPU
# per request and RSS per target), with Lotse's release binary.
#
#   bench/peers.sh                         # build, then ~20 min (first run installs the peers)
#   LOTSE_BIN=/path/to/lotse bench/peers.sh   # another binary
#   ROUNDS=1 DURATION=5 bench/peers.sh        # quicker; every knob of the harness applies
#
# Needs root (it creates the `bench` role through `su postgres`) and the local
# PostgreSQL at 127.0.0.1:5432; it leaves PostgreSQL running.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HARNESS="${BENCH_PEERS_DIR:-$ROOT/../shared/bench-peers}"
[[ -x "$HARNESS/run-lotse.sh" ]] || { echo "no harness at $HARNESS (set BENCH_PEERS_DIR)" >&2; exit 1; }
command -v wrk >/dev/null && command -v nginx >/dev/null || {
  apt-get update -qq && apt-get install -y -qq wrk nginx-light >/dev/null
}
cd "$ROOT"
if [[ -z "${LOTSE_BIN:-}" ]]; then
  cargo build --release --bin lotse
  export LOTSE_BIN="$ROOT/target/release/lotse"
fi
# The peers' PostgreSQL clients (node-postgres) connect without TLS when the URL
# names no sslmode; sqlx's default is `prefer`, which encrypts every byte on the
# loopback when the server offers TLS (Debian's does). Lotse connects like the
# peers here: TLS cost it 8-15 % of its GraphQL list throughput (RESULTS.md).
PORT="${LOTSE_PORT:-8080}" CACHED_PORT="${LOTSE_CACHED_PORT:-8081}"
export PROJECT_START_CMD="${PROJECT_START_CMD:-LOTSE_RESPONSE_CACHE_MB=0 exec \"\$LOTSE_BIN\" serve --addr 127.0.0.1:$PORT --database-url \"\$DATABASE_URL?sslmode=disable\" --response-cache-mb 0 --rate-limit-per-minute 0}"
export PROJECT2_START_CMD="${PROJECT2_START_CMD-exec \"\$LOTSE_BIN\" serve --addr 127.0.0.1:$CACHED_PORT --database-url \"\$DATABASE_URL?sslmode=disable\" --rate-limit-per-minute 0}"
exec "$HARNESS/run-lotse.sh" "$@"
