#!/usr/bin/env bash
# A/B one scenario against one binary: starts `lotse serve` on 127.0.0.1:18080,
# warms up 2 s, then runs wrk -t2 -c32 for $DUR seconds (default 8) and prints
# req/s, p99, CPU milliseconds per request of the server and of all postgres
# processes (utime + stime from /proc), and the server's peak RSS.
#
#   bench/ab.sh LABEL BINARY DATABASE_URL WRK_LUA PATH [ENV=VALUE …]
#   bench/ab.sh gql target/release/lotse "postgres://postgres@127.0.0.1:5432/lotse_bench?sslmode=disable" \
#       bench/lua/graphql-list.lua /graphql
#
# Alternate the binaries over several rounds: one run on this 2-core VM varies by ±10 %.
set -euo pipefail
label=$1 bin=$2 url=$3 lua=$4 path=$5; shift 5
port=18080 dur=${DUR:-8}
pkill -f "serve --addr 127.0.0.1:$port" 2>/dev/null || true; sleep 0.5
env "$@" RUST_LOG=warn "$bin" serve --addr 127.0.0.1:$port --database-url "$url" --response-cache-mb 0 --rate-limit-per-minute 0 \
  >"/tmp/ab-$label.log" 2>&1 &
pid=$!
for _ in $(seq 240); do curl -sf "localhost:$port/ready" >/dev/null && break; sleep 0.5; done
wrk -t2 -c32 -d2s -s "$lua" "http://127.0.0.1:$port$path" >/dev/null
pg_ticks() { cat /proc/[0-9]*/stat 2>/dev/null | awk '$2=="(postgres)"{s+=$14+$15} END{print s+0}'; }
( while kill -0 $pid 2>/dev/null; do awk '/VmRSS/{print $2}' /proc/$pid/status; sleep 0.1; done ) >"/tmp/ab-$label.rss" &
sampler=$!
t0=$(awk '{print $14+$15}' /proc/$pid/stat) p0=$(pg_ticks)
out=$(wrk -t2 -c32 -d"${dur}s" --latency -s "$lua" "http://127.0.0.1:$port$path")
t1=$(awk '{print $14+$15}' /proc/$pid/stat) p1=$(pg_ticks)
kill $sampler $pid 2>/dev/null || true
n=$(awk '/requests in/{print $1}' <<<"$out")
rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
p99=$(awk '$1=="99%"{print $2}' <<<"$out")
tick_ms=$((1000 / $(getconf CLK_TCK)))
python3 - "$label" "$rps" "$p99" "$n" "$((t1 - t0))" "$((p1 - p0))" "$tick_ms" "$(sort -n "/tmp/ab-$label.rss" | tail -1)" <<'PY'
import sys
label, rps, p99, n, srv, pg, tick, rss = sys.argv[1:]
n = int(n)
print(f"{label} rps={rps} p99={p99} cpu_ms/req={int(srv)*int(tick)/n:.3f}+{int(pg)*int(tick)/n:.3f} rss_peak_mb={int(rss)//1024}")
PY
