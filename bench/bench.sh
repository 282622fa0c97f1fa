#!/usr/bin/env bash
# `pnpm bench`: installs what the benchmark needs (each step only when missing), builds Tintype,
# then runs bench/run.mjs. BENCH_QUICK=1 for the ~3-minute run; run.mjs lists every setting.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian: wrk drives the load, nginx is the origin and the cache-hit ceiling; the allocators
# (jemalloc, mimalloc, tcmalloc) are measured against glibc's.
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx)
[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] || need+=(libjemalloc2)
[ -e /usr/lib/x86_64-linux-gnu/libmimalloc.so.2 ] || need+=(libmimalloc2.0)
[ -e /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 ] || need+=(libtcmalloc-minimal4)
if ((${#need[@]})); then
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# The reference server's and ipx's packages live outside the workspace (bench/package.json).
if [ ! bench/node_modules/.package-lock.json -nt bench/package-lock.json ]; then
  (cd bench && npm ci --no-audit --no-fund --loglevel=error)
fi

# turbo must find pnpm: the one running `pnpm bench`, else the pinned one through npx.
if [ -n "${npm_execpath:-}" ]; then pnpm=(node "$npm_execpath"); else pnpm=(npx --yes pnpm@10.34.8); fi
[ -x node_modules/.bin/turbo ] || "${pnpm[@]}" install --frozen-lockfile
"${pnpm[@]}" exec turbo run build --filter=@tintype/server... --output-logs=errors-only
exec node bench/run.mjs "$@"
