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

# Debian's chromium for the browser tests (apps/server/e2e). Quiet, and only when it is missing.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null; then
  sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo -n)
  echo '[test] apt-get install chromium (log: .test-servers/chromium-apt.log)'
  mkdir -p .test-servers
  { "${sudo[@]}" apt-get update -qq &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
    >.test-servers/chromium-apt.log 2>&1 || echo '[test] chromium could not be installed; the browser tests will say so' >&2
fi

biome ci --colors=off .
turbo run build typecheck --output-logs=errors-only
# One package at a time: the storage servers and sharp share two cores.
turbo run test --concurrency=1
