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

biome ci .
turbo run build typecheck --output-logs=errors-only
# One package at a time: the storage servers and sharp share two cores.
turbo run test --concurrency=1
