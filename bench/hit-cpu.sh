#!/usr/bin/env bash
# CPU per cache hit of the built Tintype, one cell: the figures of "What each hit-path change
# bought" in docs/benchmarks.md. Needs wrk and the bench corpus (run `pnpm bench` once first).
# usage: bash bench/hit-cpu.sh mem|fs [concurrency=16] [seconds=5]   (IMGPROXY_PROCESSES=1 for one process; TINTYPE_CLI=<another build of cli.js> for an A/B;
#   FORMAT=webp|jpeg|avif|png, the results' format (webp: about 20 KB each; png: about 230 KB))
# Prints wrk's req/s, latency and p50/p99 (JSON, microseconds), and the CPU microseconds per request of the server process
# (of the cluster's primary only when IMGPROXY_PROCESSES > 1: read req/s then).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-mem}; C=${2:-16}; S=${3:-5}
PORT=${BENCH_HIT_PORT:-18990}
ROOT=$(mktemp -d); PATHS=$ROOT/paths
MEM=0; [ "$MODE" = mem ] && MEM=256
MALLOC_ARENA_MAX=$(( $(nproc) * 2 )) IMGPROXY_BIND=127.0.0.1:$PORT IMGPROXY_LOCAL_FILESYSTEM_ROOT=$PWD/.bench-cache/corpus \
  IMGPROXY_CACHE_USE=fs IMGPROXY_CACHE_FS_ROOT=$ROOT/cache IMGPROXY_CACHE_MEMORY_SIZE=$MEM \
  node ${NODE_FLAGS:-} "${TINTYPE_CLI:-apps/server/dist/cli.js}" serve > "$ROOT/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; [ -n "${KEEP_LOG:-}" ] && cp "$ROOT/server.log" "$KEEP_LOG"; rm -rf "$ROOT"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 0.1; done
for f in j01 j02 j03 j04 j05 j06 j07 j08 j09 j10; do
  echo "/unsafe/rs:fit:512:512/plain/local:///$f.jpg@${FORMAT:-webp}" >> "$PATHS"
done
while read -r p; do curl -s -o /dev/null "http://127.0.0.1:$PORT$p"; done < "$PATHS"
sleep 1
wrk -t1 -c"$C" -d1 -s bench/wrk.lua "http://127.0.0.1:$PORT" -- "$PATHS" > /dev/null
ticks() { awk '{print $14+$15}' "/proc/$PID/stat"; }
T0=$(ticks)
OUT=$(wrk -t1 -c"$C" -d"$S" -s bench/wrk.lua "http://127.0.0.1:$PORT" -- "$PATHS")
T1=$(ticks)
REQ=$(echo "$OUT" | grep -oE '[0-9]+ requests in' | grep -oE '^[0-9]+')
echo "$OUT" | grep -E "Requests/sec|Latency|p99"
echo "CPU us/req: $(( (T1 - T0) * 10000 / REQ ))  (requests $REQ)"
