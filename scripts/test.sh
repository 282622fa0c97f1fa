#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls `pnpm test`, which runs this file).
# Installs and starts the real storage servers the adapter tests talk to, then lints,
# type-checks, builds and tests every package.
set -euo pipefail
cd "$(dirname "$0")/.."

servers=scripts/storage-servers/servers.sh
if [ -f "$servers" ]; then
  bash "$servers" install
  bash "$servers" start
  trap 'bash "$servers" stop' EXIT
  # shellcheck disable=SC1091
  source .test-servers/env.sh
fi

# Debian packages the tests use, each only when missing: chromium for the browser tests
# (apps/server/e2e), libtcmalloc-minimal4 for the allocator scripts/serve.sh picks (cli.test.ts).
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
compgen -G '/usr/lib/*-linux-gnu/libtcmalloc_minimal.so.4' >/dev/null || need+=(libtcmalloc-minimal4)
if ((${#need[@]})) && command -v apt-get >/dev/null; then
  sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo -n)
  echo "[test] apt-get install ${need[*]} (log: .test-servers/apt.log)"
  mkdir -p .test-servers
  { "${sudo[@]}" apt-get update -qq &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } \
    >.test-servers/apt.log 2>&1 || echo "[test] ${need[*]} could not be installed; the tests that use them will say so" >&2
fi

biome ci --colors=off .
turbo run build typecheck --output-logs=errors-only
# One package at a time: the storage servers and sharp share two cores.
turbo run test --concurrency=1
