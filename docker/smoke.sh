#!/usr/bin/env bash
# What the image does, without Docker: lay the server out as the Dockerfile's build stage does
# (pnpm deploy --prod), then run its entrypoint (`tintype serve`) and its HEALTHCHECK
# (`tintype health`) against it, and fetch an image. Run from anywhere after `pnpm install`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$out"
}
trap cleanup EXIT

pnpm() { npx --yes pnpm@10.34.8 "$@"; }
pnpm --filter "@tintype/server..." run build >/dev/null
pnpm --filter @tintype/server deploy --prod --legacy "$out/app" >/dev/null
chmod +x "$out/app/dist/cli.js"
mkdir -p "$out/bin" && ln -s "$out/app/dist/cli.js" "$out/bin/tintype"
export PATH="$out/bin:$PATH"

port=${SMOKE_PORT:-18099}
export IMGPROXY_BIND=127.0.0.1:$port IMGPROXY_LOCAL_FILESYSTEM_ROOT=$PWD/samples
(cd "$out" && exec tintype serve) >"$out/serve.log" 2>&1 &
pid=$!
for _ in $(seq 50); do tintype health && break; sleep 0.2; done
tintype health || { cat "$out/serve.log"; echo 'smoke: health failed' >&2; exit 1; }
type=$(curl -fsS -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port/unsafe/rs:fit:64:64/plain/local:///ladybird.jpg@webp")
[ "$type" = image/webp ] || { echo "smoke: expected image/webp, got $type" >&2; exit 1; }
kill "$pid" && wait "$pid" || true
pid=
if tintype health; then echo 'smoke: health still passes after stop' >&2; exit 1; fi
echo "smoke: ok ($(du -sh "$out/app" | cut -f1) deployed)"
