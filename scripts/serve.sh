#!/usr/bin/env bash
# `tintype serve` (arguments passed on) with the memory allocator that measured best for image
# work on glibc (docs/benchmarks.md, "The allocator"): tcmalloc when Debian's or Ubuntu's
# libtcmalloc-minimal4 is installed, and glibc's malloc with 2 arenas per CPU either way (they
# apply when tcmalloc is absent). Setting LD_PRELOAD (empty: glibc) or MALLOC_ARENA_MAX yourself
# overrides each. `pnpm start` and the benchmark run Tintype through here; the Docker image sets
# the same variables itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${LD_PRELOAD+set}" ]; then
  for lib in /usr/lib/*-linux-gnu/libtcmalloc_minimal.so.4; do
    if [ -e "$lib" ]; then
      export LD_PRELOAD=$lib
      break
    fi
  done
fi
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-$(($(nproc) * 2))}
exec node apps/server/dist/cli.js serve "$@"
